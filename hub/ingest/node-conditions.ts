/** Marking a node's Ready condition Unknown, shared by presence (last will) and the heartbeat monitor. */
import { resolveResource } from '../../shared/api/resources.js';
import type { NodeCondition, NodeStatus } from '../../shared/api/status-types.js';
import { nowTimestamp } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import type { Store } from '../store/store.js';

const nodes = resolveResource('nodes')!;

export async function markNodeUnknown(store: Store, node: string, message: string, now = new Date()): Promise<void> {
  await mutate(store, nodes, undefined, node, (current) => {
    const status = (current.status as NodeStatus | undefined) ?? {};
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'Unknown') return undefined;
    const unknown: NodeCondition = {
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message,
      lastHeartbeatTime: ready?.lastHeartbeatTime ?? nowTimestamp(now),
      lastTransitionTime: nowTimestamp(now),
    };
    current.status = { ...status, conditions: [...(status.conditions ?? []).filter((c) => c.type !== 'Ready'), unknown] };
    return current;
  });
}
