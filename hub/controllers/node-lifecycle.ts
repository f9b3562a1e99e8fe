/**
 * Marks a node Ready=Unknown when its heartbeats stop for longer than the grace period, as
 * Kubernetes' node-lifecycle controller does. (The MQTT last will usually says so sooner.)
 * Whoever changes a Node's Ready condition, the transition is recorded as Kubernetes records it:
 * RegisteredNode and NodeNotReady by the node controller, NodeReady by the node's kubelet.
 * It also keeps the node's condition taints in step with its conditions and cordon (node-taints.ts):
 * unreachable / not-ready (NoSchedule and NoExecute; taint-eviction.ts acts on the latter),
 * memory/disk/pid-pressure and unschedulable (NoSchedule), and records kubelet's pressure events.
 * When a node stops being Ready, its Pods' Ready conditions turn False (MarkPodsNotReady,
 * node-pods-not-ready.ts), with a NodeNotReady Warning on each Pod, as Kubernetes does.
 */
import { resolveResource } from '../../shared/api/resources.js';
import type { NodeStatus, PodStatus } from '../../shared/api/status-types.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { Logger } from '../../shared/log.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { markNodeUnknown } from '../ingest/node-conditions.js';
import { nowTimestamp } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import { withConditionTaints, type Taint, type TaintedFacts } from './node-taints.js';
import { notReadyPodStatus } from './node-pods-not-ready.js';
import { nodeNameOf } from './pod-facts.js';
import { PodsByNode } from '../objects/pods-by-node.js';
import type { Change, Store } from '../store/store.js';

const nodes = resolveResource('nodes')!;
const pods = resolveResource('pods')!;
const SOURCE = { component: 'node-controller' };

function conditionStatus(node: KubeObject | undefined, type: string): string | undefined {
  return (node?.status as NodeStatus | undefined)?.conditions?.find((c) => c.type === type)?.status;
}

function taintedFacts(node: KubeObject): TaintedFacts {
  return { status: node.status as NodeStatus | undefined, unschedulable: (node.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true };
}

const taintsOf = (node: KubeObject): Taint[] | undefined => (node.spec as { taints?: Taint[] } | undefined)?.taints;

/** kubelet's node events for a pressure condition turning True and back (recordNodeStatusEvent). */
const PRESSURE_EVENTS: ReadonlyArray<[type: string, whenTrue: string, whenFalse: string]> = [
  ['MemoryPressure', 'NodeHasInsufficientMemory', 'NodeHasSufficientMemory'],
  ['DiskPressure', 'NodeHasDiskPressure', 'NodeHasNoDiskPressure'],
  ['PIDPressure', 'NodeHasInsufficientPID', 'NodeHasSufficientPID'],
];

export class NodeLifecycle {
  private timer: NodeJS.Timeout | undefined;
  /** Each node's Pods from change events: a node that stops being Ready marks only its own Pods. */
  private readonly index: PodsByNode;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly gracePeriodMs: number,
    private readonly events: EventRecorder,
  ) {
    this.index = new PodsByNode(store);
  }

  onChange(change: Change): void {
    this.index.onChange(change);
    if (change.resource !== nodes || change.type === 'DELETED') return;
    const node = change.object;
    const name = node.metadata.name!;
    const [was, is] = [conditionStatus(change.previous, 'Ready'), conditionStatus(node, 'Ready')];
    const kubelet = { component: 'kubelet', host: name };
    if (change.type === 'ADDED') this.events.record(node, 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`, SOURCE);
    if (was === 'True' && is !== 'True') {
      this.events.record(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, SOURCE);
      this.markPodsNotReady(name).catch((err: unknown) => this.logger.error({ component: 'node-lifecycle', node: name, err }, 'could not mark pods not ready'));
    }
    if (was !== 'True' && is === 'True') this.events.record(node, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`, kubelet);
    for (const [type, whenTrue, whenFalse] of PRESSURE_EVENTS) {
      const [before, after] = [conditionStatus(change.previous, type), conditionStatus(node, type)];
      if (before === after || (after !== 'True' && after !== 'False')) continue;
      if (after === 'False' && before === undefined) continue; // a new node's first report: nothing happened
      const reason = after === 'True' ? whenTrue : whenFalse;
      this.events.record(node, 'Normal', reason, `Node ${name} status is now: ${reason}`, kubelet);
    }
    if (withConditionTaints(taintsOf(node), taintedFacts(node), nowTimestamp()) !== undefined) {
      this.syncTaints(name).catch((err: unknown) => this.logger.error({ component: 'node-lifecycle', node: name, err }, 'could not update node taints'));
    }
  }

  /** Puts the taints the node's conditions and cordon call for (level-triggered, idempotent). */
  async syncTaints(name: string, now = new Date()): Promise<void> {
    await mutate(this.store, nodes, undefined, name, (current) => {
      const spec = (current.spec as { taints?: Taint[] } | undefined) ?? {};
      const next = withConditionTaints(spec.taints, taintedFacts(current), nowTimestamp(now));
      if (!next) return undefined;
      const { taints: _old, ...rest } = spec as { taints?: Taint[] } & Record<string, unknown>;
      current.spec = next.length > 0 ? { ...rest, taints: next } : rest;
      return current;
    });
  }

  /**
   * MarkPodsNotReady: every Pod bound to the node turns Ready=False. Stops as soon as the node is
   * Ready again (its agent's report, which carries the Pods' own status, may already be in).
   */
  async markPodsNotReady(name: string, now = new Date()): Promise<void> {
    if (!this.index.ready) await this.index.load();
    for (const pod of this.index.podsOn(name)) {
      if (conditionStatus(await this.store.get(nodes, undefined, name), 'Ready') === 'True') return;
      let changed = false;
      const updated = await mutate(this.store, pods, pod.metadata.namespace, pod.metadata.name!, (current) => {
        changed = false;
        if (current.metadata.uid !== pod.metadata.uid || nodeNameOf(current) !== name) return undefined;
        const status = notReadyPodStatus(current.status as PodStatus | undefined, nowTimestamp(now));
        if (!status) return undefined;
        changed = true;
        current.status = status;
        return current;
      });
      if (changed && updated) this.events.record(updated, 'Warning', 'NodeNotReady', 'Node is not ready', SOURCE);
    }
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
