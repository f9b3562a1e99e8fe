/**
 * Ranking the nodes that passed every filter. Unlike kube-scheduler's weighted sum with random
 * tie-breaks, Skiff compares criteria in order so that placement is deterministic and explainable:
 * fewest Pods of the same owner (spread replicas), then NodeResourcesLeastAllocated's score, then
 * fewest untolerated PreferNoSchedule taints, then the preferred node affinity weight, then name.
 */
import { controllerOf, type KubeObject } from '../../shared/api/object.js';
import type { NodeInfo } from './node-info.js';
import { preferredNodeAffinityWeight, type AffinitySpec } from './node-affinity.js';
import { addResources, nonZeroPodRequests } from './resources.js';
import { countUntoleratedTaints, type Taint, type Toleration } from './taints.js';

/** framework.MaxNodeScore */
const MAX_NODE_SCORE = 100;

export interface NodeScore {
  name: string;
  /** Pods on the node with the same controller as this Pod: fewer is better. */
  siblings: number;
  /** 0..100, higher is better. */
  leastAllocated: number;
  /** Untolerated PreferNoSchedule taints: fewer is better. */
  preferNoSchedule: number;
  /** Sum of matching preferred node affinity weights: higher is better. */
  preferredAffinity: number;
}

/** leastRequestedScore: the free share of one resource after placing, 0 when it would not fit. */
function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** NodeResourcesLeastAllocated with its default weights (cpu 1, memory 1), on non-zero requests. */
export function leastAllocatedScore(pod: KubeObject, info: NodeInfo): number {
  const requested = addResources(info.nonZeroRequested, nonZeroPodRequests(pod));
  const cpu = leastRequested(requested.milliCpu, info.allocatable.milliCpu);
  const memory = leastRequested(requested.memory, info.allocatable.memory);
  return Math.floor((cpu + memory) / 2);
}

export function scoreNode(pod: KubeObject, info: NodeInfo): NodeScore {
  const owner = controllerOf(pod)?.uid;
  const spec = (pod.spec ?? {}) as AffinitySpec & { tolerations?: Toleration[] };
  const taints = (info.node.spec as { taints?: Taint[] } | undefined)?.taints;
  return {
    name: info.name,
    siblings: owner ? (info.podsPerOwner.get(owner) ?? 0) : 0,
    leastAllocated: leastAllocatedScore(pod, info),
    preferNoSchedule: countUntoleratedTaints(spec.tolerations, taints, 'PreferNoSchedule'),
    preferredAffinity: preferredNodeAffinityWeight(spec, info.node),
  };
}

/** Negative when `a` is the better node. */
export function compareScores(a: NodeScore, b: NodeScore): number {
  return (
    a.siblings - b.siblings ||
    b.leastAllocated - a.leastAllocated ||
    a.preferNoSchedule - b.preferNoSchedule ||
    b.preferredAffinity - a.preferredAffinity ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}
