/**
 * The fleet's Services view (shared/mqtt/services-view.ts), computed purely from the stored
 * Services, Endpoints and Nodes: what every agent's proxy needs and nothing more. Ready addresses
 * only; a Service port gets the endpoints of the Endpoints port of the same name (as kube-proxy
 * pairs them). An address without nodeName (an Endpoints written by hand, pointing at a machine
 * outside the fleet) is reached directly from any node, so its node is ''. Everything is sorted, so
 * an unchanged fleet gives the same bytes and nothing is republished. Ingress rules travel here
 * too (shared/services/ingress-routes.ts compiles them); their TLS Secrets do not: only ingress
 * nodes get those, in their desired state (dispatcher.ts).
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { EndpointSubset, ServiceSpec } from '../../shared/api/schema/service.js';
import { HEADLESS_CLUSTER_IP } from '../../shared/api/schema/service.js';
import type { NodeStatus } from '../../shared/api/status-types.js';
import type { RelayAddress, ServicesView, ViewEndpoint, ViewService } from '../../shared/mqtt/services-view.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { compileIngressRoutes } from '../../shared/services/ingress-routes.js';

export type ServicesViewContent = Omit<ServicesView, 'schema' | 'generation' | 'relayToken'>;

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const endpointKey = (e: ViewEndpoint): string => `${e.node}\u0000${e.ip}\u0000${String(e.port).padStart(5, '0')}`;

/** Where a node's relay listens, from its reported status: InternalIP and the daemon port. */
export function relayAddressOf(node: KubeObject): RelayAddress | undefined {
  const status = node.status as NodeStatus | undefined;
  const host = status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return host && port ? { host, port } : undefined;
}

function viewService(service: KubeObject, endpoints: KubeObject | undefined): ViewService {
  const spec = (service.spec ?? {}) as ServiceSpec;
  const type = spec.type === 'NodePort' ? 'NodePort' : 'ClusterIP';
  const subsets = ((endpoints as (KubeObject & { subsets?: EndpointSubset[] }) | undefined)?.subsets ?? []);
  const ports = (spec.ports ?? []).map((port) => {
    const name = port.name ?? '';
    const found: ViewEndpoint[] = [];
    for (const subset of subsets) {
      const match = (subset.ports ?? []).find((p) => (p.name ?? '') === name);
      if (!match) continue;
      for (const address of subset.addresses ?? []) found.push({ ip: address.ip, port: match.port, node: address.nodeName ?? '' });
    }
    found.sort((a, b) => byText(endpointKey(a), endpointKey(b)));
    return { name, port: port.port, ...(type === 'NodePort' && port.nodePort !== undefined ? { nodePort: port.nodePort } : {}), endpoints: found };
  });
  const clusterIP = spec.clusterIP && spec.clusterIP !== HEADLESS_CLUSTER_IP ? spec.clusterIP : undefined;
  const affinity = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULTS.services.clientIpAffinityTimeoutSeconds) : undefined;
  return {
    namespace: service.metadata.namespace ?? '',
    name: service.metadata.name!,
    type,
    ...(clusterIP !== undefined ? { clusterIP } : {}),
    ...(affinity !== undefined ? { affinityTimeoutSeconds: affinity } : {}),
    ports,
  };
}

export function buildServicesView(services: KubeObject[], endpoints: KubeObject[], nodes: KubeObject[], serviceCidr: string, ingresses: KubeObject[] = []): ServicesViewContent {
  const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const endpointsByKey = new Map(endpoints.map((e) => [key(e), e]));
  const view = services
    .filter((s) => s.metadata.deletionTimestamp === undefined)
    .sort((a, b) => byText(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || byText(a.metadata.name!, b.metadata.name!))
    .map((s) => viewService(s, endpointsByKey.get(key(s))));
  const wanted = new Set(view.flatMap((s) => s.ports.flatMap((p) => p.endpoints.map((e) => e.node))).filter((n) => n !== ''));
  const relays: Record<string, RelayAddress> = {};
  for (const node of [...nodes].sort((a, b) => byText(a.metadata.name!, b.metadata.name!))) {
    if (!wanted.has(node.metadata.name!)) continue;
    const relay = relayAddressOf(node);
    if (relay) relays[node.metadata.name!] = relay;
  }
  const compiled = compileIngressRoutes(ingresses.filter((i) => i.metadata.deletionTimestamp === undefined));
  const ingress = compiled.routes.length > 0 ? { ingress: { routes: compiled.routes, tls: compiled.tls } } : {};
  return { serviceCidr, services: view, relays, ...ingress };
}
