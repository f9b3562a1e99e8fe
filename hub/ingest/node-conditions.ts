/** Marking a node's Ready condition Unknown, shared by presence (last will) and the heartbeat monitor. */
import { resolveResource } from '../../shared/api/resources.js';
import type { NodeCondition, NodeStatus } from '../../shared/api/status-types.js';
import { nowTimestamp } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import type { Store } from '../store/store.js';

const nodes = resolveResource('nodes')!;

/**
 * As Kubernetes' node lifecycle controller (tryUpdateNodeHealth): every condition the kubelet
 * owned turns Unknown, not only Ready, since nobody knows the node's memory or disk either. The
 * pressure taints then come off (only True sets them) and the unreachable ones go on.
 */
export async function markNodeUnknown(store: Store, node: string, message: string, now = new Date()): Promise<void> {
  await mutate(store, nodes, undefined, node, (current) => {
    const status = (current.status as NodeStatus | undefined) ?? {};
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'Unknown') return undefined;
    const unknown = (c: NodeCondition): NodeCondition =>
      c.status === 'Unknown'
        ? c
        : { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message, lastTransitionTime: nowTimestamp(now), lastHeartbeatTime: c.lastHeartbeatTime ?? nowTimestamp(now) };
    const conditions = (status.conditions ?? []).map(unknown);
    if (!ready) conditions.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message, lastHeartbeatTime: nowTimestamp(now), lastTransitionTime: nowTimestamp(now) });
    current.status = { ...status, conditions };
    return current;
  });
}
