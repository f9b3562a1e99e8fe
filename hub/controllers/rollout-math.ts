/**
 * Pure rollout arithmetic, as Kubernetes' deployment controller does it (pkg/controller/
 * deployment/rolling.go, recreate.go, util/deployment_util.go). Each call is one step from the
 * ReplicaSets' current counts; the controller applies it and is called again as Pods become
 * available, so a rollout is a sequence of level-triggered syncs, never a remembered plan.
 */

export interface ReplicaSetCounts {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.availableReplicas */
  available: number;
  /** status.replicas: Pods that exist (for Recreate: old Pods must be gone first). */
  existing: number;
  /** creationTimestamp, for scaling the oldest down first. */
  created: string;
}

export interface RolloutInput {
  strategy: 'RollingUpdate' | 'Recreate';
  replicas: number;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  newRs: ReplicaSetCounts;
  oldRs: ReplicaSetCounts[];
}

/** The replicas each ReplicaSet should have after this step (only those that change). */
export type ScaleDecision = Map<string, number>;

/** intstr.GetScaledValueFromIntOrPercent: percentages of `total`, rounded up or down. */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const percent = Number(v.replace('%', ''));
  const exact = (total * percent) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and both zero would stall a
 * rollout, so maxUnavailable becomes 1 then.
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, replicas: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, replicas, true, '25%');
  let unavailable = scaledValue(maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function sum(list: ReplicaSetCounts[], pick: (rs: ReplicaSetCounts) => number): number {
  return list.reduce((total, rs) => total + pick(rs), 0);
}

export function rolloutStep(input: RolloutInput): ScaleDecision {
  return input.strategy === 'Recreate' ? recreateStep(input) : rollingStep(input);
}

/** Recreate: every old Pod goes first; the new ReplicaSet scales up once none is left. */
function recreateStep({ replicas, newRs, oldRs }: RolloutInput): ScaleDecision {
  const decision: ScaleDecision = new Map();
  for (const rs of oldRs) if (rs.replicas !== 0) decision.set(rs.name, 0);
  const oldPodsGone = oldRs.every((rs) => rs.existing === 0) && decision.size === 0;
  if (oldPodsGone && newRs.replicas !== replicas) decision.set(newRs.name, replicas);
  return decision;
}

function rollingStep({ replicas, maxSurge, maxUnavailable, newRs, oldRs }: RolloutInput): ScaleDecision {
  const decision: ScaleDecision = new Map();
  const { surge, unavailable } = resolveFenceposts(maxSurge, maxUnavailable, replicas);
  const all = [newRs, ...oldRs];
  const scaledTo = (rs: ReplicaSetCounts) => decision.get(rs.name) ?? rs.replicas;

  // reconcileNewReplicaSet: grow the new ReplicaSet while the total stays within replicas + surge.
  if (newRs.replicas > replicas) {
    decision.set(newRs.name, replicas);
  } else if (newRs.replicas < replicas) {
    const room = replicas + surge - sum(all, (rs) => rs.replicas);
    if (room > 0) decision.set(newRs.name, newRs.replicas + Math.min(room, replicas - newRs.replicas));
  }

  // reconcileOldReplicaSets: shrink the old ones without going below replicas - maxUnavailable.
  const oldCount = sum(oldRs, (rs) => rs.replicas);
  if (oldCount === 0) return decision;
  const minAvailable = replicas - unavailable;
  const newUnavailable = newRs.replicas - newRs.available;
  let maxScaledDown = sum(all, (rs) => rs.replicas) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return decision;

  const oldestFirst = [...oldRs].sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
  // cleanupUnhealthyReplicas: unavailable old Pods serve nobody; they may go first.
  for (const rs of oldestFirst) {
    if (maxScaledDown <= 0) break;
    const unhealthy = rs.replicas - rs.available;
    if (unhealthy <= 0) continue;
    const down = Math.min(unhealthy, maxScaledDown);
    decision.set(rs.name, rs.replicas - down);
    maxScaledDown -= down;
  }
  // scaleDownOldReplicaSetsForRollingUpdate: then available ones, keeping minAvailable.
  const available = sum(all, (rs) => Math.min(rs.available, scaledTo(rs)));
  let canRemove = Math.min(available - minAvailable, maxScaledDown);
  for (const rs of oldestFirst) {
    if (canRemove <= 0) break;
    const current = scaledTo(rs);
    if (current === 0) continue;
    const down = Math.min(current, canRemove);
    decision.set(rs.name, current - down);
    canRemove -= down;
  }
  return decision;
}
