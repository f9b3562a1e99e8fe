/** Pure: a Deployment's status from its ReplicaSets, with Kubernetes' conditions. */
import type { KubeObject } from '../../shared/api/object.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { DeploymentCondition, DeploymentStatus, ReplicaSetStatus } from '../../shared/api/status-types.js';
import { scaledValue } from './rollout-math.js';

type ConditionFields = Omit<DeploymentCondition, 'lastUpdateTime' | 'lastTransitionTime'>;

function rsStatus(rs: KubeObject): ReplicaSetStatus {
  return (rs.status as ReplicaSetStatus | undefined) ?? { replicas: 0 };
}

/** Kubernetes resolves maxUnavailable percentages rounding down (maxSurge rounds up). */
export function resolveMaxUnavailable(value: number | string | undefined, replicas: number): number {
  return scaledValue(value, replicas, false, '25%');
}

function condition(
  previous: DeploymentCondition[] | undefined,
  next: Omit<DeploymentCondition, 'lastUpdateTime' | 'lastTransitionTime'>,
  now: string,
): DeploymentCondition {
  const before = previous?.find((c) => c.type === next.type);
  const transitioned = !before || before.status !== next.status;
  const changed = transitioned || before.reason !== next.reason;
  return {
    ...next,
    lastUpdateTime: changed ? now : (before.lastUpdateTime ?? now),
    lastTransitionTime: transitioned ? now : (before.lastTransitionTime ?? now),
  };
}

/**
 * The Progressing condition, as Kubernetes keeps it: True while the rollout makes progress (its
 * lastUpdateTime moves with every change in the counts), False with ProgressDeadlineExceeded once
 * no progress was made for progressDeadlineSeconds, Unknown while paused.
 */
function progressingCondition(
  previous: DeploymentStatus | undefined,
  counts: { replicas: number; updated: number; available: number; ready: number },
  options: { complete: boolean; paused: boolean; deadlineSeconds: number; newRsName: string | undefined; now: string },
): DeploymentCondition {
  const before = previous?.conditions?.find((c) => c.type === 'Progressing');
  const rs = `ReplicaSet "${options.newRsName}"`;
  const fresh = (next: ConditionFields): DeploymentCondition => ({
    ...next,
    lastUpdateTime: options.now,
    lastTransitionTime: before && before.status === next.status ? (before.lastTransitionTime ?? options.now) : options.now,
  });
  if (options.paused) {
    return before?.reason === 'DeploymentPaused' ? before : fresh({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
  }
  if (options.complete) {
    return before?.reason === 'NewReplicaSetAvailable' ? before : fresh({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `${rs} has successfully progressed.` });
  }
  const progressed =
    !previous ||
    previous.replicas !== counts.replicas ||
    previous.updatedReplicas !== counts.updated ||
    previous.availableReplicas !== counts.available ||
    previous.readyReplicas !== counts.ready ||
    !before?.message?.startsWith(rs) ||
    before.reason === 'NewReplicaSetAvailable' ||
    before.reason === 'DeploymentPaused';
  if (progressed || !before) return fresh({ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `${rs} is progressing.` });
  if (before.reason === 'ProgressDeadlineExceeded') return before;
  const sinceMs = Date.parse(options.now) - Date.parse(before.lastUpdateTime ?? options.now);
  if (sinceMs > options.deadlineSeconds * 1000) {
    return fresh({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `${rs} has timed out progressing.` });
  }
  return before;
}

/** When the rollout's progress deadline will pass if nothing changes (for a timed re-sync). */
export function progressDeadlineAtMs(deployment: KubeObject, status: DeploymentStatus): number | undefined {
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason !== 'ReplicaSetUpdated' || !progressing.lastUpdateTime) return undefined;
  const deadline = (deployment.spec as { progressDeadlineSeconds?: number }).progressDeadlineSeconds ?? DEFAULTS.progressDeadlineSeconds;
  return Date.parse(progressing.lastUpdateTime) + deadline * 1000;
}

export function deploymentStatus(deployment: KubeObject, newRs: KubeObject | undefined, allRs: KubeObject[], now: string): DeploymentStatus {
  const spec = deployment.spec as {
    replicas?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
    strategy?: { rollingUpdate?: { maxUnavailable?: number | string } };
  };
  const desired = spec.replicas ?? 1;
  const sum = (pick: (s: ReplicaSetStatus) => number | undefined) => allRs.reduce((total, rs) => total + (pick(rsStatus(rs)) ?? 0), 0);
  const replicas = sum((s) => s.replicas);
  const available = sum((s) => s.availableReplicas);
  const updated = newRs ? (rsStatus(newRs).replicas ?? 0) : 0;
  const previousStatus = deployment.status as DeploymentStatus | undefined;
  const previous = previousStatus?.conditions;
  const ready = sum((s) => s.readyReplicas);
  const minAvailable = desired - resolveMaxUnavailable(spec.strategy?.rollingUpdate?.maxUnavailable, desired);
  const complete = updated === desired && replicas === desired && available === desired;
  const conditions: DeploymentCondition[] = [
    condition(
      previous,
      available >= minAvailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      now,
    ),
    progressingCondition(
      previousStatus,
      { replicas, updated, available, ready },
      {
        complete,
        paused: spec.paused === true,
        deadlineSeconds: spec.progressDeadlineSeconds ?? DEFAULTS.progressDeadlineSeconds,
        newRsName: newRs?.metadata.name,
        now,
      },
    ),
  ];
  return {
    observedGeneration: deployment.metadata.generation,
    replicas,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    ...(desired - available > 0 ? { unavailableReplicas: desired - available } : {}),
    conditions,
  };
}
