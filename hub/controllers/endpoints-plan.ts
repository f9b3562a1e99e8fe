/**
 * What a Service's Endpoints should hold, as kube-controller-manager's endpoints controller
 * computes it (pkg/controller/endpoint/endpoints_controller.go syncService, then
 * endpoints.RepackSubsets): pure, so it is tested without a store and an unchanged input always
 * gives the same, identically ordered, output (so an unchanged result writes nothing).
 *
 * - Pods of the Service's namespace matching its selector, with a podIP, not terminal (Succeeded,
 *   Failed) and not terminating;
 * - Ready ones in `addresses`, the others in `notReadyAddresses` (all in `addresses` when the
 *   Service publishes not-ready addresses);
 * - each Service port resolved per Pod (podutil.FindPort): a number is taken as is, a name must
 *   be a container port of that name and protocol, else the Pod is left out for that port;
 * - addresses grouped into one subset per distinct set of ports, sorted by IP.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { selectorMatches } from '../../shared/api/labels.js';
import type { Pod } from '../../shared/api/schema/pod.js';
import type { EndpointAddress, EndpointPort, EndpointSubset, ServicePort, ServiceSpec } from '../../shared/api/schema/service.js';
import { isPodReady, podStatus } from './pod-facts.js';

/** A Service manages its Endpoints only when it has a selector (an empty one counts as none, as after a JSON round trip in Kubernetes). */
export function hasSelector(service: KubeObject): boolean {
  return Object.keys((service.spec as ServiceSpec | undefined)?.selector ?? {}).length > 0;
}

/** Whether `pod` is one the Service selects (namespace and labels), whatever its state. */
export function serviceSelects(service: KubeObject, pod: KubeObject): boolean {
  const selector = (service.spec as ServiceSpec | undefined)?.selector;
  if (!selector || Object.keys(selector).length === 0) return false;
  return pod.metadata.namespace === service.metadata.namespace && selectorMatches({ matchLabels: selector }, pod.metadata.labels);
}

/** podutil.FindPort: the container port a Service port reaches on this Pod, or undefined. */
export function findPort(pod: KubeObject, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  const protocol = servicePort.protocol ?? 'TCP';
  for (const container of (pod.spec as Pod['spec']).containers) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** shouldPodBeInEndpoints: terminal and terminating Pods are no endpoints. */
function isCandidate(pod: KubeObject): boolean {
  const phase = podStatus(pod).phase;
  return pod.metadata.deletionTimestamp === undefined && phase !== 'Succeeded' && phase !== 'Failed' && Boolean(podStatus(pod).podIP);
}

function addressOf(pod: KubeObject): EndpointAddress {
  const nodeName = (pod.spec as { nodeName?: string }).nodeName;
  return {
    ip: podStatus(pod).podIP!,
    ...(nodeName ? { nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** By IP (numerically per octet), then Pod name: a stable order whatever order the Pods came in. */
function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const octets = (ip: string): number[] => ip.split('.').map(Number);
  const [x, y] = [octets(a.ip), octets(b.ip)];
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return compareText(a.targetRef?.name ?? '', b.targetRef?.name ?? '');
}
const portKey = (p: EndpointPort): string => `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`;

export function endpointsFor(service: KubeObject, pods: readonly KubeObject[]): EndpointSubset[] {
  if (!hasSelector(service)) return [];
  const spec = service.spec as ServiceSpec;
  const servicePorts = spec.ports ?? [];
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (!serviceSelects(service, pod) || !isCandidate(pod)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port !== undefined) ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP' });
    }
    // A Service with ports but none this Pod offers: not an endpoint (a headless one without ports lists every Pod).
    if (servicePorts.length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => compareText(portKey(a), portKey(b)));
    const key = ports.map(portKey).join(',');
    const group = groups.get(key) ?? { ports, ready: [], notReady: [] };
    groups.set(key, group);
    (spec.publishNotReadyAddresses === true || isPodReady(pod) ? group.ready : group.notReady).push(addressOf(pod));
  }
  return [...groups.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([, g]) => ({
      ...(g.ready.length > 0 ? { addresses: g.ready.sort(compareAddresses) } : {}),
      ...(g.notReady.length > 0 ? { notReadyAddresses: g.notReady.sort(compareAddresses) } : {}),
      ...(g.ports.length > 0 ? { ports: g.ports } : {}),
    }));
}
