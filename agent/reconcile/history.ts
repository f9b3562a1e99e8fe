/**
 * What the agent remembers about one pod container across its attempts (the container_history
 * table). Docker forgets a container once it is removed; this row is how restartCount, lastState
 * and the restart backoff survive removals and agent restarts. Updates are pure functions, shared
 * by the executor and the tests' simulated runtime so the two cannot drift.
 */
import type { ContainerStateTerminated } from '../../shared/api/status-types.js';
import { nextStreak } from './restart-backoff.js';

export interface ContainerHistory {
  /** Containers created for this pod container so far; restartCount = attempts - 1. */
  attempts: number;
  /** Docker id and spec hash of the latest attempt. */
  lastContainerId?: string;
  lastHash?: string;
  lastStartedAtMs?: number;
  /** How the latest recorded attempt ended; containerID says which attempt it was. */
  lastTerminated?: ContainerStateTerminated;
  /** How the attempt before that ended: lastState while the latest ended one is still shown as the current state. */
  previousTerminated?: ContainerStateTerminated;
  /** Consecutive terminations since the restart backoff was last reset (see restart-backoff.ts). */
  backoffStreak: number;
  /** The latest attempt was killed for failing its liveness or startup probe (kubelet restarts it unless restartPolicy is Never). */
  lastKilledByProbe?: boolean;
}

export const EMPTY_HISTORY: ContainerHistory = Object.freeze({ attempts: 0, backoffStreak: 0 });

/** "<pod uid>/<container name>": the key of every per-container map in the agent. */
export function containerKey(podUid: string, container: string): string {
  return `${podUid}/${container}`;
}

export function dockerContainerId(id: string | undefined): string {
  return `docker://${id ?? ''}`;
}

export function withAttempt(
  history: ContainerHistory | undefined,
  attempt: { attempt: number; containerId: string; hash: string; startedAtMs: number },
): ContainerHistory {
  const base = history ?? EMPTY_HISTORY;
  return {
    ...base,
    attempts: Math.max(base.attempts, attempt.attempt),
    lastContainerId: attempt.containerId,
    lastHash: attempt.hash,
    lastStartedAtMs: attempt.startedAtMs,
  };
}

/**
 * How an attempt was ended by Skiff: killedByProbe (failed liveness/startup: restarted unless
 * restartPolicy is Never), restartAtOnce (its pod's sandbox was replaced: kubelet starts every
 * container of the new sandbox at once, so the restart backoff starts over).
 */
export interface EndedBy {
  killedByProbe?: boolean;
  restartAtOnce?: boolean;
}

/** Records how an attempt ended. Idempotent: recording the same container twice changes nothing. */
export function withTermination(history: ContainerHistory | undefined, terminated: ContainerStateTerminated, endedBy: EndedBy = {}): ContainerHistory {
  const base = history ?? EMPTY_HISTORY;
  if (base.lastTerminated?.containerID === terminated.containerID) return base;
  const started = terminated.startedAt ? Date.parse(terminated.startedAt) : NaN;
  const finished = terminated.finishedAt ? Date.parse(terminated.finishedAt) : NaN;
  const ranMs = Number.isFinite(started) && Number.isFinite(finished) ? finished - started : undefined;
  const { lastKilledByProbe: _previous, previousTerminated: _older, ...rest } = base;
  return {
    ...rest,
    ...(base.lastTerminated ? { previousTerminated: base.lastTerminated } : {}),
    lastTerminated: terminated,
    backoffStreak: endedBy.restartAtOnce ? 0 : nextStreak(base.backoffStreak, ranMs),
    ...(endedBy.killedByProbe ? { lastKilledByProbe: true } : {}),
  };
}

/**
 * Records the end of the attempt a container was (from its labels) when Skiff removes it. Also
 * makes that attempt the latest if the history lags behind (an agent that died between starting a
 * container and writing its history), so the end is never mistaken for a vanished container.
 */
export function withEndedAttempt(
  history: ContainerHistory | undefined,
  ended: { attempt: number; containerId: string; hash: string; terminated: ContainerStateTerminated } & EndedBy,
): ContainerHistory {
  const base = history ?? EMPTY_HISTORY;
  const startedMs = ended.terminated.startedAt ? Date.parse(ended.terminated.startedAt) : NaN;
  const current =
    ended.attempt >= base.attempts
      ? {
          ...base,
          attempts: ended.attempt,
          lastContainerId: ended.containerId,
          lastHash: ended.hash,
          ...(Number.isFinite(startedMs) ? { lastStartedAtMs: startedMs } : {}),
        }
      : base;
  return withTermination(current, ended.terminated, { ...(ended.killedByProbe ? { killedByProbe: true } : {}), ...(ended.restartAtOnce ? { restartAtOnce: true } : {}) });
}

/** True when the latest attempt's end has been recorded (false: it vanished, e.g. `docker rm -f`). */
export function latestAttemptRecorded(history: ContainerHistory): boolean {
  return history.lastTerminated?.containerID === dockerContainerId(history.lastContainerId);
}

/**
 * A container that disappeared without Skiff removing it: Kubernetes reports such a container as
 * terminated with reason ContainerStatusUnknown and exit code 137 (kubelet, convertToAPIContainerStatuses).
 */
export function vanishedTermination(history: ContainerHistory, nowMs: number): ContainerStateTerminated {
  return {
    exitCode: 137,
    reason: 'ContainerStatusUnknown',
    message: 'The container could not be located when the pod was terminated',
    ...(history.lastStartedAtMs !== undefined ? { startedAt: new Date(history.lastStartedAtMs).toISOString() } : {}),
    finishedAt: new Date(nowMs).toISOString(),
    containerID: dockerContainerId(history.lastContainerId),
  };
}
