/**
 * The agent's MQTT link to the hub (MQTT.js, imported lazily). A persistent session (clean:false,
 * fixed clientId) so QoS 1 desired states published while the node was away are delivered on
 * reconnect (MQTT 3.1.1 §3.1.2.4); a retained last will says `offline` if the link dies
 * (§3.1.2.5), a retained `online` on every connect says it is back. Reconnects use full-jitter
 * backoff (mqtt-reconnect-backoff.ts: MQTT.js only knows a fixed reconnectPeriod, reset before every attempt).
 * Over mqtts the broker's certificate must chain to the hub CA the agent pinned (hub-ca.ts).
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { encode, type EventReport, type MetricsReport, type StatusReport } from '../../shared/mqtt/messages.js';
import type { StreamChunk } from '../../shared/mqtt/node-requests.js';
import { agentClientId, desiredTopic, FLEET_SERVICES_TOPIC, requestsTopic, streamsTopic, eventsTopic, leaseTopic, metricsTopic, presenceTopic, PRESENCE_OFFLINE, PRESENCE_ONLINE, statusTopic } from '../../shared/mqtt/topics.js';
import { followReconnectBackoff, initialReconnectPeriodMs } from './mqtt-reconnect-backoff.js';

export interface MqttSessionOptions {
  /** mqtts://host:port (or mqtt:// for a hub with --plain-mqtt) */
  url: string;
  /** For mqtts: PEM of the only CA the broker's certificate may chain to. */
  ca?: string;
  node: string;
  username: string;
  password: string;
  log: Logger;
  random?: () => number;
  keepaliveSeconds?: number;
  /** A message on the node's desired topic (raw; the caller decodes). */
  onDesired(payload: Buffer, topic: string): void;
  /** A message on the fleet Services topic (raw; the caller decodes). */
  onServices?(payload: Buffer, topic: string): void;
  /** A message on the node's requests topic (raw; the caller decodes). */
  onRequest?(payload: Buffer, topic: string): void;
  /** Every (re)connect, after presence and the subscription are in place. */
  onConnect(): void;
}

const CLOSE_TIMEOUT_MS = 2_000;
/** How long one attempt waits for the broker's CONNACK (exported for the simulated fleet, test/helpers/fake-fleet.ts). */
export const CONNECT_TIMEOUT_MS = 10_000;

export class MqttSession {
  /** Set by close(): a password switch in progress must not bring the link back. */
  private closing = false;

  private constructor(
    private readonly client: MqttClient,
    private readonly options: MqttSessionOptions,
  ) {}

  static async connect(options: MqttSessionOptions): Promise<MqttSession> {
    // Before MQTT.js loads mqtt-packet's writer: its length cache must not pin the Buffer pool.
    await import('../../shared/mqtt/unpooled-length-encoding.js');
    const { connect } = await import('mqtt');
    const random = options.random ?? Math.random;
    const clientOptions: IClientOptions = {
      clientId: agentClientId(options.node),
      username: options.username,
      password: options.password,
      clean: false,
      keepalive: options.keepaliveSeconds ?? DEFAULTS.mqttKeepaliveSeconds,
      reconnectPeriod: initialReconnectPeriodMs(random),
      // A refused login (credentials expired offline, hub briefly unable to check them) must not end
      // the retries for good: renewal.ts may re-join and switchPassword() hands the next try a new password.
      reconnectOnConnackError: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Status reports are snapshots: never replay stale ones from an offline queue.
      queueQoSZero: false,
      // MQTT.js otherwise pre-builds a Buffer for each of the 65536 packet ids: ~7 MB of heap
      // (measured) to save microseconds on a link that carries a few messages a minute.
      writeCache: false,
      will: { topic: presenceTopic(options.node), payload: Buffer.from(PRESENCE_OFFLINE), qos: 1, retain: true },
      ...(options.ca !== undefined ? { ca: options.ca, rejectUnauthorized: true } : {}),
    };
    const session = new MqttSession(connect(options.url, clientOptions), options);
    session.wire(random);
    return session;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /**
   * Renewed credentials (agent/session/renewal.ts): every later login uses the new password. A
   * live link is re-made at once, with a DISCONNECT first (so no will fires, and the persistent
   * session keeps its subscriptions), so that it does not outlive the old password's overlap.
   */
  switchPassword(password: string): void {
    const { client } = this;
    client.options.password = password;
    if (!client.connected || this.closing) return; // a reconnect under way picks the new password up
    client.end(false, {}, () => {
      if (!this.closing) client.reconnect();
    });
  }

  private wire(random: () => number): void {
    const { client, options } = this;
    const { log } = options;
    followReconnectBackoff(client, random, (attempt, nextDelayMs) => log.debug({ attempt, nextDelayMs }, 'mqtt reconnecting'));
    client.on('connect', (connack) => {
      log.info({ url: options.url, sessionPresent: connack.sessionPresent }, 'mqtt connected');
      void this.announce();
    });
    client.on('offline', () => log.warn({ url: options.url }, 'mqtt offline'));
    client.on('error', (err) => log.warn({ url: options.url, err: errorMessage(err) }, 'mqtt error'));
    const requests = requestsTopic(options.node);
    client.on('message', (topic, payload) => {
      if (topic === FLEET_SERVICES_TOPIC) options.onServices?.(payload, topic);
      else if (topic === requests) options.onRequest?.(payload, topic);
      else options.onDesired(payload, topic);
    });
  }

  private async announce(): Promise<void> {
    const { client, options } = this;
    try {
      await client.publishAsync(presenceTopic(options.node), PRESENCE_ONLINE, { qos: 1, retain: true });
      const topics = [desiredTopic(options.node), ...(options.onServices ? [FLEET_SERVICES_TOPIC] : []), ...(options.onRequest ? [requestsTopic(options.node)] : [])];
      await client.subscribeAsync(topics, { qos: 1 });
      options.onConnect();
    } catch (err) {
      options.log.warn({ err: errorMessage(err) }, 'mqtt presence or subscription failed');
    }
  }

  async publishStatus(report: StatusReport): Promise<void> {
    await this.client.publishAsync(statusTopic(this.options.node), encode(report), { qos: 1 });
  }

  /** The heartbeat: an empty QoS 0 message (the topic names the node; the hub times its arrival). */
  publishLease(): void {
    this.client.publish(leaseTopic(this.options.node), Buffer.alloc(0), { qos: 0 });
  }

  async publishEvents(report: EventReport): Promise<void> {
    await this.client.publishAsync(eventsTopic(this.options.node), encode(report), { qos: 1 });
  }

  async publishStream(chunk: StreamChunk): Promise<void> {
    await this.client.publishAsync(streamsTopic(this.options.node), encode(chunk), { qos: 1 });
  }

  async publishMetrics(report: MetricsReport): Promise<void> {
    await this.client.publishAsync(metricsTopic(this.options.node), encode(report), { qos: 1 });
  }

  /** Says `offline` (a clean disconnect suppresses the will) and closes; bounded in time. */
  async close(): Promise<void> {
    this.closing = true;
    const { client, options } = this;
    const bounded = <T>(p: Promise<T>): Promise<T | void> => Promise.race([p, new Promise<void>((r) => setTimeout(r, CLOSE_TIMEOUT_MS).unref())]);
    if (client.connected) {
      await bounded(client.publishAsync(presenceTopic(options.node), PRESENCE_OFFLINE, { qos: 1, retain: true })).catch(() => undefined);
    }
    await bounded(client.endAsync()).catch(() => undefined);
    if (!client.disconnected) await client.endAsync(true).catch(() => undefined);
  }
}
