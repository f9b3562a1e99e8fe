/**
 * The hub as a client of an external MQTT broker (issue #11, `--mqtt-url`): Mosquitto, EMQX or
 * any MQTT 5 broker cluster carries the nodes' traffic, and several hubs can share it. The
 * broker authenticates and authorizes the nodes by its own mechanism (for Mosquitto, the dynamic
 * security plugin that mosquitto-dynsec.ts feeds as nodes join); this side only publishes and
 * subscribes as the hub's own user.
 *
 * - A persistent session (clean: false, a client id per hub data dir): QoS 1 messages for this
 *   hub wait in the broker while it reconnects, and its subscriptions stay.
 * - Shared subscriptions (`$share/skiff-hubs/...`) spread a channel over the hubs connected.
 * - Which nodes are connected comes from their retained presence ('online', and the will that
 *   sets it 'offline'), since the hub cannot see the broker's connections.
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.js';
import { PRESENCE_ONLINE, allNodesFilter, parseNodeTopic } from '../../shared/mqtt/topics.js';
import { SkiffError } from '../../shared/errors.js';
import type { BrokerStats, MessageBus, MessageHandler, PublishOptions } from './message-bus.js';
import { topicMatches } from './topic-filter.js';
import { retainAllowed } from './policy.js';

/** The group every hub's shared subscriptions join. */
export const HUB_SHARE_GROUP = 'skiff-hubs';

export interface ExternalBrokerOptions {
  /** mqtt:// or mqtts:// URL of the broker. */
  url: string;
  username: string;
  password: string;
  /** The CA that signed the broker's certificate (PEM); none: the system's CAs. */
  ca?: string;
  /** Stable per hub (its persistent session). */
  clientId: string;
  logger: Logger;
}

interface Subscription {
  filter: string;
  handler: MessageHandler;
}

export class ExternalBroker implements MessageBus {
  private readonly subscriptions: Subscription[] = [];
  private readonly received = new Map<string, number>();
  private readonly published = new Map<string, number>();
  private readonly online = new Set<string>();

  private constructor(
    private readonly client: MqttClient,
    readonly url: string,
    private readonly log: Logger,
  ) {
    client.on('message', (topic, payload, packet) => {
      const channel = parseNodeTopic(topic)?.channel ?? 'other';
      this.received.set(channel, (this.received.get(channel) ?? 0) + 1);
      // Mosquitto's ACLs cannot refuse the retain flag: a node's retained message on any channel
      // but presence is dropped here and cleared, so that it never reaches a later subscriber.
      if (packet.retain && parseNodeTopic(topic) && !retainAllowed(topic)) {
        if (payload.length > 0) {
          this.log.warn({ topic }, 'a node published a retained message where only presence may be retained: dropped and cleared');
          this.client.publishAsync(topic, '', { qos: 1, retain: true }).catch((err: unknown) => this.log.warn({ err, topic }, 'could not clear a retained message'));
        }
        return;
      }
      for (const { filter, handler } of this.subscriptions) if (topicMatches(filter, topic)) handler(topic, payload);
    });
  }

  static async connect(options: ExternalBrokerOptions): Promise<ExternalBroker> {
    const log = options.logger.child({ component: 'broker', broker: options.url });
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      ...(options.ca ? { ca: options.ca } : {}),
    };
    let client: MqttClient;
    try {
      client = await connectAsync(options.url, clientOptions);
    } catch (err) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `cannot connect to the MQTT broker ${options.url} (--mqtt-url) as ${options.username}: ${(err as Error).message}`, { cause: err });
    }
    client.on('offline', () => log.warn('lost the connection to the broker; reconnecting'));
    client.on('reconnect', () => log.debug('reconnecting to the broker'));
    client.on('connect', () => log.info('connected to the broker'));
    client.on('error', (err) => log.warn({ err }, 'broker connection error'));
    const broker = new ExternalBroker(client, options.url, log);
    await broker.subscribe(allNodesFilter('presence'), (topic, payload) => broker.onPresence(topic, payload));
    log.info({ clientId: options.clientId }, 'using the external MQTT broker');
    return broker;
  }

  private onPresence(topic: string, payload: Buffer): void {
    const node = parseNodeTopic(topic)?.node;
    if (node === undefined) return;
    if (payload.toString() === PRESENCE_ONLINE) this.online.add(node);
    else this.online.delete(node);
  }

  async publish(topic: string, payload: Buffer | string, options: PublishOptions): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: options.qos, retain: options.retain });
    const channel = parseNodeTopic(topic)?.channel ?? 'other';
    this.published.set(channel, (this.published.get(channel) ?? 0) + 1);
  }

  async subscribe(filter: string, handler: MessageHandler, options: { shared?: boolean } = {}): Promise<void> {
    this.subscriptions.push({ filter, handler });
    const wire = options.shared ? `$share/${HUB_SHARE_GROUP}/${filter}` : filter;
    // Retain As Published (MQTT 5): a live message keeps its retain flag, so a node's retained publish is seen as one.
    const granted = await this.client.subscribeAsync(wire, { qos: 1, rap: true });
    const refused = granted.filter((g) => g.qos > 2);
    if (refused.length > 0) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `the MQTT broker ${this.url} refused the hub's subscription to ${wire} (reason code ${refused[0]!.qos}): check the hub user's ACL`);
    }
  }

  /** The broker's own authorization disconnects a node whose credentials change (mosquitto-dynsec.ts); nothing to do here. */
  disconnectNode(): void {}

  /** The connection itself, for the broker's control API (mosquitto-dynsec.ts). */
  get mqttClient(): MqttClient {
    return this.client;
  }

  /** Nodes whose retained presence says online. */
  connectedNodes(): ReadonlySet<string> {
    return this.online;
  }

  stats(): BrokerStats {
    return { clientsConnected: this.online.size, messagesReceived: new Map(this.received), messagesPublished: new Map(this.published) };
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
