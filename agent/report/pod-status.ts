/**
 * A pod's status as Kubernetes' kubelet computes it (pkg/kubelet/kubelet_pods.go: getPhase,
 * convertToAPIContainerStatuses; pkg/kubelet/status: conditions), from what Docker shows, what the
 * agent remembers (history) and what the last plan is waiting for. Pure: time comes in `nowIso`.
 */
import { computePodQos } from '../../shared/api/qos.js';
import type { Container } from '../../shared/api/schema/pod.js';
import type {
  ConditionStatus,
  ContainerState,
  ContainerStateTerminated,
  ContainerStatus,
  PodCondition,
  PodPhase,
  PodStatus,
} from '../../shared/api/status-types.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { containerKey, dockerContainerId, latestAttemptRecorded, vanishedTermination, type ContainerHistory } from '../reconcile/history.js';
import { specHash } from '../reconcile/spec-hash.js';
import type { WaitStep } from '../reconcile/steps.js';
import { isExitedState, isRunningState, restartsAfter, terminationOf } from '../reconcile/termination.js';
import { containerHealth } from '../health/container-health.js';
import type { ProbeResults } from '../health/prober.js';
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { normalizeImageRef } from '../runtime/image-ref.js';
import { formatPullProgressMessage, type PullProgress } from '../../shared/pull-progress-message.js';

export interface PodStatusInput {
  pod: DesiredPod;
  /** This pod's containers as Docker shows them (any attempt, any state). */
  containers: readonly ObservedContainer[];
  /** The address of the pod's running sandbox (or the node's, hostNetwork); absent while it has none. */
  podIP?: string;
  history: ReadonlyMap<string, ContainerHistory>;
  /** The last plan's waits, by pod container key. */
  waits: ReadonlyMap<string, WaitStep>;
  /** What the probes say, by Docker id (containers without probes are absent). */
  probeResults?: ReadonlyMap<string, ProbeResults>;
  hostIP: string;
  nowIso: string;
  observedGeneration: number;
  /** The status last reported, to keep lastTransitionTime and startTime stable. */
  previous?: PodStatus;
}

function attemptOf(c: ObservedContainer): number {
  return identityOf(c.labels)?.attempt ?? 0;
}

/** The container that represents this pod container now: a running one, else the latest attempt. */
function currentOf(containers: readonly ObservedContainer[]): ObservedContainer | undefined {
  return [...containers].sort(
    (a, b) => Number(isRunningState(b.state)) - Number(isRunningState(a.state)) || attemptOf(b) - attemptOf(a) || b.createdMs - a.createdMs,
  )[0];
}

export function containerStatus(input: PodStatusInput, spec: Container): ContainerStatus {
  const { pod } = input;
  const key = containerKey(pod.metadata.uid, spec.name);
  const mine = input.containers.filter((c) => identityOf(c.labels)?.container === spec.name);
  // A container Docker is removing tells how it ended only if it had finished (our own removals
  // stop first); one removed while running (`docker rm -f`) is about to count as vanished.
  const current = currentOf(mine.filter((c) => c.state !== 'removing' || c.finishedAt !== undefined));
  const history = input.history.get(key);
  const attempts = Math.max(history?.attempts ?? 0, ...mine.map(attemptOf));
  const nowMs = Date.parse(input.nowIso);
  // The latest attempt vanished and the planner has not recorded it yet (plan.ts records it on its
  // next pass): report it as Kubernetes would meanwhile.
  const lastEnded: ContainerStateTerminated | undefined =
    history && history.attempts > 0 && !current && history.lastHash === specHash(pod, spec) && !latestAttemptRecorded(history)
      ? vanishedTermination(history, nowMs)
      : history?.lastTerminated;

  let state: ContainerState;
  const wait = input.waits.get(key);
  if (current && isRunningState(current.state)) {
    state = { running: { ...(current.startedAt ? { startedAt: current.startedAt } : {}) } };
  } else if (current && (isExitedState(current.state) || current.state === 'removing')) {
    state = { terminated: terminationOf(current) };
  } else if (!current && wait) {
    state = { waiting: { reason: wait.reason, ...(wait.message ? { message: wait.message } : {}) } };
  } else if (!current && lastEnded && !restartsAfter(pod.spec.restartPolicy, lastEnded, history?.lastKilledByProbe)) {
    state = { terminated: lastEnded };
  } else {
    state = { waiting: { reason: 'ContainerCreating' } };
  }
  // lastState is the attempt before the one `state` shows: the latest recorded end, or — when that
  // is the very container shown as terminated (recorded, not yet removed) — the one before it.
  const before = lastEnded && state.terminated?.containerID === lastEnded.containerID ? history?.previousTerminated : lastEnded;
  const lastState: ContainerState = before && state.terminated?.containerID !== before.containerID ? { terminated: before } : {};
  const running = state.running !== undefined;
  const health = containerHealth(spec, current ? input.probeResults?.get(current.id) : undefined);
  return {
    name: spec.name,
    state,
    lastState,
    ready: running && health.ready,
    restartCount: Math.max(0, attempts - 1),
    image: spec.image,
    imageID: current?.imageID ? `docker://${current.imageID}` : '',
    ...(current ? { containerID: dockerContainerId(current.id) } : {}),
    started: running && health.started,
  };
}

/** kubelet's getPhase, for a pod without init containers. */
export function podPhase(restartPolicy: DesiredPod['spec']['restartPolicy'], statuses: readonly ContainerStatus[]): PodPhase {
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++; // waiting to restart
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if ((restartPolicy ?? 'Always') === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running'; // OnFailure: a failed container is restarting
  }
  return 'Pending';
}

