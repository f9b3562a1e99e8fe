/** NodeEvents about a pod or one of its containers, shaped as kubelet's recorder does. */
import type { DesiredPod, NodeEvent } from '../../shared/mqtt/messages.js';

export type PodEventType = NodeEvent['type'];

export function podEvent(
  pod: Pick<DesiredPod, 'metadata'>,
  container: string | undefined,
  type: PodEventType,
  reason: string,
  message: string,
  nowMs: number,
): NodeEvent {
  const { namespace, name, uid } = pod.metadata;
  return {
    involvedObject: { kind: 'Pod', namespace, name, uid, ...(container !== undefined ? { fieldPath: `spec.containers{${container}}` } : {}) },
    type,
    reason,
    message,
    timestamp: new Date(nowMs).toISOString(),
  };
}
