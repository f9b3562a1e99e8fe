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
 *
 * Before that, on EVERY sample, pressure or not, comes kubelet's localStorageEviction for emptyDir
 * volumes (empty-dir-limits.ts): each active Pod with an emptyDir over its sizeLimit is evicted the
 * same way (grace 0, same record, event and status), all such Pods in one pass; when any was, the
 * memory step waits for the next sample, as kubelet skips the rest of that synchronize. Only Pods
 * that have an emptyDir with a sizeLimit are measured, and the desired state says which without
 * asking Docker, so a node without such Pods pays nothing.
 */
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { DesiredPod, DesiredState, NodeEvent, ReportedPod } from '../../shared/mqtt/messages.js';
import { containerKey, type ContainerHistory } from '../reconcile/history.js';
import { isRunningState, terminationOf } from '../reconcile/termination.js';
import { podEvent } from '../report/pod-event.js';
import type { NodeObservations } from '../report/node-pressure.js';
import { thresholdAmount, type EvictionSignal, type EvictionThresholds } from '../report/node-resources.js';
import { evictedPodStatus } from '../report/pod-status.js';
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import type { DirUsage } from '../volumes/dir-usage.js';
import { emptyDirLimitEvictions, limitedEmptyDirs, type EmptyDirMeasurement, type LimitedEmptyDir } from './empty-dir-limits.js';
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
  /**
   * Bytes used in one emptyDir volume of a Pod (PodVolumes.emptyDirUsage); the walk may stop once
   * it has seen more than `stopAboveBytes`. Undefined when the volume does not exist.
   */
  emptyDirUsage(uid: string, volume: LimitedEmptyDir, stopAboveBytes: number): Promise<DirUsage | undefined>;
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

/** A desired Pod that may be evicted now, and its running containers. */
interface ActivePod {
  pod: DesiredPod;
  running: ObservedContainer[];
}

export class EvictionManager {
  private evicting: Promise<EvictedPod[]> | undefined;
  private saidNothingToEvict = false;
  /** Volumes (uid/name) already reported as too large to measure fully: said once, not every pass. */
  private readonly saidTruncated = new Set<string>();

  constructor(private readonly deps: EvictionManagerDeps) {}

  /**
   * The node monitor's sample (kubelet's synchronize): evicts the Pods over an emptyDir sizeLimit,
   * or else one Pod when memory.available is below its threshold.
   */
  onSample(sample: NodeObservations, breached: readonly EvictionSignal[]): void {
    const memoryPressure = breached.includes('memory.available');
    if (!memoryPressure) this.saidNothingToEvict = false;
    if (!memoryPressure && !this.anyEmptyDirLimit()) return;
    if (this.evicting) return; // one pass at a time; the next sample may evict the next Pod
    this.evicting = this.synchronize(sample, memoryPressure).finally(() => {
      this.evicting = undefined;
    });
  }

  private async synchronize(sample: NodeObservations, memoryPressure: boolean): Promise<EvictedPod[]> {
    const overLimit = await this.evictOverEmptyDirLimits();
    if (overLimit.length > 0 || !memoryPressure) return overLimit;
    const evicted = await this.evictOne(sample);
    return evicted ? [evicted] : [];
  }

  /** Resolves once the eviction pass in progress (if any) is done; for tests and an orderly stop. */
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

  /** One memory eviction pass; returns the Pod it evicted, if any. */
  async evictOne(sample: NodeObservations): Promise<EvictedPod | undefined> {
    const { deps } = this;
    try {
      const observed = await deps.observe();
      const [victim] = rankForMemoryPressure(await this.memoryUsage(this.activePods(observed)));
      if (!victim) {
        if (!this.saidNothingToEvict) deps.log.warn({ signal: 'memory.available' }, 'eviction threshold met, but no pod to evict');
        this.saidNothingToEvict = true;
        return undefined;
      }
      const message = memoryEvictionMessage({
        pod: victim.pod,
        thresholdBytes: thresholdAmount(deps.thresholds['memory.available'], sample.memoryCapacityBytes),
        availableBytes: sample.memoryAvailableBytes ?? 0,
        ...(victim.containers ? { usage: victim.containers } : {}),
      });
      return await this.evict(victim.pod, message, observed);
    } catch (err) {
      deps.log.error({ err: errorMessage(err) }, 'eviction failed');
      return undefined;
    }
  }

