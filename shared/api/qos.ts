/**
 * A pod's QoS class as Kubernetes computes it (k8s.io/kubectl/pkg/util/qos.GetPodQOS): the class
 * the pod's status reports, else BestEffort without any cpu/memory requests or limits,
 * Guaranteed when every container limits both cpu and memory and requests equal limits, and
 * Burstable otherwise.
 */
import { parseQuantityText } from './quantity-text.js';

export type QosClass = 'BestEffort' | 'Burstable' | 'Guaranteed';

export interface ResourcesLike {
  limits?: Record<string, string | number>;
  requests?: Record<string, string | number>;
}

export interface PodResourcesLike {
  spec: { containers: ReadonlyArray<{ resources?: ResourcesLike }>; initContainers?: ReadonlyArray<{ resources?: ResourcesLike }> };
  status?: { qosClass?: string };
}

/** Only these count for QoS (isSupportedQoSComputeResource). */
const QOS_RESOURCES = ['cpu', 'memory'];

/**
 * Requests as Kubernetes stores them: the API server defaults a missing request to its limit
 * (SetDefaults_Pod, and Skiff's hub/api/defaults.ts for Pods), so a container with only limits
 * requests the same amounts. Templates are not defaulted so, hence this for anything read from one.
 */
export function effectiveRequests(resources: ResourcesLike | undefined): Record<string, string | number> {
  return { ...(resources?.limits ?? {}), ...(resources?.requests ?? {}) };
}

/** Positive cpu/memory amounts in nano-units, summed over containers. */
function addPositive(into: Map<string, bigint>, list: Record<string, string | number>, found?: Set<string>): void {
  for (const [name, text] of Object.entries(list)) {
    if (!QOS_RESOURCES.includes(name)) continue;
    const nano = parseQuantityText(text)?.nano ?? 0n;
    if (nano <= 0n) continue;
    found?.add(name);
    into.set(name, (into.get(name) ?? 0n) + nano);
  }
}

export function computePodQos(pod: PodResourcesLike): QosClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  for (const container of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    addPositive(requests, effectiveRequests(container.resources));
    const limited = new Set<string>();
    addPositive(limits, container.resources?.limits ?? {}, limited);
    if (!QOS_RESOURCES.every((name) => limited.has(name))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, request] of requests) {
      if (limits.get(name) !== request) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** qos.GetPodQOS: the status wins when the pod reports a class. */
export function podQos(pod: PodResourcesLike): string {
  return pod.status?.qosClass || computePodQos(pod);
}
