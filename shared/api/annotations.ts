/**
 * The well-known annotations and labels Kubernetes' Deployment machinery and kubectl write
 * (pkg/controller/deployment/util/deployment_util.go, kubectl's apply and rollout commands),
 * shared by the hub's controllers and the CLI so each name exists once.
 */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Annotations that belong to the Deployment or the controller, never copied between a
 * Deployment and its ReplicaSets (deployment_util.go annotationsToSkip; kubectl's rollback).
 */
export const NOT_COPIED_ANNOTATIONS: ReadonlySet<string> = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** The Deployment annotations its ReplicaSets carry (copyDeploymentAnnotationsToReplicaSet). */
export function copiedAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => !NOT_COPIED_ANNOTATIONS.has(k)));
}

/**
 * The Deployment's annotations after `rollout undo` to a ReplicaSet (kubectl's
 * DeploymentRollbacker): its own controller annotations kept, everything else from the
 * ReplicaSet — so the change-cause of that revision comes back with it.
 */
export function rollbackAnnotations(deployment: Readonly<Record<string, string>> | undefined, replicaSet: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const kept = Object.entries(deployment ?? {}).filter(([k]) => NOT_COPIED_ANNOTATIONS.has(k));
  return { ...Object.fromEntries(kept), ...copiedAnnotations(replicaSet) };
}
