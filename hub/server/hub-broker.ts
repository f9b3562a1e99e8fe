/**
 * The hub's MQTT side, one shape whichever broker carries it: the embedded aedes (the default:
 * nodes authenticate against the store, policy.ts), or an external broker (issue #11,
 * `--mqtt-url`) that the hub is a client of, whose own authorization (Mosquitto's dynamic
 * security plugin) is told of every node password the hub issues and of every node removed.
 */
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { HUB_FILES } from '../../shared/defaults.js';
import type { Logger } from '../../shared/log.js';
import type { NodeConnection } from '../identity/credential-sweep.js';
import type { BrokerStats, MessageBus } from '../broker/message-bus.js';
import type { Store } from '../store/store.js';

export interface ExternalBrokerSettings {
  /** mqtt:// or mqtts:// URL: the hub and every agent dial it. */
  url: string;
  username: string;
  password: string;
  /** PEM of the CA that signed the broker's certificate; default: the hub's own CA (agents pin it). */
  caPem?: string;
}

export interface HubBroker {
  bus: MessageBus & { stats(): BrokerStats };
  /** The port agents are told (the embedded broker's, or the external URL's). */
  mqttPort: number;
  /** Where agents connect: a URL when external (sent in join answers), undefined for the embedded broker on the hub's host. */
  externalUrl?: string;
  isConnected(node: string): boolean;
  /** Open node connections with the password hash each logged in with (the credential sweep's input); none for an external broker, which the hub cannot see into. */
  nodeConnections(): NodeConnection[];
  /** Tells an external broker's authorization a node's new password (join, renewal). */
  grantNode(node: string, password: string): Promise<void>;
  /** Removes a node from an external broker's authorization (its Node was deleted): it is disconnected and cannot log in again. */
  revokeNode(node: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenHubBrokerOptions {
  store: Store;
  logger: Logger;
  dataDir: string;
  host: string;
  port: number;
  tls?: { cert: string; key: string; caPem: string };
  external?: ExternalBrokerSettings;
}

export async function openHubBroker(options: OpenHubBrokerOptions): Promise<HubBroker> {
  if (options.external) return openExternal(options, options.external);
  const { EmbeddedBroker } = await import('../broker/embedded-broker.js');
  const broker = await EmbeddedBroker.start({
    ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
    store: options.store,
    logger: options.logger,
    port: options.port,
    host: options.host,
    // Retained desired states and persistent sessions survive a hub restart (issue #7).
    persistenceFile: join(options.dataDir, HUB_FILES.brokerDatabase),
  });
  return {
    bus: broker,
    mqttPort: broker.port,
    isConnected: (node) => broker.nodeConnections().some((c) => c.node === node),
    nodeConnections: () => broker.nodeConnections(),
    grantNode: async () => undefined, // aedes reads the credentials from the store at every login
    revokeNode: async (node) => broker.disconnectNode(node),
    close: () => broker.close(),
  };
}

async function openExternal(options: OpenHubBrokerOptions, settings: ExternalBrokerSettings): Promise<HubBroker> {
  const { ExternalBroker } = await import('../broker/external-broker.js');
  const { MosquittoDynamicSecurity } = await import('../broker/mosquitto-dynsec.js');
  const url = new URL(settings.url);
  const ca = settings.caPem ?? options.tls?.caPem;
  // One persistent session per hub: the same id across restarts, another for every hub.
  const clientId = `skiff-hub-${createHash('sha256').update(`${hostname()}:${options.dataDir}`).digest('hex').slice(0, 12)}`;
  const broker = await ExternalBroker.connect({
    url: settings.url,
    username: settings.username,
    password: settings.password,
    clientId,
    logger: options.logger,
    ...(ca ? { ca } : {}),
  });
  const authority = new MosquittoDynamicSecurity(broker.mqttClient);
  const port = Number(url.port) || (url.protocol === 'mqtts:' ? 8883 : 1883);
  return {
    bus: broker,
    mqttPort: port,
    externalUrl: settings.url,
    isConnected: (node) => broker.connectedNodes().has(node),
    nodeConnections: () => [],
    grantNode: (node, password) => authority.grantNode(node, password),
    revokeNode: (node) => authority.revokeNode(node),
    close: async () => {
      await authority.close();
      await broker.close();
    },
  };
}
