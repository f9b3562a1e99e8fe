/**
 * Pure decisions of the ReplicaSet controller: how many Pods to add, and which to remove first
 * (Kubernetes' ActivePods ordering: unscheduled before scheduled, pending before running,
 * not-ready before ready, newer before older), so that scaling down never kills a serving Pod
 * while a useless one exists.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { isPodReady, nodeNameOf, podStatus } from './pod-facts.js';

export interface ReplicaDiff {
  create: number;
  remove: KubeObject[];
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function removalOrder(a: KubeObject, b: KubeObject): number {
  const scheduled = Number(nodeNameOf(a) !== undefined) - Number(nodeNameOf(b) !== undefined);
  if (scheduled !== 0) return scheduled;
  const phase = (PHASE_RANK[podStatus(a).phase ?? 'Pending'] ?? 0) - (PHASE_RANK[podStatus(b).phase ?? 'Pending'] ?? 0);
  if (phase !== 0) return phase;
  const ready = Number(isPodReady(a)) - Number(isPodReady(b));
  if (ready !== 0) return ready;
  const restarts = restartsOf(b) - restartsOf(a);
  if (restarts !== 0) return restarts;
  // Newer first: creationTimestamp descending, then name for a deterministic order.
  const age = String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp));
  return age !== 0 ? age : String(a.metadata.name).localeCompare(String(b.metadata.name));
}

function restartsOf(pod: KubeObject): number {
  return (podStatus(pod).containerStatuses ?? []).reduce((sum, c) => sum + c.restartCount, 0);
}

/** `active` are the ReplicaSet's Pods that are neither terminating nor finished. */
export function replicaDiff(desired: number, active: KubeObject[]): ReplicaDiff {
  if (active.length < desired) return { create: desired - active.length, remove: [] };
  if (active.length > desired) return { create: 0, remove: [...active].sort(removalOrder).slice(0, active.length - desired) };
  return { create: 0, remove: [] };
}
