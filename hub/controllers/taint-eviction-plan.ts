/**
 * When a Pod must leave a node because of the node's NoExecute taints (Kubernetes' taint
 * eviction controller, pkg/controller/tainteviction): at once if some NoExecute taint is not
 * tolerated; after the smallest tolerationSeconds among the tolerations it relies on, counted
 * from the taint's timeAdded, if all are; never if they are tolerated without a time limit.
 * **Deviation:** Kubernetes counts from when its controller saw the taint (in memory); Skiff counts
 * from timeAdded, which survives a hub restart. Pure.
 */
import { tolerates, type Toleration } from '../scheduler/taints.js';
import type { Taint } from './node-taints.js';

/** Epoch ms at which the Pod is evicted; undefined when never. */
export function evictionAtMs(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[] | undefined, nowMs: number): number | undefined {
  const noExecute = (taints ?? []).filter((t) => t.effect === 'NoExecute');
  let at: number | undefined;
  for (const taint of noExecute) {
    const matching = (tolerations ?? []).filter((tol) => tolerates(tol, taint));
    if (matching.length === 0) return nowMs;
    const limits = matching.map((tol) => tol.tolerationSeconds).filter((s): s is number => typeof s === 'number');
    if (limits.length === 0) continue; // tolerated without a time limit
    const seconds = Math.max(0, Math.min(...limits));
    const since = taint.timeAdded ? Date.parse(taint.timeAdded) : nowMs;
    const due = (Number.isFinite(since) ? since : nowMs) + seconds * 1000;
    at = at === undefined ? due : Math.min(at, due);
  }
  return at;
}
