/**
 * The reconcile loop (style.md lesson 2): observe, plan, execute one batch, observe again. A pass
 * that only waits, starts background work or has nothing to do is "settled": the loop reports,
 * then sleeps until the next trigger (desired state, Docker event, finished pull, removal or
 * creation), the earliest wait's untilMs, or the resync timer, whichever comes first. Triggers
 * only mark the loop dirty; every pass starts from what Docker says now, so a lost trigger costs
 * at most one resync interval.
 *
 * Sandbox and container creations run in the background, one per key, so that each Pod moves on
 * (sandbox, then containers, then Running in the report) as soon as its own steps end, not when
 * the slowest Pod's do (issue #10: 30 Pods applied at once were all reported Running together).
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { fullJitterMs } from '../../shared/backoff.js';
import type { DesiredState } from '../../shared/mqtt/messages.js';
import type { DockerApi } from '../runtime/docker-api.js';
import { identityOf } from '../runtime/labels.js';
import { normalizeImageRef } from '../runtime/image-ref.js';
import type { ObservedContainer } from '../runtime/observe.js';
import type { AgentStore } from '../store/agent-store.js';
import { execute, type Executors } from './executor.js';
import type { FailureState } from './failures.js';
import { containerKey } from './history.js';
import type { InFlight } from './in-flight.js';
import { plan, pullKey } from './plan.js';
import { sandboxKey, splitSandboxes } from './plan-sandbox.js';
import type { Step, VolumePreparation, WaitStep } from './steps.js';
import { lookupOf, type ConfigLookup } from '../config/config-lookup.js';
import type { ViewService } from '../../shared/mqtt/services-view.js';
import { volumesOf } from '../volumes/volume-source.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import type { ProbeResults, Unhealthy } from '../health/prober.js';

export interface PassResult {
  desired: DesiredState | undefined;
  /** The pods' containers (sandboxes apart). */
  observed: readonly ObservedContainer[];
  /** The pod sandboxes (plan-sandbox.ts): where each pod's IP comes from. */
  sandboxes: readonly ObservedContainer[];
  steps: readonly Step[];
  nowMs: number;
  /** What the probes said at the start of the pass, by Docker id. */
  probeResults: ReadonlyMap<string, ProbeResults>;
}

/** The prober's view the loop plans and reports with (health/prober.ts). */
export interface ProbeView {
  unhealthy(): ReadonlyMap<string, Unhealthy>;
  results(): ReadonlyMap<string, ProbeResults>;
}

/** Sets up pods' volume files (agent/volumes/pod-volumes.ts); idempotent, so called every pass. */
export interface VolumeManager {
  prepare(pod: DesiredPod, lookup: ConfigLookup): Promise<VolumePreparation>;
  remove(podUid: string): Promise<void>;
  /** Pod uids that have volume files on this node. */
  list(): Promise<string[]>;
}

const NO_PROBES: ProbeView = { unhealthy: () => new Map(), results: () => new Map() };

export interface LoopDeps {
  api: DockerApi;
  observe(): Promise<ObservedContainer[]>;
  store: Pick<AgentStore, 'history' | 'pruneHistory'>;
  desired(): DesiredState | undefined;
  executors: Executors;
  pulls: InFlight;
  removals: InFlight;
  /** Sandbox and container create-and-starts, by step key; each end should trigger a pass. */
  creations: InFlight;
  failures: FailureState;
  now(): number;
  random(): number;
  log: Logger;
  resyncIntervalMs: number;
  /** --pod-infra-image. */
  sandboxImage: string;
  probes?: ProbeView;
  /** The node's name and IP as it reports them (fieldRef spec.nodeName, status.hostIP). */
  node?: () => { name: string; hostIP: string; allocatable?: Readonly<Record<string, string>> };
  volumes?: VolumeManager;
  /** Why the node has DiskPressure, while it has (node-monitor): no image is pulled then. */
  diskPressure?: () => string | undefined;
  /** The fleet's Services as last known (service variables of new containers). */
  services?: () => readonly ViewService[];
  /** Called after every settled pass (the reporter builds a StatusReport from it). */
  onSettled(result: PassResult): void;
}

