/**
 * Node-pressure eviction for memory, as kubelet's eviction manager does it
 * (pkg/kubelet/eviction/eviction_manager.go synchronize): on every node-monitor sample in which
 * memory.available is below its hard threshold (hard: acted on at once, no grace period), rank the
 * node's active Pods (rank.ts) and evict ONE — at most one per monitoring interval, so the node
 * sees the memory come back before it evicts again:
 *   1. remember it (EvictionStore, before anything else: from now on the reconcile loop never runs
 *      it again, also after an agent restart),
 *   2. record a Warning `Evicted` event on the Pod with kubelet's message,
 *   3. stop its containers with grace 0 (a hard eviction runs no preStop hook and waits for
 *      nothing), and remember how each ended, for the Pod's status,
 *   4. wake the reconcile loop, which removes the stopped containers.
 * The Pod is then reported Failed/Evicted until the hub deletes it (then it is forgotten).
 * Active Pods are desired ones with a running container: evicting a Pod that runs nothing frees
 * nothing. Time, Docker and the cgroup reader come in through deps (unit-tested with fakes).
 */
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { DesiredState, NodeEvent, ReportedPod } from '../../shared/mqtt/messages.js';
import { containerKey, type ContainerHistory } from '../reconcile/history.js';
import { isRunningState, terminationOf } from '../reconcile/termination.js';
import { podEvent } from '../report/pod-event.js';
import type { NodeObservations } from '../report/node-pressure.js';
import { thresholdAmount, type EvictionSignal, type EvictionThresholds } from '../report/node-resources.js';
import { evictedPodStatus } from '../report/pod-status.js';
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { withoutEvicted, type EvictedContainer, type EvictedPod, type EvictionStore } from './evicted-pods.js';
import { memoryEvictionMessage } from './eviction-message.js';
import { rankForMemoryPressure, type PodMemoryUsage } from './rank.js';

export interface EvictionManagerDeps {
  thresholds: EvictionThresholds;
  /** The desired state as the hub sent it (evicted Pods included). */
  desired(): DesiredState | undefined;
  /** This node's containers, as Docker shows them now. */
  observe(): Promise<readonly ObservedContainer[]>;
  /** A running container's working set (cgroup-stats.ts); undefined when it cannot be read. */
  workingSetBytes(container: ObservedContainer): Promise<number | undefined>;
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  inspectContainer(id: string): Promise<ObservedContainer | undefined>;
  /** Container history (restart counts survive into the evicted Pod's status). */
  history(): ReadonlyMap<string, ContainerHistory>;
  store: EvictionStore;
  emit(event: NodeEvent): void;
  /** A Pod was evicted: the reconcile loop should run now. */
  onEvicted(): void;
  now(): number;
  log: Logger;
}

/** A hard eviction stops containers at once (kubelet's gracePeriodOverride for hard thresholds). */
const HARD_EVICTION_GRACE_SECONDS = 0;

export class EvictionManager {
  private evicting: Promise<EvictedPod | undefined> | undefined;
  private saidNothingToEvict = false;

  constructor(private readonly deps: EvictionManagerDeps) {}

  /** The node monitor's sample: evicts one Pod when memory.available is below its threshold. */
  onSample(sample: NodeObservations, breached: readonly EvictionSignal[]): void {
    if (!breached.includes('memory.available')) {
      this.saidNothingToEvict = false;
      return;
    }
    if (this.evicting) return; // one eviction at a time; the next sample may evict the next Pod
    this.evicting = this.evictOne(sample).finally(() => {
      this.evicting = undefined;
    });
  }

  /** Resolves once the eviction in progress (if any) is done; for tests and an orderly stop. */
  async settled(): Promise<void> {
    await this.evicting;
  }

  /**
   * The desired state for the reconcile loop: evicted Pods out, their containers to be removed at
   * once. Evicted Pods absent from `state` (the hub deleted them) are forgotten on the way.
   */
  desiredForLoop(state: DesiredState | undefined): DesiredState | undefined {
    this.forgetDeleted(state);
    return withoutEvicted(state, this.deps.store.evictedPods());
  }

  /** The evicted Pods the hub still has (still desired), with their Failed/Evicted status. */
  reportedPods(hostIP: string, observedGeneration: number): ReportedPod[] {
    const evicted = this.deps.store.evictedPods();
    if (evicted.size === 0) return [];
    return (this.deps.desired()?.pods ?? [])
      .filter((pod) => evicted.has(pod.metadata.uid))
      .map((pod) => ({
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        status: evictedPodStatus(pod, evicted.get(pod.metadata.uid)!, { hostIP, observedGeneration }),
      }));
  }

  /** An evicted Pod the hub has deleted (absent from a desired state) is forgotten: its uid never comes back. */
  private forgetDeleted(state: DesiredState | undefined): void {
    if (!state || this.deps.store.evictedPods().size === 0) return;
    const gone = this.deps.store.forgetEvictedPods(new Set(state.pods.map((pod) => pod.metadata.uid)));
    if (gone > 0) this.deps.log.info({ pods: gone }, 'forgot evicted pods the hub deleted');
  }

