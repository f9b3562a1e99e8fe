/**
 * Binds each unbound, live Pod to a node chosen by the pure `schedule`, and records
 * PodScheduled=False with Kubernetes' "0/N nodes are available" message when none fits. A Pod
 * left unbound is retried when nodes change and on every resync. As kube-scheduler, it records a
 * `Scheduled` Event for each binding and a `FailedScheduling` one for each failed attempt (the
 * recorder folds and rate-limits the repeats). Up to 64 Pods are in flight at once and their
 * bindings share SQLite commits, so that binding is not one fsync per Pod (issue #10 target 7:
 * docs/benchmarks.md, "Scheduler throughput"); a binding is committed before its change event,
 * hence before the dispatcher publishes the Pod to its node.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { PodCondition, PodStatus } from '../../shared/api/status-types.js';
import type { Logger } from '../../shared/log.js';
import { nowTimestamp } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import { BatchedWrites } from '../store/batched-writes.js';
import { isSkiffError } from '../../shared/errors.js';
import type { Change, Store } from '../store/store.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { QueueController, key, splitKey } from '../controllers/controller.js';
import { isPodActive, nodeNameOf } from '../controllers/pod-facts.js';
import { NodeInfoSet } from './node-info.js';
import { scheduleOnto } from './schedule.js';

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
 * Per-node sums are kept up to date change by change in `infos`, so a decision is one pass over
 * the nodes. Rebuilt from a listing on every resync; changes committed while that listing is
 * awaited are replayed on top of it in commit order.
 */
class SchedulingCache {
  readonly pods = new Map<string, KubeObject>();
  readonly infos = new NodeInfoSet();
  /** Pods bound here whose binding is not committed yet: a listing cannot know them, so they outlive it. */
  private readonly assumed = new Map<string, KubeObject>();
  private pending: Change[] | undefined;
  private loading: Promise<void> | undefined;
  loaded = false;

  constructor(private readonly store: Store) {}

  /** The first listing, shared by the syncs in flight that all found the cache empty. */
  loadOnce(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  async load(): Promise<void> {
    const buffered: Change[] = [];
    this.pending = buffered;
    try {
      const [allNodes, allPods] = [await this.store.list(nodes), await this.store.list(pods)];
      this.pods.clear();
      this.infos.clear();
      for (const node of allNodes) this.infos.setNode(node);
      for (const pod of allPods) this.setPod(key(pod.metadata.namespace, pod.metadata.name!), pod);
      for (const change of buffered) this.apply(change);
      for (const [k, pod] of this.assumed) this.setPod(k, pod);
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
    const { object } = change;
    if (change.resource === nodes) {
      if (change.type === 'DELETED') this.infos.deleteNode(object.metadata.name!);
      else this.infos.setNode(object);
      return;
    }
    const k = key(object.metadata.namespace, object.metadata.name!);
    this.assumed.delete(k); // the store has spoken for this Pod
    if (change.type !== 'DELETED') return this.setPod(k, object);
    this.pods.delete(k);
    this.infos.deletePod(k);
  }

  /** Counts a Pod on the node it is being bound to, before that write commits (kube-scheduler's AssumePod). */
  assume(k: string, bound: KubeObject): void {
    this.assumed.set(k, bound);
    this.setPod(k, bound);
  }

  /** A binding that was not written: the Pod is again what the store holds (ForgetPod). */
  async forget(k: string): Promise<void> {
    if (!this.assumed.delete(k)) return;
    const { namespace, name } = splitKey(k);
    const stored = await this.store.get(pods, namespace, name);
    if (this.assumed.has(k)) return; // assumed again meanwhile
    if (stored) this.setPod(k, stored);
    else {
      this.pods.delete(k);
      this.infos.deletePod(k);
    }
  }

  private setPod(k: string, pod: KubeObject): void {
    this.pods.set(k, pod);
    this.infos.setPod(k, pod);
  }
}

export class SchedulerController extends QueueController {
  private readonly cache: SchedulingCache;

  /** Binds share commits (hub/store/batched-writes.ts); see `bind`. */
  private readonly binds: BatchedWrites;

  constructor(
    store: Store,
    logger: Logger,
    private readonly events: EventRecorder,
  ) {
    // Pods in flight at once: each decides as soon as it is read, and the binds decided while one
    // batch commits go together into the next (64 binds share one fsync instead of paying one each).
    super('scheduler', store, logger, { concurrency: 64 });
    this.cache = new SchedulingCache(store);
    this.binds = new BatchedWrites(store);
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
    if (!this.cache.loaded) await this.cache.loadOnce();
    // The cache is as new as the store's change events (emitted at each commit), so the Pod is not
    // read again; a change it has missed makes the bind conflict, and the Pod is decided again.
    const pod = this.cache.pods.get(k);
    if (!pod || nodeNameOf(pod) || !isPodActive(pod)) return;
    const result = scheduleOnto(pod, this.cache.infos.infos());
    if (result.node === undefined) await this.recordUnschedulable(k, pod, result.message);
    else await this.bind(k, pod, result.node);
  }

  /**
   * Writes the binding in the batch being gathered (one commit for the binds decided meanwhile).
   * Until then the Pod counts on its node in the cache (kube-scheduler's assume), so the next
   * decisions see it. The write carries the resourceVersion the decision was made on: if the Pod
   * changed since (or was bound by someone else), nothing is written and it is decided again.
   */
  private async bind(k: string, pod: KubeObject, node: string): Promise<void> {
    const bound = structuredClone(pod);
    (bound.spec as { nodeName?: string }).nodeName = node;
    bound.status = setCondition(bound.status as PodStatus, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() });
    this.cache.assume(k, bound);
    let written: KubeObject;
    try {
      written = await this.binds.update(pods, bound);
    } catch (err) {
      await this.cache.forget(k);
      if (!isSkiffError(err, 'SKIFF_ERR_NOT_FOUND') && !isSkiffError(err, 'SKIFF_ERR_CONFLICT')) throw err;
      // As kube-scheduler after ForgetPod: the room it held may have turned others away, and
      // this Pod (changed, not gone) is decided again on its new version.
      this.enqueuePending();
      return;
    }
    this.events.record(written, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`, SOURCE);
    this.logger.info({ component: this.name, pod: k, node }, 'bound pod');
  }

  private async recordUnschedulable(k: string, pod: KubeObject, message: string): Promise<void> {
    const { namespace, name } = splitKey(k);
    const now = nowTimestamp();
    let changed = false;
    let attempted = false;
    const written = await mutate(this.store, pods, namespace, name, (current: KubeObject) => {
      if (nodeNameOf(current) || current.metadata.uid !== pod.metadata.uid) return undefined;
      attempted = true;
      const status = current.status as PodStatus;
      const unschedulable: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: now };
      if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.message === message)) return undefined;
      current.status = setCondition(status, unschedulable);
      changed = true;
      return current;
    });
    if (attempted) this.events.record(written ?? pod, 'Warning', 'FailedScheduling', message, SOURCE);
    if (changed) this.logger.info({ component: this.name, pod: k, reason: message }, 'pod unschedulable');
  }
}
