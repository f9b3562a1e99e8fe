/**
 * The fleet's Services as every agent's proxy needs them (issue #8): the hub folds Services,
 * their Endpoints and the nodes' relay addresses into one snapshot, published retained on one
 * topic every node may read (fleetServicesTopic). Not inside each node's desired state: a NodePort
 * answers on every node, so every node needs every Service, and a Pod turning Ready is then one
 * publish, not one per node. The agent stores the last one it got, so its proxy keeps working
 * with the endpoints it knew while the hub is away.
 *
 * Only Ready endpoints are listed (as kube-proxy uses only ready ones). A port with no endpoint is
 * listed with an empty list, so the agent opens no listener for it: a client gets "connection
 * refused", not a hang.
 */
import { SkiffError } from '../errors.js';
import { MESSAGE_SCHEMA } from './messages.js';
import type { IngressRoute, IngressTls } from '../services/ingress-routes.js';

/** What the ingress nodes serve (compileIngressRoutes); TLS names Secrets, which only ingress nodes receive. */
export interface ViewIngress {
  routes: IngressRoute[];
  tls: IngressTls[];
}

export interface ViewEndpoint {
  /** The Pod's IP on its node's container bridge (reachable from that node only). */
  ip: string;
  /** The resolved targetPort. */
  port: number;
  /** The node the Pod runs on: a proxy on another node reaches it through that node's relay. */
  node: string;
}

export interface ViewServicePort {
  /** The Service port's name ('' when the Service has a single unnamed port). */
  name: string;
  port: number;
  /** Set for a NodePort Service: every node listens on it. */
  nodePort?: number;
  endpoints: ViewEndpoint[];
}

export interface ViewService {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort';
  /** Absent for a headless Service (clusterIP None), which gets no proxy. */
  clusterIP?: string;
  /** sessionAffinity ClientIP: how long a client stays with its endpoint; absent for None. */
  affinityTimeoutSeconds?: number;
  ports: ViewServicePort[];
}

/** Where a node's relay listens: its InternalIP and the agent's relay port. */
export interface RelayAddress {
  host: string;
  port: number;
}

export interface ServicesView {
  schema: typeof MESSAGE_SCHEMA;
  /** Increases when the content changes; an agent ignores a view older than the one it holds. */
  generation: number;
  /** The hub's service CIDR (clusterIPs come from it): an agent routes it to itself. */
  serviceCidr: string;
  /** Sorted by namespace and name. */
  services: ViewService[];
  /** The relay of every node that holds an endpoint (a node not yet reporting one is absent). */
  relays: Record<string, RelayAddress>;
  /**
   * What a proxy presents to another node's relay, which serves nobody without it: only a member
   * of the fleet (a reader of this topic) can reach Pods through a relay. Derived by the hub from
   * its join credential (hub/identity/relay-token.ts), so anyone able to join could compute it.
   */
  relayToken: string;
  /** Every Ingress's routes; absent when there is none. */
  ingress?: ViewIngress;
}

function fail(topic: string, field: string, message: string): never {
  throw new SkiffError('SKIFF_ERR_BAD_MESSAGE', `bad message on topic ${topic}: ${field}: ${message}`);
}

