/**
 * Pod sandboxes in the plan (pure). Each pod's containers join one "pause" container's network
 * namespace (runtime/sandbox-spec.ts), as kubelet's computePodActions has it:
 * - a pod keeps at most one running sandbox whose hash matches (sandboxHash); any other is removed;
 * - a running container that is not in its pod's current sandbox is killed and restarted in the
 *   new one (SandboxChanged), with no restart backoff;
 * - a sandbox is created lazily, when a container of the pod is about to be created, so a pod whose
 *   containers all ended for good gets none (and loses the one it had: PodCompleted);
 * - the sandbox of a pod no longer desired goes once its containers are gone (their preStop hooks
 *   still have the network).
 */
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { identityOf, isSandbox, SANDBOX_CONTAINER } from '../runtime/labels.js';
import { normalizeImageRef } from '../runtime/image-ref.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { hostNetworkOf } from '../runtime/sandbox-spec.js';
import { containerKey } from './history.js';
import { retryDelayMs } from './restart-backoff.js';
import { sandboxHash } from './spec-hash.js';
import { pullRefusedMessage } from './pull-policy.js';
import type { PullStep, RemoveReason, RemoveStep, Step, WaitStep } from './steps.js';
import { isRunningState } from './termination.js';

/** Docker's stop timeout for a sandbox: the pause process exits at SIGTERM, so this is only a bound. */
export const SANDBOX_GRACE_SECONDS = 10;

/** A pod's running, current sandbox: the namespace its containers join and the pod's IP. */
export interface ReadySandbox {
  id: string;
  /** The pod's IP: the sandbox's bridge address, or the node's for a hostNetwork pod. */
  ip?: string;
}

/** What the sandbox planning decided, for the container planning that follows. */
export interface SandboxPlan {
  ready: ReadonlyMap<string, ReadySandbox>;
  /** Pods with a sandbox being removed: no new one until it is gone (it may hold hostPorts). */
  busy: ReadonlySet<string>;
  /** The highest sandbox attempt seen per pod (in Docker or the history): the next one is numbered after it. */
  attempts: ReadonlyMap<string, number>;
}

/** What requestSandbox needs from the plan context. */
export interface SandboxContext {
  nowMs: number;
  /** --pod-infra-image. */
  sandboxImage: string;
  imagesPresent: ReadonlySet<string>;
  pullsInProgress: ReadonlySet<string>;
  pullFailures: ReadonlyMap<string, { attempts: number; lastFailureMs: number; message: string }>;
  createFailures: ReadonlyMap<string, { attempts: number; lastFailureMs: number; message: string }>;
  removing: ReadonlySet<string>;
  /** Keys whose create-and-start is under way (PlanContext.creating): sandboxKey(uid) for a pod's sandbox. */
  creating: ReadonlySet<string>;
  node?: { hostIP: string };
  diskPressure?: string;
}

/** A pod sandbox's identity key (create failures are kept under it). */
export function sandboxKey(podUid: string): string {
  return containerKey(podUid, SANDBOX_CONTAINER);
}

/**
 * Splits `docker ps` into pod sandboxes and pod containers (unrecognised ones go with the latter).
 * A pod container has no address of its own: it gets the one of the sandbox whose namespace it is
 * in (the node's, `hostIP`, for a hostNetwork sandbox), which is what probes and preStop hooks
 * connect to, as kubelet uses the pod IP.
 */
export function splitSandboxes(observed: readonly ObservedContainer[], hostIP?: string): { sandboxes: ObservedContainer[]; containers: ObservedContainer[] } {
  const sandboxes: ObservedContainer[] = [];
  const containers: ObservedContainer[] = [];
  for (const c of observed) (isSandbox(c.labels) && identityOf(c.labels) ? sandboxes : containers).push(c);
  const addresses = new Map<string, string>();
  for (const s of sandboxes) {
    const ip = s.networkMode === 'host' ? hostIP : s.ip;
    if (ip && isRunningState(s.state)) addresses.set(`container:${s.id}`, ip);
  }
  return {
    sandboxes,
    containers: containers.map((c) => {
      const ip = c.ip === undefined && c.networkMode !== undefined && isRunningState(c.state) ? addresses.get(c.networkMode) : undefined;
      return ip ? { ...c, ip } : c;
    }),
  };
}

/** True when `c` runs in `sandbox`'s network namespace. */
export function joinsSandbox(c: ObservedContainer, sandbox: ReadySandbox | undefined): boolean {
  return sandbox !== undefined && c.networkMode === `container:${sandbox.id}`;
}

function remove(c: ObservedContainer, reason: RemoveReason): RemoveStep {
  return { kind: 'remove', containerId: c.id, reason, graceSeconds: SANDBOX_GRACE_SECONDS };
}

