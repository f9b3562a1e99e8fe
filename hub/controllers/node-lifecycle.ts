/**
 * Marks a node Ready=Unknown when its heartbeats stop for longer than the grace period, as
 * Kubernetes' node-lifecycle controller does. (The MQTT last will usually says so sooner.)
 * Whoever changes a Node's Ready condition, the transition is recorded as Kubernetes records it:
 * RegisteredNode and NodeNotReady by the node controller, NodeReady by the node's kubelet.
 * It also keeps the node's lifecycle taints in step with its Ready condition (node-taints.ts):
 * unreachable / not-ready, NoSchedule and NoExecute; taint-eviction.ts acts on the latter.
 */
import { resolveResource } from '../../shared/api/resources.js';
import type { NodeStatus } from '../../shared/api/status-types.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { Logger } from '../../shared/log.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { markNodeUnknown } from '../ingest/node-conditions.js';
import { nowTimestamp } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import { withLifecycleTaints, type Taint } from './node-taints.js';
import type { Change, Store } from '../store/store.js';

const nodes = resolveResource('nodes')!;
const SOURCE = { component: 'node-controller' };

function readyStatus(node: KubeObject | undefined): string | undefined {
  return (node?.status as NodeStatus | undefined)?.conditions?.find((c) => c.type === 'Ready')?.status;
}

export class NodeLifecycle {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly gracePeriodMs: number,
    private readonly events: EventRecorder,
  ) {}

  onChange(change: Change): void {
    if (change.resource !== nodes || change.type === 'DELETED') return;
    const node = change.object;
    const name = node.metadata.name!;
    const [was, is] = [readyStatus(change.previous), readyStatus(node)];
    if (change.type === 'ADDED') this.events.record(node, 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`, SOURCE);
    if (was === 'True' && is !== 'True') this.events.record(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, SOURCE);
    if (was !== 'True' && is === 'True') this.events.record(node, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`, { component: 'kubelet', host: name });
    if (withLifecycleTaints((node.spec as { taints?: Taint[] } | undefined)?.taints, is, nowTimestamp()) !== undefined) {
      this.syncTaints(name).catch((err: unknown) => this.logger.error({ component: 'node-lifecycle', node: name, err }, 'could not update node taints'));
    }
  }

  /** Puts the lifecycle taints the node's Ready condition calls for (level-triggered, idempotent). */
  async syncTaints(name: string, now = new Date()): Promise<void> {
    await mutate(this.store, nodes, undefined, name, (current) => {
      const spec = (current.spec as { taints?: Taint[] } | undefined) ?? {};
      const next = withLifecycleTaints(spec.taints, readyStatus(current), nowTimestamp(now));
      if (!next) return undefined;
      const { taints: _old, ...rest } = spec as { taints?: Taint[] } & Record<string, unknown>;
      current.spec = next.length > 0 ? { ...rest, taints: next } : rest;
      return current;
    });
  }

  start(checkEveryMs = 2_000): void {
    this.timer = setInterval(() => {
      this.check(Date.now()).catch((err: unknown) => this.logger.error({ component: 'node-lifecycle', err }, 'node check failed'));
    }, checkEveryMs);
    this.timer.unref();
  }

  async check(nowMs: number): Promise<void> {
    for (const node of await this.store.list(nodes)) {
      const ready = (node.status as NodeStatus | undefined)?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True' || !ready.lastHeartbeatTime) continue;
      if (nowMs - Date.parse(ready.lastHeartbeatTime) > this.gracePeriodMs) {
        this.logger.info({ component: 'node-lifecycle', node: node.metadata.name }, 'node heartbeat overdue; marking Unknown');
        await markNodeUnknown(this.store, node.metadata.name!, 'Kubelet stopped posting node status.', new Date(nowMs));
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
