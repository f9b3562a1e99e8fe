/**
 * What the planner asks for, as a typed union (style.md lesson 1). The executor table in
 * executor.ts is keyed by `kind`, so a new kind does not compile until it has an executor.
 */
import type { Container } from '../../shared/api/schema/pod.js';
import type { ContainerStateTerminated } from '../../shared/api/status-types.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import type { ContainerIdentity, PreStopHandler } from '../runtime/labels.js';

/** A pod container an action is for (events name it). */
export interface PodContainerRef {
  pod: DesiredPod;
  container: Container;
  key: string;
}

export interface PullStep {
  kind: 'pull';
  /** Normalised reference (image-ref.ts). */
  image: string;
  /** The pod containers waiting for it: kubelet records Pulling/Pulled on each of their pods. */
  requesters: PodContainerRef[];
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

export type RemoveReason = 'PodDeleted' | 'ContainerDeleted' | 'SpecChanged' | 'Duplicate' | 'Exited' | 'NeverStarted' | 'Unrecognised' | 'Unhealthy';

/**
 * Graceful stop — the preStop hook, SIGTERM, SIGKILL once graceSeconds have passed — then
 * removal.
 */
export interface RemoveStep {
  kind: 'remove';
  containerId: string;
  reason: RemoveReason;
  graceSeconds: number;
  /** Which pod container it is (from its labels), for events; absent for unrecognised containers. */
  identity?: ContainerIdentity;
  /** Run first when the container is running (from its label: the pod may be gone already). */
  preStop?: { handler: PreStopHandler; podIp?: string };
  /** kubelet's Killing event message, when this stop is one a user should see. */
  killingMessage?: string;
  /**
   * Written to the history of `key` before the container is removed: how that attempt ended —
   * `terminated` when it had ended already, otherwise read from Docker after the stop.
   */
  record?: { key: string; attempt: number; hash: string; terminated?: ContainerStateTerminated; killedByProbe?: boolean };
}

/** Record how an attempt ended when there is no container left to remove (it vanished). */
export interface RecordStep {
  kind: 'record';
  key: string;
  terminated: ContainerStateTerminated;
}

export type WaitReason = 'CrashLoopBackOff' | 'ImagePullBackOff' | 'ErrImagePull' | 'ErrImageNeverPull' | 'CreateContainerError' | 'RunContainerError';

/** Nothing to do for this container yet; the reason and message surface in its waiting state. */
export interface WaitStep {
  kind: 'wait';
  key: string;
  ref: PodContainerRef;
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
