/**
 * The Pod status Kubernetes' node lifecycle controller writes for each Pod of a node that stops
 * being Ready (pkg/controller/util/node MarkPodsNotReady): the Pod's Ready condition turns False,
 * with a new lastTransitionTime, and nothing else changes (phase and containers stay what the node
 * last said). Nobody can vouch for a Pod on a node nobody hears from — this matters most for Pods
 * kept on a lost node (`skiff.io/node-lost: keep`), which are neither evicted nor replaced. The
 * node's next status report (at once on reconnect) sets Ready again if it is. Pure.
 */
import type { PodStatus } from '../../shared/api/status-types.js';

/** The status with Ready False; undefined when there is nothing to write (no Ready condition, or already False). */
export function notReadyPodStatus(status: PodStatus | undefined, nowIso: string): PodStatus | undefined {
  const conditions = status?.conditions;
  const ready = conditions?.find((c) => c.type === 'Ready');
  if (!status || !conditions || !ready || ready.status === 'False') return undefined;
  return { ...status, conditions: conditions.map((c) => (c === ready ? { ...c, status: 'False', lastTransitionTime: nowIso } : c)) };
}
