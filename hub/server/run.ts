/** `skiff hub`: starts the control plane in this process. (Being implemented: issue #2.) */
export interface HubOptions {
  dataDir: string;
  apiPort: number;
  mqttPort: number;
  /** Address to listen on (API and MQTT). */
  host: string;
}

export interface HubHandle {
  apiUrl: string;
  close(): Promise<void>;
}

export async function runHub(options: HubOptions): Promise<HubHandle> {
  throw new Error(`runHub not implemented yet (${options.dataDir})`);
}
