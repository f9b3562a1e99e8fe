/**
 * How the hub talks MQTT, whatever the broker: the embedded aedes (embedded-broker.ts) or an
 * external broker the hub is a client of (external-broker.ts, issue #11).
 */
export type MessageHandler = (topic: string, payload: Buffer) => void;

export interface PublishOptions {
  qos: 0 | 1;
  retain: boolean;
}

/** Counters a broker keeps for /metrics; messages are counted per topic channel ('desired', 'status', ...). */
export interface BrokerStats {
  clientsConnected: number;
  /** Published by clients (agents), by channel. */
  messagesReceived: ReadonlyMap<string, number>;
  /** Published by the hub itself, by channel. */
  messagesPublished: ReadonlyMap<string, number>;
}

export interface MessageBus {
  publish(topic: string, payload: Buffer | string, options: PublishOptions): Promise<void>;
  /**
   * Delivers every message on topics matching `filter` (MQTT wildcards) to `handler`. `shared`:
   * the hubs on one external broker split these messages among them (an MQTT 5 `$share/`
   * subscription), each reaching one hub only; a lone hub gets them all either way.
   */
  subscribe(filter: string, handler: MessageHandler, options?: { shared?: boolean }): Promise<void>;
  /** Drops every connection logged in as `node` (its credentials were revoked). */
  disconnectNode(node: string): void;
  /** What the broker has counted so far (absent where the broker does not expose it). */
  stats?(): BrokerStats;
  close(): Promise<void>;
}
