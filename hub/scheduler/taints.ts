/**
 * Taints and tolerations, matched as k8s.io/api core/v1 Toleration.ToleratesTaint does. Exported
 * on its own because the scheduler (NoSchedule, PreferNoSchedule) and NoExecute eviction both
 * need exactly the same matching.
 */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  /** Absent means Equal. */
  operator?: 'Exists' | 'Equal';
  value?: string;
  /** Absent means every effect. */
  effect?: TaintEffect;
  tolerationSeconds?: number;
}

/**
 * Whether `toleration` tolerates `taint`: the effect matches (or the toleration names none), the
 * key matches (or is empty, which validation allows only with Exists: "tolerate everything"), and
 * the value is equal (Equal) or ignored (Exists).
 */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/**
 * The first of `taints` with one of `effects` that no toleration tolerates, or undefined (as
 * FindMatchingUntoleratedTaint: the first one in the node's order is the one reported).
 */
export function untoleratedTaint(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[] | undefined, effects: readonly TaintEffect[]): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !(tolerations ?? []).some((t) => tolerates(t, taint)));
}

/** How many of `taints` with `effect` no toleration tolerates (TaintToleration's score input). */
export function countUntoleratedTaints(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[] | undefined, effect: TaintEffect): number {
  return (taints ?? []).filter((taint) => taint.effect === effect && !(tolerations ?? []).some((t) => tolerates(t, taint))).length;
}
