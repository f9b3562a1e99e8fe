/**
 * What one node must run, computed purely from the Pods bound to it: every such Pod that is not
 * terminating, reduced to identity and spec, in a stable order, with a content hash so that an
 * unchanged state is never republished under a new generation.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../shared/api/object.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import type { DesiredPod, TerminatingPod } from '../../shared/mqtt/messages.js';
import { nodeNameOf } from '../controllers/pod-facts.js';
import { canonicalJson } from '../../shared/canonical-json.js';

export function desiredPodsFor(node: string, pods: KubeObject[]): DesiredPod[] {
  return pods
    .filter((pod) => nodeNameOf(pod) === node && pod.metadata.deletionTimestamp === undefined)
    .map(
      (pod): DesiredPod => ({
        metadata: {
          name: pod.metadata.name!,
          namespace: pod.metadata.namespace!,
          uid: pod.metadata.uid!,
          ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
          ...(pod.metadata.annotations ? { annotations: withoutLastApplied(pod.metadata.annotations) } : {}),
        },
        spec: pod.spec as PodSpec,
      }),
    )
    .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
}

/**
 * Pods of this node being deleted with a grace other than their own (DeleteOptions), so the node
 * honours it. Usually empty: a plain delete uses the Pod's terminationGracePeriodSeconds, which
 * the node already has on the container.
 */
export function terminatingPodsFor(node: string, pods: KubeObject[]): TerminatingPod[] {
  return pods
    .filter((pod) => nodeNameOf(pod) === node && pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionGracePeriodSeconds !== undefined)
    .filter((pod) => pod.metadata.deletionGracePeriodSeconds !== (pod.spec as PodSpec).terminationGracePeriodSeconds)
    .map((pod) => ({ uid: pod.metadata.uid!, gracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds! }))
    .sort((a, b) => a.uid.localeCompare(b.uid));
}

/** kubectl's last-applied annotation repeats the whole manifest: no use to a node, so not sent. */
function withoutLastApplied(annotations: Record<string, string>): Record<string, string> {
  const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...rest } = annotations;
  return rest;
}

/** The hash of what a node is told; without terminating Pods it is the hash of the pods alone (as before they existed). */
export function contentHash(pods: DesiredPod[], terminating: TerminatingPod[] = []): string {
  const content = terminating.length > 0 ? { pods, terminating } : pods;
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 32);
}
