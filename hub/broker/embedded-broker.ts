/**
 * The hub's embedded MQTT broker: aedes on a TCP port (MQTTS with the hub's serving certificate
 * by default, plain MQTT only when `tls` is not given), with the policy hooks of policy.ts.
 * Retained desired states and persistent sessions (subscriptions, queued QoS 1 messages, wills)
 * live in SQLite (sqlite-persistence.ts, DATA/broker.db) and survive a kill -9 of the hub; the
 * dispatcher also republishes every node's state from the object store on start. What one client
 * may cost the broker is bounded (DEFAULTS.broker): packet size, queue before login, QoS 2 in
 * flight, a stuck socket (drainTimeout), messages queued for an offline session, and publishes per
 * second (policy.ts paces each node to its budget).
 */
// First: before aedes loads mqtt-packet's writer, whose length cache must not pin the Buffer pool.
import { unpooledLengthEncoding } from '../../shared/mqtt/unpooled-length-encoding.js';
import type { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import { DEFAULTS } from '../../shared/defaults.js';
import type { Logger } from '../../shared/log.js';
import type { Store } from '../store/store.js';
import { parseNodeTopic } from '../../shared/mqtt/topics.js';
import type { BrokerStats, MessageBus, MessageHandler, PublishOptions } from './message-bus.js';
import { stackSafeMqEmitter } from './stack-safe-mqemitter.js';
import type { Client } from 'aedes';
import { brokerPolicy, loginHashOf, nodeOf } from './policy.js';
import type { NodeConnection } from '../identity/credential-sweep.js';
import { guardFrameSizes } from './frame-size-guard.js';
import { SqlitePersistence } from './sqlite-persistence.js';

export interface EmbeddedBrokerOptions {
  store: Store;
  logger: Logger;
  port: number;
  host: string;
  /** The serving certificate and key (PEM); without it the port speaks plain MQTT. */
  tls?: { cert: string; key: string };
  /** The broker's SQLite file (DATA/broker.db); without it aedes keeps its state in memory (unit tests). */
  persistenceFile?: string;
  /** Largest packet a client may send, in bytes (default DEFAULTS.broker.maxPacketBytes). */
  maxPacketBytes?: number;
}

export class EmbeddedBroker implements MessageBus {
  private readonly received = new Map<string, number>();
  private readonly published = new Map<string, number>();

  private constructor(
    private readonly aedes: Aedes,
    private readonly server: Server,
    private readonly persistence: SqlitePersistence | undefined,
  ) {
    aedes.on('publish', (packet, client) => {
      if (packet.topic.startsWith('$SYS/')) return; // aedes' own heartbeats
      const counts = client ? this.received : this.published;
      const channel = parseNodeTopic(packet.topic)?.channel ?? 'other';
      counts.set(channel, (counts.get(channel) ?? 0) + 1);
    });
  }

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const log = options.logger.child({ component: 'broker' });
    if (!unpooledLengthEncoding()) log.warn('an MQTT client loaded before the broker: mqtt-packet pins a Buffer pool block per packet length it caches (mqttjs/mqtt-packet#163)');
    const limits = DEFAULTS.broker;
    const persistence = options.persistenceFile
      ? new SqlitePersistence(options.persistenceFile, {
          onDropped: (clientId, dropped) => log.warn({ clientId, dropped, kept: limits.maxQueuedPerClient }, 'dropped the oldest messages queued for an offline client'),
        })
      : undefined;
    const maxPacketBytes = options.maxPacketBytes ?? limits.maxPacketBytes;
    const aedes = await Aedes.createBroker({
      ...brokerPolicy(options.store, options.logger, { maxPacketBytes, publishesPerSecond: limits.publishesPerSecond, publishBurst: limits.publishBurst }),
      ...(persistence ? { persistence } : {}),
      // One stuck client must not stall delivery to the others.
      drainTimeout: limits.drainTimeoutMs,
      queueLimit: limits.queueLimit,
      // Deliveries over the concurrency limit queue; this bus drains a deep queue without a stack overflow.
      mq: stackSafeMqEmitter({ concurrency: limits.concurrency }),
      maxInflightInbound: limits.maxInflightInbound,
      maxClientsIdLength: 128,
    });
    const handle = (connection: Socket) => {
      aedes.handle(connection);
      guardFrameSizes(connection, maxPacketBytes, (declaredBytes) =>
        log.warn({ remoteAddress: connection.remoteAddress, declaredBytes, maxPacketBytes }, 'mqtt packet over the size limit: connection dropped'),
      );
    };
    // A failed persistence write (disk full) is an 'error' on aedes itself: without a listener it would end the hub.
    (aedes as EventEmitter).on('error', (err: Error) => log.error({ err: err.message }, 'mqtt broker error'));
    aedes.on('clientError', (client, err) => log.warn({ clientId: client?.id, err: err.message }, 'mqtt client error'));
    aedes.on('client', (client) => log.info({ clientId: client.id }, 'mqtt client connected'));
    aedes.on('clientDisconnect', (client) => log.info({ clientId: client.id }, 'mqtt client disconnected'));
    const server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, handle) : createServer(handle);
    // A client that is not speaking TLS (or dislikes our certificate) never reaches aedes: say so once per connection.
    server.on('tlsClientError', (err) => log.warn({ err: err.message }, 'mqtts handshake failed'));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await persistence?.destroy();
      throw err;
    }
    return new EmbeddedBroker(aedes, server, persistence);
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  publish(topic: string, payload: Buffer | string, options: PublishOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.aedes.publish(
        { cmd: 'publish', topic, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), qos: options.qos, retain: options.retain, dup: false },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }

  subscribe(filter: string, handler: MessageHandler): Promise<void> {
    return new Promise((resolve) => {
      this.aedes.subscribe(
        filter,
        (packet, callback) => {
          // aedes delivers internal copies of retained and live publishes; skip $SYS heartbeats.
          handler(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
          callback();
        },
        () => resolve(),
      );
    });
  }

  stats(): BrokerStats {
    return { clientsConnected: this.aedes.connectedClients, messagesReceived: new Map(this.received), messagesPublished: new Map(this.published) };
  }

  disconnectNode(node: string): void {
    // aedes keeps its connected clients by id in `clients` (not in its type declarations).
    const clients = (this.aedes as unknown as { clients: Record<string, Client> }).clients;
    for (const client of Object.values(clients)) if (nodeOf(client) === node) client.close();
  }

  /** Every logged-in node connection, with the password hash it logged in with (the credential sweep's input). */
  nodeConnections(): NodeConnection[] {
    const clients = (this.aedes as unknown as { clients: Record<string, Client> }).clients;
    const connections: NodeConnection[] = [];
    for (const client of Object.values(clients)) {
      const node = nodeOf(client);
      const loginHash = loginHashOf(client);
      if (node !== undefined && loginHash !== undefined) connections.push({ node, loginHash, close: () => client.close() });
    }
    return connections;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    // aedes does not close its persistence; every write is already committed.
    await this.persistence?.destroy();
  }
}
