/**
 * Failing pulls (by image) and creates (by pod container key), remembered for the planner's
 * backoff and the pod status' waiting message; plus when each image was last pulled, for
 * imagePullPolicy Always, and what the executor already told in events. In memory only: after an agent restart every retry starts afresh, as
 * kubelet's do.
 */
import type { Failure } from './plan.js';

export class FailureState {
  readonly pullFailures = new Map<string, Failure>();
  readonly createFailures = new Map<string, Failure>();
  readonly pulledAtMs = new Map<string, number>();
  /** Pod containers whose image was pulled for their next attempt (else the create says "already present"). */
  readonly pulledFor = new Set<string>();
  /** The wait (reason and deadline) each pod container last got an event for: one event per backoff period. */
  readonly announcedWaits = new Map<string, string>();

  static record(map: Map<string, Failure>, key: string, reason: string, message: string, nowMs: number): Failure {
    const failure = { attempts: (map.get(key)?.attempts ?? 0) + 1, lastFailureMs: nowMs, reason, message };
    map.set(key, failure);
    return failure;
  }

  /** Forget failures of pod containers no longer desired, so the maps do not grow forever. */
  prune(keepKeys: ReadonlySet<string>, keepImages: ReadonlySet<string>): void {
    for (const key of this.createFailures.keys()) if (!keepKeys.has(key)) this.createFailures.delete(key);
    for (const key of this.pulledFor) if (!keepKeys.has(key)) this.pulledFor.delete(key);
    for (const key of this.announcedWaits.keys()) if (!keepKeys.has(key)) this.announcedWaits.delete(key);
    for (const image of this.pullFailures.keys()) if (!keepImages.has(image)) this.pullFailures.delete(image);
    for (const image of this.pulledAtMs.keys()) if (!keepImages.has(image)) this.pulledAtMs.delete(image);
  }
}
