/**
 * What the agent remembers of a Pod it evicted, and the two pure rules that follow from it:
 * - the reconcile loop must never run an evicted Pod again (kubelet never restarts one: the Pod
 *   is Failed for good, and its controller makes a replacement), so the loop is shown the desired
 *   state without it, its containers listed as terminating with no grace (a hard eviction);
 * - the hub must see it Failed with reason Evicted until it deletes the Pod; then it is forgotten.
 * Records live in the agent's SQLite file (EvictionStore) so both rules survive an agent restart.
 */
import type { ContainerStateTerminated } from '../../shared/api/status-types.js';
import type { DesiredState, ReportedPod } from '../../shared/mqtt/messages.js';

/** How one container of an evicted Pod ended (read from Docker right after the stop). */
export interface EvictedContainer {
  name: string;
  terminated: ContainerStateTerminated;
  restartCount: number;
  imageID: string;
}

export interface EvictedPod {
  uid: string;
  namespace: string;
  name: string;
  /** kubelet's eviction message (eviction-message.ts): status.message and the Evicted event's. */
  message: string;
  /** ISO time of the eviction. */
  evictedAt: string;
  /** When its first container was created (the Pod's startTime), if it had any. */
  startTime?: string;
  /** The containers that were running when it was evicted; the others are reported as unknown. */
  containers: EvictedContainer[];
}

/** Where evicted Pods are kept (the agent's SQLite file: sqlite-agent-store.ts). */
export interface EvictionStore {
  evictedPods(): ReadonlyMap<string, EvictedPod>;
  putEvictedPod(pod: EvictedPod): void;
  /** Forgets every evicted Pod not in `keepUids`; returns how many went. */
  forgetEvictedPods(keepUids: ReadonlySet<string>): number;
}

/**
 * The desired state the reconcile loop acts on: evicted Pods taken out of `pods` and listed as
 * terminating with grace 0, so any container of theirs is removed at once and none is created.
 */
export function withoutEvicted(state: DesiredState | undefined, evicted: ReadonlyMap<string, unknown>): DesiredState | undefined {
  if (!state || evicted.size === 0 || !state.pods.some((pod) => evicted.has(pod.metadata.uid))) return state;
  const gone = state.pods.filter((pod) => evicted.has(pod.metadata.uid)).map((pod) => ({ uid: pod.metadata.uid, gracePeriodSeconds: 0 }));
  const goneUids = new Set(gone.map((entry) => entry.uid));
  return {
    ...state,
    pods: state.pods.filter((pod) => !goneUids.has(pod.metadata.uid)),
    terminating: [...(state.terminating ?? []).filter((entry) => !goneUids.has(entry.uid)), ...gone],
  };
}