  /** One eviction pass; returns the Pod it evicted, if any. */
  async evictOne(sample: NodeObservations): Promise<EvictedPod | undefined> {
    const { deps } = this;
    try {
      const observed = await deps.observe();
      const [victim] = rankForMemoryPressure(await this.activePods(observed));
      if (!victim) {
        if (!this.saidNothingToEvict) deps.log.warn({ signal: 'memory.available' }, 'eviction threshold met, but no pod to evict');
        this.saidNothingToEvict = true;
        return undefined;
      }
      return await this.evict(victim, sample, observed);
    } catch (err) {
      deps.log.error({ err: errorMessage(err) }, 'eviction failed');
      return undefined;
    }
  }

  /** Desired, not evicted, not terminating Pods with a running container, and what they use. */
  private async activePods(observed: readonly ObservedContainer[]): Promise<PodMemoryUsage[]> {
    const { deps } = this;
    const desired = deps.desired();
    if (!desired) return [];
    const evicted = deps.store.evictedPods();
    const terminating = new Set((desired.terminating ?? []).map((t) => t.uid));
    const running = new Map<string, ObservedContainer[]>();
    for (const c of observed) {
      const uid = identityOf(c.labels)?.podUid;
      if (uid && isRunningState(c.state)) running.set(uid, [...(running.get(uid) ?? []), c]);
    }
    const pods = desired.pods.filter((pod) => !evicted.has(pod.metadata.uid) && !terminating.has(pod.metadata.uid) && running.has(pod.metadata.uid));
    return Promise.all(
      pods.map(async (pod) => {
        const usage = new Map<string, number>();
        for (const c of running.get(pod.metadata.uid)!) {
          const name = identityOf(c.labels)!.container;
          const bytes = await deps.workingSetBytes(c).catch((err: unknown) => {
            deps.log.debug({ container: c.name, err: errorMessage(err) }, 'container memory not read');
            return undefined;
          });
          if (bytes !== undefined) usage.set(name, (usage.get(name) ?? 0) + bytes);
        }
        // kubelet ranks a Pod without stats first; a Pod with some containers read is ranked by those.
        return usage.size > 0 ? { pod, containers: usage } : { pod };
      }),
    );
  }

  private async evict(victim: PodMemoryUsage, sample: NodeObservations, observedNow: readonly ObservedContainer[]): Promise<EvictedPod> {
    const { deps } = this;
    const { pod } = victim;
    const nowMs = deps.now();
    const message = memoryEvictionMessage({
      pod,
      thresholdBytes: thresholdAmount(deps.thresholds['memory.available'], sample.memoryCapacityBytes),
      availableBytes: sample.memoryAvailableBytes ?? 0,
      ...(victim.containers ? { usage: victim.containers } : {}),
    });
    const observed = observedNow.filter((c) => identityOf(c.labels)?.podUid === pod.metadata.uid);
    const created = observed.map((c) => c.createdMs).filter((ms) => ms > 0);
    const record: EvictedPod = {
      uid: pod.metadata.uid,
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      message,
      evictedAt: new Date(nowMs).toISOString(),
      ...(created.length > 0 ? { startTime: new Date(Math.min(...created)).toISOString() } : {}),
      containers: [],
    };
    // Remembered first: whatever happens next, the loop will not start this Pod again.
    deps.store.putEvictedPod(record);
    deps.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, uid: pod.metadata.uid, message }, 'evicting pod');
    deps.emit(podEvent(pod, undefined, 'Warning', 'Evicted', message, nowMs));

    const containers: EvictedContainer[] = [];
    for (const c of observed.filter((x) => isRunningState(x.state))) {
      const name = identityOf(c.labels)!.container;
      try {
        await deps.stopContainer(c.id, HARD_EVICTION_GRACE_SECONDS);
      } catch (err) {
        // Removed under us, or Docker trouble: the loop removes what is left (grace 0 as well).
        deps.log.warn({ container: c.name, err: errorMessage(err) }, 'could not stop a container of an evicted pod');
      }
      const ended = await deps.inspectContainer(c.id).catch(() => undefined);
      const attempts = deps.history().get(containerKey(pod.metadata.uid, name))?.attempts ?? 1;
      containers.push({
        name,
        terminated: ended ? terminationOf(ended) : { exitCode: 137, reason: 'Error', finishedAt: new Date(deps.now()).toISOString(), containerID: `docker://${c.id}` },
        restartCount: Math.max(0, attempts - 1),
        imageID: c.imageID,
      });
    }
    const done = { ...record, containers };
    deps.store.putEvictedPod(done);
    deps.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, containers: containers.length }, 'pod evicted');
    deps.onEvicted();
    return done;
  }
}
