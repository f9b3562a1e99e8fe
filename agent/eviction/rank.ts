/**
 * Which Pod goes first when the node runs low on memory, as kubelet's eviction manager ranks them
 * (pkg/kubelet/eviction/helpers.go rankMemoryPressure: orderedBy(exceedMemoryRequests, priority,
 * memory)):
 *   1. Pods whose memory usage exceeds their request (a BestEffort Pod requests nothing, so any
 *      use exceeds it), and — as kubelet does — Pods without usage figures, first;
 *   2. lower priority first (Skiff has no PriorityClass: every Pod ties, so this step is absent);
 *   3. the largest usage above request first.
 * Usage is the Pod's working set, the sum of its containers' (cgroup-stats.ts), as kubelet's
 * summary API reports it. Pure: usage comes in, nothing is read here.
 */
import { effectiveRequests } from '../../shared/api/qos.js';
import { bytes, parseQuantity } from '../../shared/api/quantity.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';

/** One active Pod and what its containers use now; `containers` undefined: no usage could be read. */
export interface PodMemoryUsage {
  pod: DesiredPod;
  /** Working set bytes by container name (only containers whose cgroup was read). */
  containers?: ReadonlyMap<string, number>;
}

/** A container's memory request in bytes (a missing request defaults to the limit, as the API server does). */
export function containerMemoryRequestBytes(container: DesiredPod['spec']['containers'][number]): number {
  const request = effectiveRequests(container.resources).memory;
  return request !== undefined && parseQuantity(request) !== undefined ? bytes(request) : 0;
}

/** The Pod's memory request: the sum of its containers' (kubelet's GetResourceRequestQuantity without init containers). */
export function podMemoryRequestBytes(pod: DesiredPod): number {
  return pod.spec.containers.reduce((sum, c) => sum + containerMemoryRequestBytes(c), 0);
}

export function podUsageBytes(usage: PodMemoryUsage): number | undefined {
  if (!usage.containers) return undefined;
  let sum = 0;
  for (const value of usage.containers.values()) sum += value;
  return sum;
}

/** kubelet's cmpBool: true sorts first. */
function trueFirst(a: boolean, b: boolean): number {
  return a === b ? 0 : a ? -1 : 1;
}

function exceedsRequest(usage: PodMemoryUsage): boolean {
  const used = podUsageBytes(usage);
  return used !== undefined && used > podMemoryRequestBytes(usage.pod);
}

const comparators: ReadonlyArray<(a: PodMemoryUsage, b: PodMemoryUsage) => number> = [
  // exceedMemoryRequests: a Pod without stats first, then those above their request.
  (a, b) => (!a.containers || !b.containers ? trueFirst(!a.containers, !b.containers) : trueFirst(exceedsRequest(a), exceedsRequest(b))),
  // priority: Skiff has no PriorityClass, every Pod ties here (TODO(#5) if priorities arrive).
  // memory: a Pod without stats first, then the largest usage above request.
  (a, b) => {
    if (!a.containers || !b.containers) return trueFirst(!a.containers, !b.containers);
    const above = (u: PodMemoryUsage): number => podUsageBytes(u)! - podMemoryRequestBytes(u.pod);
    return above(b) - above(a);
  },
];

/** The Pods in eviction order, first to go first (a stable sort: ties keep their input order). */
export function rankForMemoryPressure(pods: readonly PodMemoryUsage[]): PodMemoryUsage[] {
  return [...pods].sort((a, b) => {
    for (const compare of comparators) {
      const result = compare(a, b);
      if (result !== 0) return result;
    }
    return 0;
  });
}
