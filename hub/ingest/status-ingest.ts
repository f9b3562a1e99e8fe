/**
 * Writes what agents report back into the store: their Node (labels, capacity, conditions) and
 * their Pods' status, and finalizes the deletion of Pods their node has stopped. Reports for one
 * node are coalesced through a work queue (only the newest matters: each is a full snapshot), so
 * a burst never turns into a burst of writes.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { NodeCondition, NodeStatus, PodStatus } from '../../shared/api/status-types.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { DroppedReportLog } from './dropped-report-log.js';
import { decodeStatusReport, type StatusReport } from '../../shared/mqtt/messages.js';
import { PRESENCE_OFFLINE, allNodesFilter, parseNodeTopic } from '../../shared/mqtt/topics.js';
import type { MessageBus } from '../broker/message-bus.js';
import { WorkQueue } from '../controllers/work-queue.js';
import { PodsByNode } from '../objects/pods-by-node.js';
import { mutate } from '../objects/mutate.js';
import type { Store } from '../store/store.js';
import { markNodeUnknown } from './node-conditions.js';
import type { NodeLeases } from './node-leases.js';

const nodes = resolveResource('nodes')!;
const pods = resolveResource('pods')!;

/** Keeps lastTransitionTime from the previous condition of the same type and status. */
function keepTransitions<T extends { type: string; status: string; lastTransitionTime?: string }>(previous: T[] | undefined, next: T[] | undefined): T[] | undefined {
  return next?.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    return before && before.status === c.status && before.lastTransitionTime ? { ...c, lastTransitionTime: before.lastTransitionTime } : c;
  });
}

export class StatusIngest {
  private readonly queue: WorkQueue;
  private readonly latest = new Map<string, StatusReport>();
  private readonly log: Logger;
  private readonly dropped: DroppedReportLog;
  /** Each node's Pods from change events: a report is matched against its node's Pods only. */
  private readonly index: PodsByNode;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: MessageBus,
    logger: Logger,
    /** Every report counts as the node's heartbeat too. */
    private readonly leases?: NodeLeases,
  ) {
    this.log = logger.child({ component: 'ingest' });
    this.dropped = new DroppedReportLog(this.log);
    this.queue = new WorkQueue({ name: 'ingest', logger, sync: (node) => this.apply(node), concurrency: 4 });
    this.index = new PodsByNode(store);
  }

  async start(): Promise<void> {
    this.unsubscribe = this.store.onChange((change) => this.index.onChange(change));
    await this.index.load();
    await this.bus.subscribe(allNodesFilter('status'), (topic, payload) => this.onStatus(topic, payload));
    await this.bus.subscribe(allNodesFilter('presence'), (topic, payload) => this.onPresence(topic, payload));
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): Promise<void> {
    this.unsubscribe?.();
    return this.queue.stop();
  }

  private onStatus(topic: string, payload: Buffer): void {
    const parsed = parseNodeTopic(topic);
    if (!parsed) return;
    try {
      const report = decodeStatusReport(payload, topic);
      if (report.node !== parsed.node) {
        this.dropped.warn(parsed.node, { topic, reportedNode: report.node }, 'status report names another node; dropped');
        return;
      }
      this.leases?.renew(parsed.node);
      this.latest.set(parsed.node, report);
      this.queue.add(parsed.node);
    } catch (err) {
      this.dropped.warn(parsed.node, { topic, err: errorMessage(err) }, 'undecodable status report dropped');
    }
  }

  private onPresence(topic: string, payload: Buffer): void {
    const parsed = parseNodeTopic(topic);
    if (!parsed || payload.toString() !== PRESENCE_OFFLINE) return;
    this.log.info({ node: parsed.node }, 'node went offline');
    markNodeUnknown(this.store, parsed.node, 'Kubelet stopped posting node status.').catch((err: unknown) =>
      this.log.error({ node: parsed.node, err }, 'could not mark node offline'),
    );
  }

  private async apply(node: string): Promise<void> {
    const report = this.latest.get(node);
    if (!report) return;
    this.latest.delete(node);
    await this.upsertNode(report);
    const reported = new Map(report.pods.map((p) => [p.uid, p]));
    const dispatch = await this.store.getDispatch(node);
    for (const pod of this.index.podsOn(node)) {
      const fromNode = reported.get(pod.metadata.uid!);
      if (fromNode) {
        await this.updatePodStatus(pod, fromNode.status);
      } else if (pod.metadata.deletionTimestamp && dispatch && report.observedGeneration >= dispatch.generation) {
        // The node has acted on a desired state without this Pod and no longer runs it: done.
        await this.store.delete(pods, pod.metadata.namespace, pod.metadata.name!);
        this.log.info({ node, pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'pod deletion finalized');
      }
    }
  }

  private async upsertNode(report: StatusReport): Promise<void> {
    const updated = await mutate(this.store, nodes, undefined, report.node, (current: KubeObject) => {
      const previous = current.status as NodeStatus | undefined;
      current.metadata.labels = { ...current.metadata.labels, ...report.labels };
      current.status = { ...report.nodeStatus, conditions: keepTransitions<NodeCondition>(previous?.conditions, report.nodeStatus.conditions) };
      return current;
    });
    if (!updated) {
      await this.store.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: report.node, labels: report.labels }, spec: {}, status: report.nodeStatus });
      this.log.info({ node: report.node }, 'node registered');
    }
  }

  private async updatePodStatus(pod: KubeObject, reported: PodStatus): Promise<void> {
    await mutate(this.store, pods, pod.metadata.namespace, pod.metadata.name!, (current) => {
      if (current.metadata.uid !== pod.metadata.uid) return undefined;
      const previous = current.status as PodStatus | undefined;
      const scheduled = previous?.conditions?.find((c) => c.type === 'PodScheduled');
      const fromNode = (reported.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      const next: PodStatus = { ...reported, conditions: keepTransitions(previous?.conditions, [...(scheduled ? [scheduled] : []), ...fromNode]) };
      if (JSON.stringify(next) === JSON.stringify(previous)) return undefined;
      current.status = next;
      return current;
    });
  }
}
