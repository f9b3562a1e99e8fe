/**
 * What the planner asks for, as a typed union (style.md lesson 1). The executor table in
 * executor.ts is keyed by `kind`, so a new kind does not compile until it has an executor.
 */
import type { Container } from '../../shared/api/schema/pod.js';
import type { ContainerStateTerminated } from '../../shared/api/status-types.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';

export interface PullStep {
  kind: 'pull';
  /** Normalised reference (image-ref.ts). */
  image: string;
}

/** Create AND start attempt `attempt` of one pod container. */
export interface CreateStep {
  kind: 'create';
  key: string;
  pod: DesiredPod;
  container: Container;
  attempt: number;
  hash: string;
}

export type RemoveReason = 'PodDeleted' | 'ContainerDeleted' | 'SpecChanged' | 'Duplicate' | 'Exited' | 'NeverStarted' | 'Unrecognised';

/** Graceful stop (SIGTERM, SIGKILL after graceSeconds), then removal. */
export interface RemoveStep {
  kind: 'remove';
  containerId: string;
  reason: RemoveReason;
  graceSeconds: number;
  /** Written to the history of `key` before the container is removed: how that attempt ended. */
  record?: { key: string; attempt: number; hash: string; terminated: ContainerStateTerminated };
}

/** Record how an attempt ended when there is no container left to remove (it vanished). */
export interface RecordStep {
  kind: 'record';
  key: string;
  terminated: ContainerStateTerminated;
}

export type WaitReason = 'CrashLoopBackOff' | 'ImagePullBackOff' | 'ErrImagePull' | 'ErrImageNeverPull' | 'CreateContainerError';

/** Nothing to do for this container yet; the reason and message surface in its waiting state. */
export interface WaitStep {
  kind: 'wait';
  key: string;
  reason: WaitReason;
  message?: string;
  /** When to plan again; undefined: only an outside change (event, resync) can help. */
  untilMs?: number;
}

export type Step = PullStep | CreateStep | RemoveStep | RecordStep | WaitStep;
export type StepKind = Step['kind'];

export function isActionable(step: Step): boolean {
  return step.kind !== 'wait';
}
