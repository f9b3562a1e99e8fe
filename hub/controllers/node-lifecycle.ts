/**
 * Marks a node Ready=Unknown when the hub has heard nothing from it (no lease, no status report:
 * ingest/node-leases.ts) for longer than the grace period, as Kubernetes' node-lifecycle
 * controller does. (The MQTT last will usually says so sooner.) A node it marked Unknown that
 * renews its lease again is asked for its full status report, which sets it Ready again.
 * Which nodes are Ready is kept from change events, so a check every second reads no store.
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
import { NodeLeases } from '../ingest/node-leases.js';
import { DEFAULTS } from '../../shared/defaults.js';

export interface NodeLifecycleOptions {
  /** When each node was last heard from (default: a table nothing renews, as in unit tests). */
  leases?: NodeLeases;
  /** Asks a node for its full status report (a NodeRequest of kind `report`). */
  askForReport?: (node: string) => void;
  now?: () => number;
}

/** What the check needs of a node: its Ready status and since when the hub has known it so. */
interface TrackedNode {
  ready: string | undefined;
  /** Set by the hub (NodeStatusUnknown: no lease in time, or the last will), not by the node. */
  unknownByHub: boolean;
  /** Hub time when this Ready status was first seen: the grace period runs from here at the earliest. */
  observedMs: number;
  /** Hub time of the last ask for a report (at most one per heartbeat interval). */
  askedMs?: number;
}
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
  private readonly tracked = new Map<string, TrackedNode>();
  private loaded = false;
  private readonly leases: NodeLeases;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly gracePeriodMs: number,
    private readonly events: EventRecorder,
    private readonly options: NodeLifecycleOptions = {},
  ) {
    this.index = new PodsByNode(store);
    this.now = options.now ?? Date.now;
    this.leases = options.leases ?? new NodeLeases(this.now);
    this.leases.onLease((node) => this.onLease(node));
  }

  onChange(change: Change): void {
    this.index.onChange(change);
    if (change.resource !== nodes) return;
    if (change.type === 'DELETED') {
      this.tracked.delete(change.object.metadata.name!);
      this.leases.forget(change.object.metadata.name!);
      return;
    }
    const node = change.object;
    const name = node.metadata.name!;
    this.track(node);
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

  /** Keeps the node's Ready status; the grace period restarts whenever that status changes. */
  private track(node: KubeObject): void {
    const name = node.metadata.name!;
    const ready = (node.status as NodeStatus | undefined)?.conditions?.find((c) => c.type === 'Ready');
    const before = this.tracked.get(name);
    if (before && before.ready === ready?.status) return;
    this.tracked.set(name, { ready: ready?.status, unknownByHub: ready?.status === 'Unknown' && ready.reason === 'NodeStatusUnknown', observedMs: this.now(), ...(before?.askedMs !== undefined ? { askedMs: before.askedMs } : {}) });
  }

  /** A node the hub marked Unknown is alive again: only its full report can say how it is. */
  private onLease(name: string): void {
    const node = this.tracked.get(name);
    if (!node?.unknownByHub || !this.options.askForReport) return;
    const nowMs = this.now();
    if (node.askedMs !== undefined && nowMs - node.askedMs < DEFAULTS.heartbeatIntervalMs) return;
    node.askedMs = nowMs;
    this.logger.info({ component: 'node-lifecycle', node: name }, 'node marked Unknown renewed its lease; asking for its status');
    this.options.askForReport(name);
  }

  start(checkEveryMs = DEFAULTS.nodeMonitorPeriodMs): void {
    this.timer = setInterval(() => {
      this.check(this.now()).catch((err: unknown) => this.logger.error({ component: 'node-lifecycle', err }, 'node check failed'));
    }, checkEveryMs);
    this.timer.unref();
  }

  async check(nowMs: number): Promise<void> {
    if (!this.loaded) {
      for (const node of await this.store.list(nodes)) if (!this.tracked.has(node.metadata.name!)) this.track(node);
      this.loaded = true;
    }
    for (const [name, node] of this.tracked) {
      if (node.ready !== 'True') continue;
      const heardMs = Math.max(this.leases.renewedAt(name) ?? 0, node.observedMs);
      if (nowMs - heardMs > this.gracePeriodMs) {
        this.logger.info({ component: 'node-lifecycle', node: name, silentMs: nowMs - heardMs }, 'node lease overdue; marking Unknown');
        await markNodeUnknown(this.store, name, 'Kubelet stopped posting node status.', new Date(nowMs));
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