/** Consecutive acting passes after which the loop pauses briefly: a guard against a plan that never settles. */
const MAX_BUSY_PASSES = 50;

export class ReconcileLoop {
  private dirty = true;
  private stopped = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: LoopDeps) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Asks for a pass as soon as the current one ends. Cheap and safe to call from anywhere. */
  trigger(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Ends the loop once its pass is done and the creations it started have ended (they write the store). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    await this.deps.creations.drain();
  }

  /** One observe-plan-execute pass; exported for tests. Returns whether it executed awaited steps (records). */
  async pass(): Promise<{ acted: boolean; result: PassResult }> {
    const { deps } = this;
    const nowMs = deps.now();
    const desired = deps.desired();
    const probes = deps.probes ?? NO_PROBES;
    const probeResults = probes.results();
    const lookup = lookupOf(desired);
    // Taken before Docker is observed: a creation that ends during the observation may have shown
    // its container still `created`; it must count as in flight, not as NeverStarted.
    const creating = deps.creations.keys();
    const [everything, images, volumes] = await Promise.all([deps.observe(), deps.api.listImageRefs(), this.prepareVolumes(desired?.pods ?? [], lookup)]);
    const steps = plan(desired?.pods ?? [], everything, {
      nowMs,
      sandboxImage: deps.sandboxImage,
      imagesPresent: new Set(images.map(normalizeImageRef)),
      pullsInProgress: deps.pulls.keys(),
      pullFailures: deps.failures.pullFailures,
      pulledAtMs: deps.failures.pulledAtMs,
      removing: deps.removals.keys(),
      creating,
      createFailures: deps.failures.createFailures,
      history: deps.store.history(),
      unhealthy: probes.unhealthy(),
      terminatingGrace: new Map((desired?.terminating ?? []).map((t) => [t.uid, t.gracePeriodSeconds])),
      config: lookup,
      ...(deps.node ? { node: deps.node() } : {}),
      ...(deps.diskPressure?.() !== undefined ? { diskPressure: deps.diskPressure()! } : {}),
      ...(deps.services ? { services: deps.services() } : {}),
      volumes,
    });
    // Pulls, removals, sandboxes and creates go on in the background (each end triggers a pass),
    // waits only record events; records (history writes) are awaited.
    const awaited = steps.filter((s) => s.kind === 'record');
    for (const step of steps) {
      if (step.kind === 'sandbox' || step.kind === 'create') deps.creations.run(step.key, () => execute(deps.executors, step));
      else if (step.kind === 'pull' || step.kind === 'remove' || step.kind === 'wait') void execute(deps.executors, step);
    }
    await Promise.all(awaited.map((step) => execute(deps.executors, step)));
    await this.forget(desired, everything);
    const { sandboxes, containers: observed } = splitSandboxes(everything, deps.node?.().hostIP);
    return { acted: awaited.length > 0, result: { desired, observed, sandboxes, steps, nowMs, probeResults } };
  }

  /**
   * Sets up (or refreshes: a ConfigMap edit updates mounted files, as kubelet's periodic sync does)
   * the volumes of every desired pod that has some. Pods already running are included on purpose.
   */
  private async prepareVolumes(pods: readonly DesiredPod[], lookup: ConfigLookup): Promise<Map<string, VolumePreparation>> {
    const prepared = new Map<string, VolumePreparation>();
    const manager = this.deps.volumes;
    if (!manager) return prepared;
    await Promise.all(
      pods
        .filter((pod) => volumesOf(pod).length > 0)
        .map(async (pod) => {
          try {
            const result = await manager.prepare(pod, lookup);
            // kubelet's FailedMount text: MountVolume.SetUp failed for volume "v" : configmap "x" not found
            prepared.set(pod.metadata.uid, result.ok || result.volume === undefined ? result : { ok: false, message: `MountVolume.SetUp failed for volume "${result.volume}" : ${result.message}` });
          } catch (err) {
            // An unexpected failure (disk full, permissions) is a failed mount too: retried next pass.
            prepared.set(pod.metadata.uid, { ok: false, message: `MountVolume.SetUp failed: ${errorMessage(err)}` });
          }
        }),
    );
    return prepared;
  }

  /** Drops history, failures and volume files of pods that are neither desired nor still have containers. */
  private async forget(desired: DesiredState | undefined, observed: readonly ObservedContainer[]): Promise<void> {
    const uids = new Set<string>();
    const keys = new Set<string>();
    const images = new Set<string>();
    images.add(normalizeImageRef(this.deps.sandboxImage));
    for (const pod of desired?.pods ?? []) {
      uids.add(pod.metadata.uid);
      keys.add(sandboxKey(pod.metadata.uid));
      for (const c of pod.spec.containers) {
        keys.add(containerKey(pod.metadata.uid, c.name));
        images.add(normalizeImageRef(c.image));
        images.add(pullKey(pod, normalizeImageRef(c.image))); // pull failures are kept under this
      }
    }
    for (const c of observed) {
      const uid = identityOf(c.labels)?.podUid;
      if (uid) uids.add(uid);
    }
    const pruned = this.deps.store.pruneHistory(uids);
    if (pruned > 0) this.deps.log.debug({ rows: pruned }, 'pruned container history');
    this.deps.failures.prune(keys, images);
    const manager = this.deps.volumes;
    if (!manager) return;
    for (const uid of await manager.list()) {
      if (uids.has(uid)) continue;
      try {
        await manager.remove(uid);
        this.deps.log.info({ podUid: uid }, 'removed pod volumes');
      } catch (err) {
        // Not fatal to the pass (the pods are gone); tried again next pass.
        this.deps.log.warn({ podUid: uid, err: errorMessage(err) }, 'cannot remove pod volumes');
      }
    }
  }

  private async run(): Promise<void> {
    const { deps } = this;
    let busyPasses = 0;
    let errors = 0;
    while (!this.stopped) {
      this.dirty = false;
      let outcome: Awaited<ReturnType<ReconcileLoop['pass']>>;
      try {
        outcome = await this.pass();
        errors = 0;
      } catch (err) {
        // Docker down or restarting: never crash, retry with jittered backoff (capped at the resync interval).
        errors++;
        const delayMs = Math.max(200, fullJitterMs(errors, 500, deps.resyncIntervalMs, deps.random()));
        deps.log.error({ err: errorMessage(err), failures: errors, retryInMs: delayMs }, 'reconcile pass failed');
        await this.sleep(deps.now() + delayMs);
        continue;
      }
      if (outcome.acted && busyPasses < MAX_BUSY_PASSES) {
        busyPasses++;
        continue;
      }
      const pause = busyPasses >= MAX_BUSY_PASSES;
      busyPasses = 0;
      try {
        deps.onSettled(outcome.result);
      } catch (err) {
        deps.log.error({ err: errorMessage(err) }, 'status report failed');
      }
      if (pause) {
        deps.log.warn({ passes: MAX_BUSY_PASSES }, 'reconcile keeps acting without settling; pausing');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (this.dirty || this.stopped) continue;
      const waits = outcome.result.steps.filter((s): s is WaitStep => s.kind === 'wait' && s.untilMs !== undefined);
      const nextWaitMs = Math.min(...waits.map((w) => w.untilMs!));
      await this.sleep(Math.min(deps.now() + deps.resyncIntervalMs, nextWaitMs));
    }
  }

  /** Sleeps until `untilMs` (plus a few ms so a backoff has surely elapsed) or the next trigger. */
  private sleep(untilMs: number): Promise<void> {
    if (this.dirty || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, untilMs - this.deps.now()) + 5);
      this.wake = done;
    });
  }
}