function condition(type: PodCondition['type'], status: ConditionStatus, nowIso: string, previous: PodStatus | undefined, reason?: string, message?: string): PodCondition {
  const before = previous?.conditions?.find((c) => c.type === type);
  const lastTransitionTime = before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : nowIso;
  return { type, status, lastProbeTime: null, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

export function computePodStatus(input: PodStatusInput): PodStatus {
  const { pod, previous, nowIso } = input;
  const statuses = pod.spec.containers.map((spec) => containerStatus(input, spec));
  const phase = podPhase(pod.spec.restartPolicy, statuses);
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const ready: ConditionStatus = unready.length === 0 ? 'True' : 'False';
  const [reason, message] =
    unready.length === 0 ? [undefined, undefined] : phase === 'Succeeded' || phase === 'Failed' ? ['PodCompleted', undefined] : ['ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`];
  // A finished pod's sandbox is gone; its IP stays in the status, as kubelet keeps it for terminal pods.
  const podIP = input.podIP ?? (phase === 'Succeeded' || phase === 'Failed' ? previous?.podIP : undefined);
  const created = input.containers.map((c) => c.createdMs).filter((ms) => ms > 0);
  const startTime = previous?.startTime ?? (created.length > 0 ? new Date(Math.min(...created)).toISOString() : nowIso);
  return {
    phase,
    conditions: [
      condition('Initialized', 'True', nowIso, previous),
      condition('Ready', ready, nowIso, previous, reason, message),
      condition('ContainersReady', ready, nowIso, previous, reason, message),
      condition('PodScheduled', 'True', nowIso, previous),
    ],
    hostIP: input.hostIP,
    ...(podIP ? { podIP } : {}),
    startTime,
    containerStatuses: statuses,
    // Set by the API server at creation in Kubernetes; the node's report carries it too, so a
    // status written from the node never loses it.
    qosClass: computePodQos(pod),
    observedGeneration: input.observedGeneration,
  };
}

/**
 * The status with pull progress (issue #9) in the waiting message of each container still being
 * created while its image is pulled: `reason: ContainerCreating` as kubelet says it, and
 * `message: Pulling image "reg/x:2": 12.3 MB of 45.6 MB, 3 of 7 layers`
 * (shared/pull-progress-message.ts). A waiting state that already explains itself keeps its message.
 * `progressOf` takes the normalised image reference, the key pulls run under.
 */
export function withPullProgress(status: PodStatus, progressOf: (image: string) => PullProgress | undefined): PodStatus {
  let changed = false;
  const containerStatuses = status.containerStatuses?.map((cs) => {
    const waiting = cs.state.waiting;
    if (waiting?.reason !== 'ContainerCreating' || waiting.message !== undefined) return cs;
    const progress = progressOf(normalizeImageRef(cs.image));
    if (!progress) return cs;
    changed = true;
    return { ...cs, state: { waiting: { ...waiting, message: formatPullProgressMessage(cs.image, progress) } } };
  });
  return changed ? { ...status, containerStatuses } : status;
}

/** What the eviction manager recorded of a Pod it evicted (agent/eviction/evicted-pods.ts). */
export interface EvictionFacts {
  message: string;
  evictedAt: string;
  /** When the Pod's first container was created, if it had any left then. */
  startTime?: string;
  containers: ReadonlyArray<{ name: string; terminated: ContainerStateTerminated; restartCount: number; imageID: string }>;
}

/**
 * An evicted Pod's status, as kubelet's eviction manager leaves it (pkg/kubelet/eviction
 * evictPod): phase Failed, reason Evicted, the eviction message, every container terminated — how
 * it ended when it was running, else as kubelet reports a container it cannot find in a
 * terminal Pod. Stays so until the hub deletes the Pod: it is never restarted.
 */
export function evictedPodStatus(pod: DesiredPod, eviction: EvictionFacts, fields: { hostIP: string; observedGeneration: number; previous?: PodStatus }): PodStatus {
  const { previous } = fields;
  // Conditions changed when the Pod was evicted, not when this report is built: stable across reports.
  const at = eviction.evictedAt;
  const containerStatuses: ContainerStatus[] = pod.spec.containers.map((spec) => {
    const ended = eviction.containers.find((c) => c.name === spec.name);
    const terminated: ContainerStateTerminated = ended?.terminated ?? {
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
      message: 'The container could not be located when the pod was terminated',
      finishedAt: eviction.evictedAt,
    };
    return {
      name: spec.name,
      state: { terminated },
      lastState: {},
      ready: false,
      restartCount: ended?.restartCount ?? 0,
      image: spec.image,
      imageID: ended?.imageID ? `docker://${ended.imageID}` : '',
      ...(terminated.containerID ? { containerID: terminated.containerID } : {}),
      started: false,
    };
  });
  return {
    phase: 'Failed',
    conditions: [
      condition('Initialized', 'True', at, previous),
      condition('Ready', 'False', at, previous, 'PodCompleted'),
      condition('ContainersReady', 'False', at, previous, 'PodCompleted'),
      condition('PodScheduled', 'True', at, previous),
    ],
    message: eviction.message,
    reason: 'Evicted',
    hostIP: fields.hostIP,
    startTime: previous?.startTime ?? eviction.startTime ?? eviction.evictedAt,
    containerStatuses,
    qosClass: computePodQos(pod),
    observedGeneration: fields.observedGeneration,
  };
}
