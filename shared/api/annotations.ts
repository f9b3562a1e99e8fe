/**
 * The well-known annotations and labels Kubernetes' Deployment machinery and kubectl write
 * (pkg/controller/deployment/util/deployment_util.go, kubectl's apply and rollout commands),
 * and Skiff's own (`skiff.io/...`), shared by the hub's controllers and the CLI so each name
 * exists once.
 */
import type { FieldError } from '../errors.js';

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

/**
 * Skiff's per-workload disconnect policy (issue #7), on a Pod or a Pod template: what happens to
 * the Pod when its node is lost (NotReady or unreachable).
 * - `replace` (the default, Kubernetes' behaviour): the Pod tolerates the not-ready and
 *   unreachable NoExecute taints for DefaultTolerationSeconds (300 s), then is evicted and its
 *   controller replaces it on another node.
 * - `keep` (the edge choice, and what DaemonSet Pods always do): it tolerates them without a time
 *   limit, so it stays bound to its node and is never replaced; the agent keeps running it offline.
 * It is sugar over Kubernetes' tolerations, applied at admission where DefaultTolerationSeconds is
 * (hub/api/defaults.ts): a toleration the Pod writes itself for one of those taints wins.
 */
export const NODE_LOST_ANNOTATION = 'skiff.io/node-lost';
export const NODE_LOST_POLICIES = ['replace', 'keep'] as const;
export type NodeLostPolicy = (typeof NODE_LOST_POLICIES)[number];

/** The policy the annotations ask for; `replace` when absent (validation rejects other values). */
export function nodeLostPolicyOf(annotations: Readonly<Record<string, string>> | undefined): NodeLostPolicy {
  return annotations?.[NODE_LOST_ANNOTATION] === 'keep' ? 'keep' : 'replace';
}

interface AnnotatedObject {
  kind?: string;
  metadata?: { annotations?: unknown };
  spec?: unknown;
}

const WORKLOAD_KINDS: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'DaemonSet']);

function annotationValue(annotations: unknown): unknown {
  return typeof annotations === 'object' && annotations !== null ? (annotations as Record<string, unknown>)[NODE_LOST_ANNOTATION] : undefined;
}

/**
 * Field errors for the node-lost annotation of a Pod or a workload, with Kubernetes' wording
 * (field.NotSupported, field.Invalid). A workload must set it on its Pod template, where it
 * reaches the Pods; a DaemonSet cannot ask for `replace` (its Pods belong to their node:
 * Kubernetes gives them these tolerations without a limit whatever the template says).
 */
export function nodeLostPolicyErrors(object: AnnotatedObject): FieldError[] {
  const errors: FieldError[] = [];
  const check = (annotations: unknown, prefix: string): void => {
    const value = annotationValue(annotations);
    if (value === undefined) return;
    const path = `${prefix}.annotations[${NODE_LOST_ANNOTATION}]`;
    if (typeof value !== 'string' || !(NODE_LOST_POLICIES as readonly string[]).includes(value)) {
      errors.push({ path, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${NODE_LOST_POLICIES.map((p) => `"${p}"`).join(', ')}` });
    } else if (object.kind === 'DaemonSet' && value === 'replace') {
      errors.push({ path, message: 'Invalid value: "replace": DaemonSet Pods are never replaced on another node (they always tolerate a lost node); use "keep" or leave it out' });
    }
  };
  if (object.kind === 'Pod') check(object.metadata?.annotations, 'metadata');
  if (object.kind !== undefined && WORKLOAD_KINDS.has(object.kind)) {
    if (annotationValue(object.metadata?.annotations) !== undefined) {
      errors.push({
        path: `metadata.annotations[${NODE_LOST_ANNOTATION}]`,
        message: `Invalid value: the node-lost policy applies to Pods: set it on spec.template.metadata.annotations`,
      });
    }
    const template = (object.spec as { template?: { metadata?: { annotations?: unknown } } } | undefined)?.template;
    check(template?.metadata?.annotations, 'spec.template.metadata');
  }
  return errors;
}
