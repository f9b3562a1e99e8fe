/**
 * The planner: a pure function from (desired pods, observed containers, context) to steps
 * (style.md lesson 1). No await, no dockerode types, no clock: time, images, pulls and history
 * come in `ctx`. It is level-triggered: whatever earlier passes did, planning again from what
 * Docker reports now converges, so the loop may run it as often as it likes.
 *
 * Per pod container, Kubernetes' kubelet rules (pkg/kubelet/kuberuntime, computePodActions):
 * - a container of no desired pod, or whose spec hash differs, is stopped and removed;
 * - duplicates of one pod container: the newest running one stays;
 * - an exited container restarts per restartPolicy with the restart backoff;
 * - a missing container is pulled (per imagePullPolicy, with pull backoff) and created.
 */
import type { Container } from '../../shared/api/schema/pod.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import type { Unhealthy } from '../health/prober.js';
import { identityOf, LABELS, preStopOf } from '../runtime/labels.js';
import { normalizeImageRef } from '../runtime/image-ref.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { containerKey, latestAttemptRecorded, vanishedTermination, type ContainerHistory } from './history.js';
import { effectivePullPolicy, pullRefusedMessage } from './pull-policy.js';
import { restartDelayMs, retryDelayMs } from './restart-backoff.js';
import { specHash } from './spec-hash.js';
import type { PullStep, RemoveReason, RemoveStep, Step, VolumePreparation, WaitStep } from './steps.js';
import type { ConfigLookup } from '../config/config-lookup.js';
import { resolveEnv, type EnvConsumer } from '../config/env-resolution.js';
import { serviceEnvironment } from '../services/service-env.js';
import type { ViewService } from '../../shared/mqtt/services-view.js';
import { isExitedState, isRunningState, restartsAfter, shouldRestart, terminationOf } from './termination.js';
import { completedSandboxes, joinsSandbox, planSandboxes, requestSandbox, splitSandboxes, type SandboxWait } from './plan-sandbox.js';

/** A failing operation, retried with backoff (pulls by image, creates by pod container key). */
export interface Failure {
  attempts: number;
  lastFailureMs: number;
  reason: string;
  message: string;
}

export interface PlanContext {
  nowMs: number;
  /** --pod-infra-image: the pause image of every pod's sandbox. */
  sandboxImage: string;
  /** Normalised references of local images (RepoTags and RepoDigests). */
  imagesPresent: ReadonlySet<string>;
  pullsInProgress: ReadonlySet<string>;
  pullFailures: ReadonlyMap<string, Failure>;
  /** When each image was last pulled successfully by this agent process (imagePullPolicy Always). */
  pulledAtMs: ReadonlyMap<string, number>;
  /** Containers whose removal is already under way. */
  removing: ReadonlySet<string>;
  /**
   * Pod container and sandbox keys whose create-and-start is under way (the loop runs them in the
   * background). Whatever Docker shows of them is mid-step (a `created` container about to be
   * started): left alone until the step ends, whose end triggers the next pass.
   */
  creating: ReadonlySet<string>;
  createFailures: ReadonlyMap<string, Failure>;
  history: ReadonlyMap<string, ContainerHistory>;
  /** Running containers whose liveness or startup probe failed, by Docker id (health/prober.ts). */
  unhealthy: ReadonlyMap<string, Unhealthy>;
  /** Pods deleted with a grace of their own (DesiredState.terminating), by pod uid, in seconds. */
  terminatingGrace?: ReadonlyMap<string, number>;
  /** The ConfigMaps and Secrets of the desired state (env, envFrom); absent: none. */
  config?: ConfigLookup;
  /** What fieldRef reads from the node: spec.nodeName and status.hostIP. */
  node?: { name: string; hostIP: string; allocatable?: Readonly<Record<string, string>> };
  /** Each pod's volumes as prepared this pass, by pod uid; a pod without volumes is absent. */
  volumes?: ReadonlyMap<string, VolumePreparation>;
  /** Why the node has DiskPressure, while it has: no image is pulled then. */
  diskPressure?: string;
  /** The fleet's Services as last known (the {NAME}_SERVICE_HOST variables of new containers). */
  services?: readonly ViewService[];
}

/**
 * What a pull's failures and backoff are kept under: the image, and the pull secrets the pod
 * lists (a pod whose secret has the credentials must not wait out the backoff of one without;
 * kubelet's backoff is per pod and image).
 */
export function pullKey(pod: DesiredPod, image: string): string {
  const secrets = (pod.spec as { imagePullSecrets?: Array<{ name?: string }> }).imagePullSecrets ?? [];
  return secrets.length === 0 ? image : `${image} pullSecrets=${pod.metadata.namespace}/${secrets.map((s) => s.name ?? '').join(',')}`;
}

export function graceSecondsOf(pod: DesiredPod): number {
  return pod.spec.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
}

