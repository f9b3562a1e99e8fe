/** The HTTP join exchange: an agent trades the cluster join token for its own credentials. */
export const JOIN_PATH = '/skiff/v1/join';

export interface JoinRequest {
  token: string;
  nodeName: string;
}

export interface JoinResponse {
  nodeName: string;
  /** MQTT port of the hub's broker; the agent dials it on the host of the URL it joined. */
  mqttPort: number;
  /** MQTT credentials for this node only: the broker lets them touch only this node's topics. */
  username: string;
  password: string;
}