const isPort = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the envelope and every field the proxy reads; errors name the topic and the field. */
export function decodeServicesView(payload: Buffer | string, topic: string): ServicesView {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString());
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_BAD_MESSAGE', `bad message on topic ${topic}: not JSON`, { cause: err });
  }
  if (!isObject(value)) fail(topic, '(root)', 'expected an object');
  if (value.schema !== MESSAGE_SCHEMA) fail(topic, 'schema', `expected ${MESSAGE_SCHEMA}, got ${JSON.stringify(value.schema)}`);
  if (!Number.isSafeInteger(value.generation) || (value.generation as number) < 0) fail(topic, 'generation', 'expected a non-negative integer');
  if (typeof value.serviceCidr !== 'string') fail(topic, 'serviceCidr', 'expected a string');
  if (!Array.isArray(value.services)) fail(topic, 'services', 'expected an array');
  (value.services as unknown[]).forEach((entry, i) => {
    const at = `services[${i}]`;
    if (!isObject(entry)) fail(topic, at, 'expected an object');
    if (typeof entry.namespace !== 'string' || typeof entry.name !== 'string') fail(topic, at, 'expected namespace and name');
    if (entry.type !== 'ClusterIP' && entry.type !== 'NodePort') fail(topic, `${at}.type`, 'expected "ClusterIP" or "NodePort"');
    if (entry.clusterIP !== undefined && typeof entry.clusterIP !== 'string') fail(topic, `${at}.clusterIP`, 'expected a string');
    if (entry.affinityTimeoutSeconds !== undefined && !(Number.isInteger(entry.affinityTimeoutSeconds) && (entry.affinityTimeoutSeconds as number) > 0)) {
      fail(topic, `${at}.affinityTimeoutSeconds`, 'expected a positive integer');
    }
    if (!Array.isArray(entry.ports)) fail(topic, `${at}.ports`, 'expected an array');
    (entry.ports as unknown[]).forEach((port, j) => {
      const pat = `${at}.ports[${j}]`;
      if (!isObject(port)) fail(topic, pat, 'expected an object');
      if (typeof port.name !== 'string') fail(topic, `${pat}.name`, 'expected a string');
      if (!isPort(port.port)) fail(topic, `${pat}.port`, 'expected a port number');
      if (port.nodePort !== undefined && !isPort(port.nodePort)) fail(topic, `${pat}.nodePort`, 'expected a port number');
      if (!Array.isArray(port.endpoints)) fail(topic, `${pat}.endpoints`, 'expected an array');
      (port.endpoints as unknown[]).forEach((endpoint, k) => {
        if (!isObject(endpoint) || typeof endpoint.ip !== 'string' || !isPort(endpoint.port) || typeof endpoint.node !== 'string') {
          fail(topic, `${pat}.endpoints[${k}]`, 'expected ip, port and node');
        }
      });
    });
  });
  if (typeof value.relayToken !== 'string' || value.relayToken.length < 16) fail(topic, 'relayToken', 'expected a string of at least 16 characters');
  if (!isObject(value.relays)) fail(topic, 'relays', 'expected an object');
  for (const [node, relay] of Object.entries(value.relays)) {
    if (!isObject(relay) || typeof relay.host !== 'string' || !isPort(relay.port)) fail(topic, `relays[${node}]`, 'expected host and port');
  }
  if (value.ingress !== undefined) checkIngress(value.ingress, topic);
  return value as unknown as ServicesView;
}

function checkIngress(ingress: unknown, topic: string): void {
  if (!isObject(ingress) || !Array.isArray(ingress.routes) || !Array.isArray(ingress.tls)) fail(topic, 'ingress', 'expected routes and tls arrays');
  (ingress.routes as unknown[]).forEach((route, i) => {
    const r = route as Record<string, unknown> | null;
    if (!isObject(r) || typeof r.host !== 'string' || typeof r.path !== 'string' || (r.pathType !== 'Exact' && r.pathType !== 'Prefix')) {
      fail(topic, `ingress.routes[${i}]`, 'expected host, path and pathType Exact or Prefix');
    }
    if (typeof r.namespace !== 'string' || typeof r.service !== 'string' || (typeof r.port !== 'string' && !isPort(r.port))) {
      fail(topic, `ingress.routes[${i}]`, 'expected namespace, service and port');
    }
  });
  (ingress.tls as unknown[]).forEach((entry, i) => {
    const e = entry as Record<string, unknown> | null;
    if (!isObject(e) || typeof e.host !== 'string' || typeof e.namespace !== 'string' || typeof e.secretName !== 'string') fail(topic, `ingress.tls[${i}]`, 'expected host, namespace and secretName');
  });
}