function labelGraceSeconds(container: ObservedContainer): number {
  const value = Number(container.labels[LABELS.graceSeconds]);
  return Number.isSafeInteger(value) && value >= 0 ? value : DEFAULTS.terminationGracePeriodSeconds;
}

function podRef(pod: DesiredPod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

/** Keeper first: running before not, then the highest attempt, then the newest. */
function byPreference(a: ObservedContainer, b: ObservedContainer): number {
  const running = Number(isRunningState(b.state)) - Number(isRunningState(a.state));
  if (running !== 0) return running;
  const attempt = (identityOf(b.labels)?.attempt ?? 0) - (identityOf(a.labels)?.attempt ?? 0);
  return attempt !== 0 ? attempt : b.createdMs - a.createdMs;
}

/** kubelet's Killing message for the stops a user should see. */
const KILLING: Partial<Record<RemoveReason, (container: string) => string>> = {
  PodDeleted: (c) => `Stopping container ${c}`,
  ContainerDeleted: (c) => `Stopping container ${c}`,
  SpecChanged: (c) => `Container ${c} definition changed, will be restarted`,
};

/** A graceful removal of `c`: its preStop hook when it is running, its identity for events. */
export function removeStep(c: ObservedContainer, reason: RemoveReason, graceSeconds: number, extra: Partial<RemoveStep> = {}): RemoveStep {
  const identity = identityOf(c.labels);
  const preStop = isRunningState(c.state) ? preStopOf(c.labels) : undefined;
  const killing = identity ? KILLING[reason]?.(identity.container) : undefined;
  return {
    kind: 'remove',
    containerId: c.id,
    reason,
    graceSeconds,
    ...(identity ? { identity } : {}),
    ...(preStop ? { preStop: { handler: preStop, ...(c.ip ? { podIp: c.ip } : {}) } } : {}),
    ...(killing && isRunningState(c.state) ? { killingMessage: killing } : {}),
    ...extra,
  };
}

export function plan(desired: readonly DesiredPod[], observedAll: readonly ObservedContainer[], ctx: PlanContext): Step[] {
  const steps: Step[] = [];
  const remove = (c: ObservedContainer, reason: RemoveReason, graceSeconds: number): void => {
    steps.push(removeStep(c, reason, graceSeconds));
  };
  const podsByUid = new Map(desired.map((pod) => [pod.metadata.uid, pod]));
  const { sandboxes, containers: observed } = splitSandboxes(observedAll, ctx.node?.hostIP);
  const sandboxPlan = planSandboxes(podsByUid, sandboxes, observed, ctx, steps);
  const byKey = new Map<string, ObservedContainer[]>();
  /**
   * Pod containers with a removal under way (their next attempt waits until it is gone: hostPorts,
   * names) or a create-and-start under way (neither removed as NeverStarted nor created twice).
   */
  const busy = new Set<string>(ctx.creating);

  for (const c of observed) {
    const id = identityOf(c.labels);
    const key = id ? containerKey(id.podUid, id.container) : undefined;
    if (key && ctx.creating.has(key)) continue;
    if (ctx.removing.has(c.id) || c.state === 'removing') {
      if (key) busy.add(key);
      continue;
    }
    if (!id || !key) {
      remove(c, 'Unrecognised', labelGraceSeconds(c));
      continue;
    }
    const pod = podsByUid.get(id.podUid);
    const spec = pod?.spec.containers.find((x) => x.name === id.container);
    if (!pod || !spec) {
      remove(c, pod ? 'ContainerDeleted' : 'PodDeleted', pod ? graceSecondsOf(pod) : (ctx.terminatingGrace?.get(id.podUid) ?? labelGraceSeconds(c)));
      continue;
    }
    if (id.hash !== specHash(pod, spec)) {
      remove(c, 'SpecChanged', graceSecondsOf(pod));
      busy.add(key);
      continue;
    }
    if (isRunningState(c.state) && !joinsSandbox(c, sandboxPlan.ready.get(id.podUid))) {
      // Its network namespace is gone or being replaced: kubelet kills it and starts it again in
      // the new sandbox at once (the end is recorded, so restartCount grows, without backoff).
      steps.push(removeStep(c, 'SandboxChanged', graceSecondsOf(pod), { record: { key, attempt: id.attempt, hash: id.hash, restartAtOnce: true } }));
      busy.add(key);
      continue;
    }
    const list = byKey.get(key) ?? [];
    list.push(c);
    byKey.set(key, list);
  }

  const pulls = new Map<string, PullStep>();
  const sandboxRequests = new Map<string, SandboxWait | undefined>();
  /** Pod containers that ended for good: a pod all of whose containers did keeps no sandbox. */
  const finished = new Set<string>();
  for (const pod of desired) {
    const uid = pod.metadata.uid;
    const ready = sandboxPlan.ready.get(uid);
    const network: PodNetwork = {
      ...(ready ? { sandboxId: ready.id } : {}),
      ...(ready?.ip ? { podIp: ready.ip } : {}),
      requestSandbox: () => requestSandbox(pod, sandboxPlan, ctx, steps, pulls, sandboxRequests),
    };
    for (const spec of pod.spec.containers) {
      const key = containerKey(uid, spec.name);
      if (busy.has(key)) continue;
      const candidates = [...(byKey.get(key) ?? [])].sort(byPreference);
      const [keeper, ...duplicates] = candidates;
      for (const d of duplicates) remove(d, 'Duplicate', graceSecondsOf(pod));
      const outcome = keeper ? planExisting(pod, spec, key, keeper, ctx, steps) : planMissing(pod, spec, key, ctx, steps, pulls, network);
      if (outcome === 'finished') finished.add(key);
    }
  }
  steps.push(...completedSandboxes(sandboxPlan, podsByUid, finished, sandboxes));
  return steps;
}

/** A pod's network as the container planning sees it: its sandbox when one runs, else a way to ask for one. */
interface PodNetwork {
  sandboxId?: string;
  podIp?: string;
  /** Plans the sandbox (once per pod); returns why the containers wait for it, if anything is worth saying. */
  requestSandbox(): SandboxWait | undefined;
}

/** What a container's planning concluded: 'finished' when it ended for good and will not run again. */
type ContainerOutcome = 'finished' | undefined;

function planExisting(pod: DesiredPod, spec: Container, key: string, keeper: ObservedContainer, ctx: PlanContext, steps: Step[]): ContainerOutcome {
  if (isRunningState(keeper.state)) {
    const unhealthy = ctx.unhealthy.get(keeper.id);
    if (!unhealthy) return;
    // Failed its liveness or startup probe: stop it (preStop, SIGTERM, grace) and record how it
    // ended; the next pass restarts it with the restart backoff, as kubelet does.
    const id = identityOf(keeper.labels)!;
    const probe = unhealthy.kind === 'liveness' ? spec.livenessProbe : spec.startupProbe;
    const grace = probe?.terminationGracePeriodSeconds ?? graceSecondsOf(pod);
    steps.push(removeStep(keeper, 'Unhealthy', grace, { killingMessage: unhealthy.message, record: { key, attempt: id.attempt, hash: id.hash, killedByProbe: true } }));
    return;
  }
  if (keeper.state === 'created') {
    // Created but never started: a start that failed or an agent that died in between.
    steps.push(removeStep(keeper, 'NeverStarted', 0));
    return;
  }
  if (isExitedState(keeper.state) && shouldRestart(pod.spec.restartPolicy, keeper.exitCode)) {
    // Remove it now, recording how it ended; the next pass creates the next attempt after the backoff.
    const id = identityOf(keeper.labels)!;
    const record = { key, attempt: id.attempt, hash: id.hash, terminated: terminationOf(keeper) };
    steps.push(removeStep(keeper, 'Exited', 0, { record }));
    return undefined;
  }
  // Exited for good (Never, or OnFailure with exit 0): leave it, the pod is Succeeded or Failed.
  return isExitedState(keeper.state) ? 'finished' : undefined;
}

function planMissing(
  pod: DesiredPod,
  spec: Container,
  key: string,
  ctx: PlanContext,
  steps: Step[],
  pulls: Map<string, PullStep>,
  network: PodNetwork,
): ContainerOutcome {
  const history = ctx.history.get(key);
  const hash = specHash(pod, spec);
  const ref = { pod, container: spec, key };
  const wait = (reason: WaitStep['reason'], message: string | undefined, untilMs?: number, eventReason?: string): void => {
    steps.push({ kind: 'wait', key, ref, reason, ...(message !== undefined ? { message } : {}), ...(untilMs !== undefined ? { untilMs } : {}), ...(eventReason ? { eventReason } : {}) });
  };

  // kubelet mounts a pod's volumes before any of its containers starts; a failure is retried
  // every pass (no untilMs: a new desired state, e.g. the ConfigMap created, triggers one).
  const volumes = ctx.volumes?.get(pod.metadata.uid);
  if (volumes && !volumes.ok) {
    wait('ContainerCreating', volumes.message, undefined, 'FailedMount');
    return;
  }

  // A restart of the same spec (a new spec starts at once: not a restart, no backoff).
  if (history && history.attempts > 0 && history.lastHash === hash) {
    if (!latestAttemptRecorded(history)) {
      // It vanished behind Skiff's back (`docker rm -f`): record that first; it counts as a restart.
      steps.push({ kind: 'record', key, terminated: vanishedTermination(history, ctx.nowMs) });
      return;
    }
    const last = history.lastTerminated!;
    if (!restartsAfter(pod.spec.restartPolicy, last, history.lastKilledByProbe)) return 'finished';
    const delayMs = restartDelayMs(history.backoffStreak);
    const finishedMs = last.finishedAt ? Date.parse(last.finishedAt) : NaN;
    const untilMs = (Number.isFinite(finishedMs) ? finishedMs : 0) + delayMs;
    if (ctx.nowMs < untilMs) {
      wait('CrashLoopBackOff', `back-off ${Math.round(delayMs / 1000)}s restarting failed container=${spec.name} pod=${podRef(pod)}`, untilMs);
      return;
    }
  }

  const image = normalizeImageRef(spec.image);
  const policy = effectivePullPolicy(spec);
  if (ctx.pullsInProgress.has(image)) return; // its completion triggers the next pass
  const present = ctx.imagesPresent.has(image);
  if (policy === 'Never' && !present) {
    wait('ErrImageNeverPull', `Container image "${spec.image}" is not present with pull policy of Never`);
    return;
  }
  const pulledAt = ctx.pulledAtMs.get(image);
  const lastEnded = history?.lastTerminated?.finishedAt ? Date.parse(history.lastTerminated.finishedAt) : undefined;
  // Always: pull once for each attempt (a pull newer than the previous attempt's end serves it).
  const needPull = policy === 'Always' ? pulledAt === undefined || (lastEnded !== undefined && pulledAt < lastEnded) : policy === 'IfNotPresent' && !present;
  if (needPull) {
    // A new image could fill the disk the node's containers and the agent's own store live on:
    // none comes in under DiskPressure (re-pulling a present image, policy Always, adds little).
    if (!present && ctx.diskPressure !== undefined) {
      wait('ErrImagePull', pullRefusedMessage(spec.image, ctx.diskPressure), undefined, 'Failed');
      return;
    }
    const failure = ctx.pullFailures.get(pullKey(pod, image));
    if (failure) {
      const untilMs = failure.lastFailureMs + retryDelayMs(failure.attempts);
      if (ctx.nowMs < untilMs) {
        // kubelet shows ErrImagePull for the failure itself and ImagePullBackOff while it waits to retry.
        wait(failure.attempts <= 1 ? 'ErrImagePull' : 'ImagePullBackOff', failure.message, untilMs);
        return;
      }
    }
    const pending = pulls.get(image);
    if (pending) {
      pending.requesters.push(ref);
    } else {
      const step: PullStep = { kind: 'pull', image, requesters: [ref] };
      pulls.set(image, step);
      steps.push(step);
    }
    return;
  }

  const createFailure = ctx.createFailures.get(key);
  if (createFailure) {
    const untilMs = createFailure.lastFailureMs + retryDelayMs(createFailure.attempts);
    if (ctx.nowMs < untilMs) {
      // kubelet: CreateContainerError when Docker refused the container, RunContainerError when it would not start.
      wait(createFailure.reason === 'RunContainerError' ? 'RunContainerError' : 'CreateContainerError', createFailure.message, untilMs);
      return;
    }
  }
  // As kubelet's generateContainerConfig, after the image is there: a missing ConfigMap, Secret or
  // key keeps the container uncreated, retried every pass (level-triggered, no backoff).
  const resolved = resolveEnv(pod, spec as EnvConsumer, ctx.config ?? (() => undefined), {
    nodeName: ctx.node?.name ?? pod.spec.nodeName ?? '',
    hostIP: ctx.node?.hostIP ?? '',
    ...(network.podIp !== undefined ? { podIP: network.podIp } : {}),
    ...(ctx.node?.allocatable ? { allocatable: ctx.node.allocatable } : {}),
    // Fixed when the container is created, as kubelet does: a later Service restarts nothing.
    serviceEnv: serviceEnvironment(pod.metadata.namespace, ctx.services ?? [], pod.spec.enableServiceLinks ?? true),
  });
  if ('error' in resolved) {
    wait(resolved.error.reason, resolved.error.message);
    return;
  }
  // The pod's sandbox comes first (kubelet: RunPodSandbox before any container); the container is
  // created in the pass after it runs.
  if (network.sandboxId === undefined) {
    const why = network.requestSandbox();
    if (why) wait(why.reason, why.message, why.untilMs, why.eventReason);
    return undefined;
  }
  const mounts = volumes?.mounts.get(spec.name);
  steps.push({
    kind: 'create',
    key,
    pod,
    container: spec,
    attempt: (history?.attempts ?? 0) + 1,
    hash,
    sandboxId: network.sandboxId,
    ...(network.podIp !== undefined ? { podIp: network.podIp } : {}),
    env: [...resolved.env],
    ...(mounts?.length ? { mounts } : {}),
    ...(resolved.warnings.length ? { warnings: resolved.warnings } : {}),
  });
}
