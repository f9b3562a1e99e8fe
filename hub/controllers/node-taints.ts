/**
 * The taints Kubernetes' node lifecycle controller keeps on a node for its conditions
 * (TaintNodesByCondition and taint-based eviction):
 * - a node that stopped reporting (Ready=Unknown) is `node.kubernetes.io/unreachable`, one that
 *   reports NotReady is `node.kubernetes.io/not-ready`, each as NoSchedule (keeps new Pods away)
 *   and NoExecute (evicts Pods once their toleration runs out);
 * - MemoryPressure, DiskPressure and PIDPressure = True are `memory-pressure`, `disk-pressure`
 *   and `pid-pressure`, NoSchedule only: running Pods stay, new ones go elsewhere unless they
 *   tolerate it (DaemonSet Pods do; so do non-BestEffort Pods for memory, see hub/api/defaults.ts);
 * - a cordoned node (spec.unschedulable) is `node.kubernetes.io/unschedulable`, NoSchedule.
 * As Kubernetes does, only NoExecute taints carry timeAdded (when their Pods' tolerationSeconds
 * started). Other taints (users', `skiff taint`) are never touched. Pure.
 */
import type { NodeStatus } from '../../shared/api/status-types.js';
import {
  DISK_PRESSURE_TAINT,
  MEMORY_PRESSURE_TAINT,
  NOT_READY_TAINT,
  PID_PRESSURE_TAINT,
  UNREACHABLE_TAINT,
  UNSCHEDULABLE_TAINT,
} from '../../shared/api/taint-keys.js';
import type { Taint } from '../scheduler/taints.js';

export type { Taint };
export { NOT_READY_TAINT, UNREACHABLE_TAINT };

/** Every key this module owns: a taint with one of these keys is the controller's to add or drop. */
const CONTROLLER_KEYS: ReadonlySet<string> = new Set([UNREACHABLE_TAINT, NOT_READY_TAINT, MEMORY_PRESSURE_TAINT, DISK_PRESSURE_TAINT, PID_PRESSURE_TAINT, UNSCHEDULABLE_TAINT]);

const PRESSURE_TAINTS: ReadonlyArray<[condition: string, key: string]> = [
  ['MemoryPressure', MEMORY_PRESSURE_TAINT],
  ['DiskPressure', DISK_PRESSURE_TAINT],
  ['PIDPressure', PID_PRESSURE_TAINT],
];

/** The lifecycle taint key a node's Ready status calls for (none when Ready or never reported). */
export function lifecycleTaintKey(ready: string | undefined): string | undefined {
  return ready === 'Unknown' ? UNREACHABLE_TAINT : ready === 'False' ? NOT_READY_TAINT : undefined;
}

/** The node facts the taints follow. */
export interface TaintedFacts {
  status: NodeStatus | undefined;
  unschedulable: boolean;
}

/** The controller's taints (key and effect) that the node's conditions and cordon call for. */
export function wantedTaints({ status, unschedulable }: TaintedFacts): Array<Pick<Taint, 'key' | 'effect'>> {
  const conditionIs = (type: string, value: string): boolean => status?.conditions?.some((c) => c.type === type && c.status === value) ?? false;
  const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const lifecycle = lifecycleTaintKey(ready);
  return [
    ...(lifecycle ? (['NoSchedule', 'NoExecute'] as const).map((effect) => ({ key: lifecycle, effect })) : []),
    ...PRESSURE_TAINTS.filter(([condition]) => conditionIs(condition, 'True')).map(([, key]) => ({ key, effect: 'NoSchedule' as const })),
    ...(unschedulable ? [{ key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule' as const }] : []),
  ];
}

/**
 * The node's taints with the controller's ones matching its facts; undefined when they already
 * match (no write needed). A taint already present is kept as it is (with its timeAdded).
 */
export function withConditionTaints(current: readonly Taint[] | undefined, facts: TaintedFacts, nowIso: string): Taint[] | undefined {
  const others = (current ?? []).filter((t) => !CONTROLLER_KEYS.has(t.key));
  const wanted = wantedTaints(facts).map(
    ({ key, effect }): Taint => current?.find((t) => t.key === key && t.effect === effect) ?? { key, effect, ...(effect === 'NoExecute' ? { timeAdded: nowIso } : {}) },
  );
  const next = [...others, ...wanted];
  const same = next.length === (current ?? []).length && next.every((t) => current?.includes(t));
  return same ? undefined : next;
}
