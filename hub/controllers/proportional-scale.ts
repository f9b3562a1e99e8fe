/**
 * What Kubernetes does when a Deployment is resized in the middle of a rollout (pkg/controller/
 * deployment/sync.go: isScalingEvent, scale; util/deployment_util.go: GetReplicaSetProportion):
 * rather than letting the rollout absorb the change, every live ReplicaSet grows or shrinks in
 * proportion to its size, so that the mix of old and new Pods is kept and the rollout goes on
 * from there. Each ReplicaSet remembers the Deployment size it was last scaled for in the
 * `deployment.kubernetes.io/desired-replicas` and `max-replicas` annotations; a Deployment whose
 * live ReplicaSets disagree with its replicas is a scaling event. Pure.
 */
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION } from '../../shared/api/annotations.js';
import { resolveFenceposts } from './rollout-math.js';


export interface SizedReplicaSet {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** creationTimestamp (ISO), to break ties between equal sizes. */
  created: string;
  /** The desired-replicas annotation, when present. */
  desiredReplicas?: number;
  /** The max-replicas annotation, when present. */
  maxReplicas?: number;
  available: number;
}

export interface ScaleInput {
  replicas: number;
  strategy: 'RollingUpdate' | 'Recreate';
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  newRs: SizedReplicaSet | undefined;
  oldRs: SizedReplicaSet[];
  /** Deployment status.replicas: the fallback when a ReplicaSet has no max-replicas annotation. */
  statusReplicas: number;
}

/** The annotations a ReplicaSet gets whenever the Deployment controller sizes it (SetReplicasAnnotations). */
export function replicasAnnotations(replicas: number, maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, strategy: ScaleInput['strategy']): Record<string, string> {
  const surge = strategy === 'RollingUpdate' ? resolveFenceposts(maxSurge, maxUnavailable, replicas).surge : 0;
  return { [DESIRED_REPLICAS_ANNOTATION]: String(replicas), [MAX_REPLICAS_ANNOTATION]: String(replicas + surge) };
}

/** isScalingEvent: some live ReplicaSet was last sized for another Deployment size. */
export function isScalingEvent(input: Pick<ScaleInput, 'replicas' | 'newRs' | 'oldRs'>): boolean {
  const live = [input.newRs, ...input.oldRs].filter((rs): rs is SizedReplicaSet => rs !== undefined && rs.replicas > 0);
  return live.some((rs) => rs.desiredReplicas !== undefined && rs.desiredReplicas !== input.replicas);
}

function proportionOf(rs: SizedReplicaSet, input: ScaleInput, maxSurge: number, toAdd: number, added: number): number {
  if (rs.replicas === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (input.replicas === 0) {
    fraction = -rs.replicas;
  } else {
    const maxNow = input.replicas + maxSurge;
    const maxBefore = rs.maxReplicas || input.statusReplicas;
    // Go's integer.RoundToInt32 rounds half away from zero; the value is never negative here.
    fraction = maxBefore === 0 ? 0 : Math.round((rs.replicas * maxNow) / maxBefore) - rs.replicas;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** By size, larger first; ties: newer first when growing, older first when shrinking (ReplicaSetsBySizeNewer/Older). */
function bySize(growing: boolean) {
  return (a: SizedReplicaSet, b: SizedReplicaSet): number => {
    if (a.replicas !== b.replicas) return b.replicas - a.replicas;
    const newerFirst = a.created === b.created ? a.name.localeCompare(b.name) : b.created.localeCompare(a.created);
    return growing ? newerFirst : -newerFirst;
  };
}

/**
 * sync.go's scale(): the replicas each ReplicaSet should have after a resize (only those that
 * change). Only called for a scaling event (or when no rollout is under way).
 */
export function proportionalScale(input: ScaleInput): Map<string, number> {
  const decision = new Map<string, number>();
  const set = (rs: SizedReplicaSet, replicas: number): void => {
    if (rs.replicas !== replicas) decision.set(rs.name, replicas);
  };
  const all = [...(input.newRs ? [input.newRs] : []), ...input.oldRs];
  const live = all.filter((rs) => rs.replicas > 0);
  // FindActiveOrLatest: one live ReplicaSet (or none: the latest) simply takes the whole size.
  if (live.length <= 1) {
    const target = live[0] ?? input.newRs ?? [...input.oldRs].sort((a, b) => b.created.localeCompare(a.created))[0];
    if (target) set(target, input.replicas);
    return decision;
  }
  // IsSaturated: the new ReplicaSet has everything; the old ones go.
  const newRs = input.newRs;
  if (newRs && newRs.replicas === input.replicas && newRs.desiredReplicas === input.replicas && newRs.available >= input.replicas) {
    for (const rs of input.oldRs) set(rs, 0);
    return decision;
  }
  if (input.strategy !== 'RollingUpdate') return decision;
  const maxSurge = resolveFenceposts(input.maxSurge, input.maxUnavailable, input.replicas).surge;
  const allowedSize = input.replicas > 0 ? input.replicas + maxSurge : 0;
  const toAdd = allowedSize - live.reduce((sum, rs) => sum + rs.replicas, 0);
  if (toAdd === 0) return decision;
  const ordered = [...live].sort(bySize(toAdd > 0));
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of ordered) {
    const proportion = proportionOf(rs, input, maxSurge, toAdd, added);
    sizes.set(rs.name, rs.replicas + proportion);
    added += proportion;
  }
  // Leftovers (rounding) go to the largest ReplicaSet.
  const first = ordered[0]!;
  sizes.set(first.name, Math.max(0, sizes.get(first.name)! + toAdd - added));
  for (const rs of ordered) set(rs, sizes.get(rs.name)!);
  return decision;
}