  /**
   * kubelet's emptyDirLimitEviction over the active Pods: measures the emptyDir volumes that have a
   * sizeLimit and evicts every Pod with one over it; returns the Pods it evicted.
   */
  async evictOverEmptyDirLimits(): Promise<EvictedPod[]> {
    const { deps } = this;
    if (!this.anyEmptyDirLimit()) return [];
    try {
      const observed = await deps.observe();
      const measurements: EmptyDirMeasurement[] = [];
      for (const { pod } of this.activePods(observed)) {
        const limited = limitedEmptyDirs(pod);
        if (limited.length > 0) measurements.push({ pod, usedBytes: await this.emptyDirUsage(pod, limited) });
      }
      const measured = new Set(measurements.map((m) => m.pod.metadata.uid));
      for (const key of this.saidTruncated) if (!measured.has(key.slice(0, key.lastIndexOf('/')))) this.saidTruncated.delete(key);
      const evicted: EvictedPod[] = [];
      for (const { pod, volume, message } of emptyDirLimitEvictions(measurements)) {
        deps.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume }, 'emptyDir over its sizeLimit');
        evicted.push(await this.evict(pod, message, observed));
      }
      return evicted;
    } catch (err) {
      deps.log.error({ err: errorMessage(err) }, 'emptyDir limit eviction failed');
      return [];
    }
  }

  /** Whether any desired Pod not yet evicted has an emptyDir with a sizeLimit (no I/O). */
  private anyEmptyDirLimit(): boolean {
    const evicted = this.deps.store.evictedPods();
    return (this.deps.desired()?.pods ?? []).some((pod) => !evicted.has(pod.metadata.uid) && limitedEmptyDirs(pod).length > 0);
  }

  /** Bytes used by volume name; a volume that cannot be measured is left out (kubelet: no stats, no verdict). */
  private async emptyDirUsage(pod: DesiredPod, limited: readonly LimitedEmptyDir[]): Promise<Map<string, number>> {
    const { deps } = this;
    const used = new Map<string, number>();
    for (const volume of limited) {
      const key = `${pod.metadata.uid}/${volume.name}`;
      try {
        const usage = await deps.emptyDirUsage(pod.metadata.uid, volume, volume.limitBytes);
        if (!usage) continue; // not made yet
        if (usage.truncated && !this.saidTruncated.has(key)) {
          // Counted bytes are a lower bound: over the limit still evicts, under it proves nothing.
          deps.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume: volume.name, entries: usage.entries, bytes: usage.bytes }, 'emptyDir too large to measure fully');
          this.saidTruncated.add(key);
        }
        used.set(volume.name, usage.bytes);
      } catch (err) {
        deps.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume: volume.name, err: errorMessage(err) }, 'emptyDir usage not read');
      }
    }
    return used;
  }

  /** Desired, not evicted, not terminating Pods with a running container, in desired order. */
  private activePods(observed: readonly ObservedContainer[]): ActivePod[] {
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
    return desired.pods
      .filter((pod) => !evicted.has(pod.metadata.uid) && !terminating.has(pod.metadata.uid) && running.has(pod.metadata.uid))
      .map((pod) => ({ pod, running: running.get(pod.metadata.uid)! }));
  }

  /** What each active Pod's containers use now (working set). */
  private async memoryUsage(active: readonly ActivePod[]): Promise<PodMemoryUsage[]> {
    const { deps } = this;
    return Promise.all(
      active.map(async ({ pod, running }) => {
        const usage = new Map<string, number>();
        for (const c of running) {
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

  /** Evicts `pod` with `message` (kubelet's evictPod with grace 0): the one path every eviction takes. */
  private async evict(pod: DesiredPod, message: string, observedNow: readonly ObservedContainer[]): Promise<EvictedPod> {
    const { deps } = this;
    const nowMs = deps.now();
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
