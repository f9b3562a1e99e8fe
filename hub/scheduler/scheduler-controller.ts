/**
 * Binds each unbound, live Pod to a node chosen by the pure `schedule`, and records
 * PodScheduled=False with Kubernetes' "0/N nodes are available" message when none fits. A Pod
 * left unbound is retried when nodes change and on every resync. As kube-scheduler, it records a
 * `Scheduled` Event for each binding and a `FailedScheduling` one for each failed attempt (the
 * recorder folds and rate-limits the repeats).
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { PodCondition, PodStatus } from '../../shared/api/status-types.js';
import type { Logger } from '../../shared/log.js';
import { nowTimestamp } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import type { Change, Store } from '../store/store.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { QueueController, key, splitKey } from '../controllers/controller.js';
import { isPodActive, nodeNameOf } from '../controllers/pod-facts.js';
import { schedule } from './schedule.js';

const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;
const SOURCE = { component: 'default-scheduler' };

function setCondition(status: PodStatus, next: PodCondition): PodStatus {
  const others = (status.conditions ?? []).filter((c) => c.type !== next.type);
  const before = status.conditions?.find((c) => c.type === next.type);
  const lastTransitionTime = before && before.status === next.status ? before.lastTransitionTime : next.lastTransitionTime;
  return { ...status, conditions: [...others, { ...next, lastTransitionTime }] };
}

/** What the filters and scores read of a node: anything else (a heartbeat) cannot change a decision. */
function schedulingView(node: KubeObject | undefined): string {
  const status = node?.status as { allocatable?: unknown; conditions?: Array<{ type: string; status: string }> } | undefined;
  const ready = status?.conditions?.map((c) => `${c.type}=${c.status}`).join();
  return JSON.stringify([node?.metadata.labels, node?.spec, status?.allocatable, ready]);
}

function schedulingChanged(change: Change): boolean {
  return change.type !== 'MODIFIED' || schedulingView(change.object) !== schedulingView(change.previous);
}

/**
 * Nodes and Pods as of the last change event (kube-scheduler's cache, fed by informers): binding
 * one Pod must not parse every Node and Pod in the store, or a 2,000-replica Deployment costs
 * millions of parses (measured with 1,000 simulated nodes: docs/benchmarks.md, "Fleet scale").
 * Rebuilt from a listing on every resync; changes committed while that listing is awaited are
 * replayed on top of it in commit order.
 */
class SchedulingCache {
  readonly nodes = new Map<string, KubeObject>();
  readonly pods = new Map<string, KubeObject>();
  private pending: Change[] | undefined;
  loaded = false;

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    const buffered: Change[] = [];
    this.pending = buffered;
    try {
      const [allNodes, allPods] = [await this.store.list(nodes), await this.store.list(pods)];
      this.nodes.clear();
      this.pods.clear();
      for (const node of allNodes) this.nodes.set(key(undefined, node.metadata.name!), node);
      for (const pod of allPods) this.pods.set(key(pod.metadata.namespace, pod.metadata.name!), pod);
      for (const change of buffered) this.apply(change);
      this.loaded = true;
    } finally {
      if (this.pending === buffered) this.pending = undefined;
    }
  }

  onChange(change: Change): void {
    if (change.resource !== nodes && change.resource !== pods) return;
    this.pending?.push(change);
    this.apply(change);
  }

  private apply(change: Change): void {
    const map = change.resource === nodes ? this.nodes : this.pods;
    const k = key(change.object.metadata.namespace, change.object.metadata.name!);
    if (change.type === 'DELETED') map.delete(k);
    else map.set(k, change.object);
  }
}

export class SchedulerController extends QueueController {
  private readonly cache: SchedulingCache;

  constructor(
    store: Store,
    logger: Logger,
    private readonly events: EventRecorder,
  ) {
    super('scheduler', store, logger);
    this.cache = new SchedulingCache(store);
  }

  onChange(change: Change): void {
    this.cache.onChange(change);
    if (change.resource === pods && change.type !== 'DELETED' && !nodeNameOf(change.object)) this.enqueue(change.object);
    // As kube-scheduler on AssignedPodDelete: a bound Pod going away frees room that a Pending
    // Pod may have been waiting for. A node's heartbeat alone changes nothing a filter reads.
    const freesRoom = change.resource === pods && change.type === 'DELETED' && nodeNameOf(change.object) !== undefined;
    if ((change.resource === nodes && schedulingChanged(change)) || freesRoom) this.enqueuePending();
  }

  /** The safety net: a fresh listing for the cache, then every pending Pod. */
  async resync(): Promise<void> {
    await this.cache.load();
    this.enqueuePending();
  }

  private enqueuePending(): void {
    for (const pod of this.cache.pods.values()) {
      if (!nodeNameOf(pod) && isPodActive(pod)) this.enqueue(pod);
    }
  }

  protected async sync(k: string): Promise<void> {
    const { namespace, name } = splitKey(k);
    const pod = await this.store.get(pods, namespace, name);
    if (!pod || nodeNameOf(pod) || !isPodActive(pod)) return;
    if (!this.cache.loaded) await this.cache.load();
    const result = schedule(pod, [...this.cache.nodes.values()], [...this.cache.pods.values()]);
    const now = nowTimestamp();
    let changed = false;
    let attempted = false;
    const written = await mutate(this.store, pods, namespace, name, (current: KubeObject) => {
      if (nodeNameOf(current) || current.metadata.uid !== pod.metadata.uid) return undefined;
      attempted = true;
      const status = current.status as PodStatus;
      if (result.node !== undefined) {
        (current.spec as { nodeName?: string }).nodeName = result.node;
        current.status = setCondition(status, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
        changed = true;
        return current;
      }
      const unschedulable: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: result.message, lastProbeTime: null, lastTransitionTime: now };
      if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.message === result.message)) return undefined;
      current.status = setCondition(status, unschedulable);
      changed = true;
      return current;
    });
    if (attempted && result.node === undefined) this.events.record(written ?? pod, 'Warning', 'FailedScheduling', result.message, SOURCE);
    if (!changed) return;
    if (result.node === undefined) {
      this.logger.info({ component: this.name, pod: k, reason: result.message }, 'pod unschedulable');
      return;
    }
    this.events.record(written ?? pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${result.node}`, SOURCE);
    this.logger.info({ component: this.name, pod: k, node: result.node }, 'bound pod');
  }
}
