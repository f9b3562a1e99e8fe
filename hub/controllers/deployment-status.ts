/** Pure: a Deployment's status from its ReplicaSets, with Kubernetes' conditions. */
import type { KubeObject } from '../../shared/api/object.js';
import type { DeploymentCondition, DeploymentStatus, ReplicaSetStatus } from '../../shared/api/status-types.js';

function rsStatus(rs: KubeObject): ReplicaSetStatus {
  return (rs.status as ReplicaSetStatus | undefined) ?? { replicas: 0 };
}

/** Kubernetes resolves maxUnavailable percentages rounding down (maxSurge rounds up). */
export function resolveMaxUnavailable(value: number | string | undefined, replicas: number): number {
  if (value === undefined) return Math.floor(replicas * 0.25);
  if (typeof value === 'number') return value;
  return Math.floor((replicas * Number(value.replace('%', ''))) / 100);
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

export function deploymentStatus(deployment: KubeObject, newRs: KubeObject | undefined, allRs: KubeObject[], now: string): DeploymentStatus {
  const spec = deployment.spec as { replicas?: number; strategy?: { rollingUpdate?: { maxUnavailable?: number | string } } };
  const desired = spec.replicas ?? 1;
  const sum = (pick: (s: ReplicaSetStatus) => number | undefined) => allRs.reduce((total, rs) => total + (pick(rsStatus(rs)) ?? 0), 0);
  const replicas = sum((s) => s.replicas);
  const available = sum((s) => s.availableReplicas);
  const updated = newRs ? (rsStatus(newRs).replicas ?? 0) : 0;
  const previous = (deployment.status as DeploymentStatus | undefined)?.conditions;
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
    condition(
      previous,
      complete
        ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newRs?.metadata.name}" has successfully progressed.` }
        : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${newRs?.metadata.name}" is progressing.` },
      now,
    ),
  ];
  return {
    observedGeneration: deployment.metadata.generation,
    replicas,
    updatedReplicas: updated,
    readyReplicas: sum((s) => s.readyReplicas),
    availableReplicas: available,
    ...(desired - available > 0 ? { unavailableReplicas: desired - available } : {}),
    conditions,
  };
}