/** Keeps each desired pod's current sandbox and removes every other one (pure). */
export function planSandboxes(
  podsByUid: ReadonlyMap<string, DesiredPod>,
  sandboxes: readonly ObservedContainer[],
  containers: readonly ObservedContainer[],
  ctx: Pick<SandboxContext, 'removing' | 'creating' | 'node'> & { history: ReadonlyMap<string, { attempts: number }> },
  steps: Step[],
): SandboxPlan {
  const withContainers = new Set(containers.map((c) => identityOf(c.labels)?.podUid).filter((uid): uid is string => uid !== undefined));
  const busy = new Set<string>();
  // A sandbox removed behind the agent's back is remembered by the history the executor writes.
  const attempts = new Map<string, number>();
  for (const uid of podsByUid.keys()) {
    const recorded = ctx.history.get(sandboxKey(uid))?.attempts ?? 0;
    if (recorded > 0) attempts.set(uid, recorded);
  }
  const candidates = new Map<string, ObservedContainer[]>();
  for (const s of sandboxes) {
    const id = identityOf(s.labels)!;
    attempts.set(id.podUid, Math.max(attempts.get(id.podUid) ?? 0, id.attempt));
    if (ctx.removing.has(s.id) || s.state === 'removing') {
      busy.add(id.podUid);
      continue;
    }
    // The sandbox being made is `created` until its start: not Exited, left alone until the step
    // ends (a running one is judged as usual: its pod's containers may join it at once).
    if (ctx.creating.has(sandboxKey(id.podUid)) && !isRunningState(s.state)) continue;
    const pod = podsByUid.get(id.podUid);
    if (!pod) {
      // Its containers go first (PodDeleted, with their preStop hooks); the sandbox after them.
      if (!withContainers.has(id.podUid)) steps.push(remove(s, 'PodDeleted'));
      continue;
    }
    if (!isRunningState(s.state) || id.hash !== sandboxHash(pod)) {
      steps.push(remove(s, isRunningState(s.state) ? 'SandboxChanged' : 'Exited'));
      // A running one may hold hostPorts until it is gone; a stopped one holds nothing (and one
      // Docker cannot remove, `dead` after EBUSY, must not keep the Pod from a new sandbox).
      if (isRunningState(s.state)) busy.add(id.podUid);
      continue;
    }
    candidates.set(id.podUid, [...(candidates.get(id.podUid) ?? []), s]);
  }
  const ready = new Map<string, ReadySandbox>();
  for (const [uid, list] of candidates) {
    const [keeper, ...duplicates] = [...list].sort((a, b) => (identityOf(b.labels)?.attempt ?? 0) - (identityOf(a.labels)?.attempt ?? 0) || b.createdMs - a.createdMs);
    for (const d of duplicates) steps.push(remove(d, 'Duplicate'));
    const pod = podsByUid.get(uid)!;
    const ip = hostNetworkOf(pod) ? ctx.node?.hostIP || undefined : keeper!.ip;
    ready.set(uid, { id: keeper!.id, ...(ip ? { ip } : {}) });
  }
  return { ready, busy, attempts };
}

/** Why a pod's containers wait for its sandbox (kubelet: ContainerCreating, FailedCreatePodSandBox). */
export type SandboxWait = Pick<WaitStep, 'reason' | 'message' | 'untilMs' | 'eventReason'>;

/**
 * Asks for `pod`'s sandbox: pulls the sandbox image first when it is missing, honours the pull and
 * create backoffs, and otherwise plans its creation. Returns why the pod's containers must wait,
 * when there is something to say. Call it once per pod and pass plan: repeated calls return the
 * first answer.
 */
export function requestSandbox(
  pod: DesiredPod,
  plan: SandboxPlan,
  ctx: SandboxContext,
  steps: Step[],
  pulls: Map<string, PullStep>,
  asked: Map<string, SandboxWait | undefined>,
): SandboxWait | undefined {
  const uid = pod.metadata.uid;
  if (asked.has(uid)) return asked.get(uid);
  const answer = decide();
  asked.set(uid, answer);
  return answer;

  function decide(): SandboxWait | undefined {
    if (plan.busy.has(uid)) return undefined; // the removal's end triggers the next pass
    if (ctx.creating.has(sandboxKey(uid))) return undefined; // so does the creation's
    const failed = (message: string, untilMs: number): SandboxWait => ({ reason: 'ContainerCreating', message: `Failed to create pod sandbox: ${message}`, untilMs, eventReason: 'FailedCreatePodSandBox' });
    const image = normalizeImageRef(ctx.sandboxImage);
    if (!ctx.imagesPresent.has(image)) {
      if (ctx.pullsInProgress.has(image) || pulls.has(image)) return undefined;
      if (ctx.diskPressure !== undefined) {
        return { reason: 'ContainerCreating', message: `Failed to create pod sandbox: ${pullRefusedMessage(ctx.sandboxImage, ctx.diskPressure)}`, eventReason: 'FailedCreatePodSandBox' };
      }
      const failure = ctx.pullFailures.get(image);
      const untilMs = failure ? failure.lastFailureMs + retryDelayMs(failure.attempts) : 0;
      if (failure && ctx.nowMs < untilMs) return failed(`failed to pull sandbox image "${ctx.sandboxImage}": ${failure.message}`, untilMs);
      const step: PullStep = { kind: 'pull', image, requesters: [] };
      pulls.set(image, step);
      steps.push(step);
      return undefined;
    }
    const key = sandboxKey(uid);
    const failure = ctx.createFailures.get(key);
    const untilMs = failure ? failure.lastFailureMs + retryDelayMs(failure.attempts) : 0;
    if (failure && ctx.nowMs < untilMs) return failed(failure.message, untilMs);
    steps.push({ kind: 'sandbox', key, pod, attempt: (plan.attempts.get(uid) ?? 0) + 1, hash: sandboxHash(pod) });
    return undefined;
  }
}

/**
 * The sandboxes of pods that need them no more: every container ended for good (restartPolicy
 * Never, or OnFailure after success). kubelet stops such a pod's sandbox too.
 */
export function completedSandboxes(plan: SandboxPlan, podsByUid: ReadonlyMap<string, DesiredPod>, finished: ReadonlySet<string>, sandboxes: readonly ObservedContainer[]): RemoveStep[] {
  const out: RemoveStep[] = [];
  for (const [uid, ready] of plan.ready) {
    const pod = podsByUid.get(uid)!;
    if (!pod.spec.containers.every((c) => finished.has(containerKey(uid, c.name)))) continue;
    const sandbox = sandboxes.find((s) => s.id === ready.id);
    if (sandbox) out.push(remove(sandbox, 'PodCompleted'));
  }
  return out;
}
