/**
 * The taints Kubernetes' node lifecycle controller keeps on a node for its Ready condition
 * (TaintNodesByCondition and taint-based eviction): a node that stopped reporting (Ready=Unknown)
 * is `node.kubernetes.io/unreachable`, one that reports NotReady is `node.kubernetes.io/not-ready`,
 * each as NoSchedule (keeps new Pods away) and NoExecute (evicts Pods once their toleration runs
 * out). A Ready node carries neither. Other taints (users', `skiff taint`) are never touched. Pure.
 */
import type { Taint } from '../scheduler/taints.js';

export type { Taint };
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const LIFECYCLE_KEYS: ReadonlySet<string> = new Set([UNREACHABLE_TAINT, NOT_READY_TAINT]);

/** The lifecycle taint key a node's Ready status calls for (none when Ready or never reported). */
export function lifecycleTaintKey(ready: string | undefined): string | undefined {
  return ready === 'Unknown' ? UNREACHABLE_TAINT : ready === 'False' ? NOT_READY_TAINT : undefined;
}

/**
 * The node's taints with the lifecycle ones matching its Ready status; undefined when they
 * already match (no write needed). A taint already present keeps its timeAdded, which is when
 * its Pods' tolerationSeconds started.
 */
export function withLifecycleTaints(current: readonly Taint[] | undefined, ready: string | undefined, nowIso: string): Taint[] | undefined {
  const key = lifecycleTaintKey(ready);
  const others = (current ?? []).filter((t) => !LIFECYCLE_KEYS.has(t.key));
  const wanted: Taint[] = key
    ? (['NoSchedule', 'NoExecute'] as const).map((effect) => current?.find((t) => t.key === key && t.effect === effect) ?? { key, effect, timeAdded: nowIso })
    : [];
  const next = [...others, ...wanted];
  const same = next.length === (current ?? []).length && next.every((t) => current?.includes(t));
  return same ? undefined : next;
}
