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
  /**
   * The pod containers waiting for it: kubelet records Pulling/Pulled on each of their pods. Empty
   * for the sandbox image, whose pull kubelet does not report as pod events.
   */
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
  /** The pod's running sandbox: the container joins its network namespace. */
  sandboxId: string;
  /** The sandbox's IP, when known (the Pod's managed /etc/hosts names it). */
  podIp?: string;
  /** The environment resolved from env/envFrom (ConfigMaps, Secrets, pod fields), in order. */
  env?: ReadonlyArray<readonly [string, string]>;
  /** Bind mounts of the pod's prepared volumes for this container (agent/volumes). */
  mounts?: readonly VolumeMount[];
  /** kubelet's warnings about the resolution (envFrom keys skipped), recorded as events at creation. */
  warnings?: ReadonlyArray<{ reason: string; message: string }>;
}

/**
 * A pod's volumes after agent/volumes set them up: the mounts of each container by name, or why
 * they could not be (kubelet's FailedMount message).
 */
export type VolumePreparation = { ok: true; mounts: ReadonlyMap<string, readonly VolumeMount[]> } | { ok: false; message: string; volume?: string };

/** A host path bound into a container. */
export interface VolumeMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * Create AND start attempt `attempt` of a pod's sandbox: the pause container whose network
 * namespace the pod's containers join (runtime/sandbox-spec.ts).
 */
export interface SandboxStep {
  kind: 'sandbox';
  /** containerKey(pod uid, SANDBOX_CONTAINER): create failures are kept under it. */
  key: string;
  pod: DesiredPod;
  attempt: number;
  hash: string;
}

/**
 * Why a container goes. SandboxChanged: its pod's sandbox is gone or being replaced (kubelet kills
 * and restarts every container then); PodCompleted: the sandbox of a pod none of whose containers
 * runs or will run again.
 */
export type RemoveReason = 'PodDeleted' | 'ContainerDeleted' | 'SpecChanged' | 'Duplicate' | 'Exited' | 'NeverStarted' | 'Unrecognised' | 'Unhealthy' | 'SandboxChanged' | 'PodCompleted';

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
  record?: { key: string; attempt: number; hash: string; terminated?: ContainerStateTerminated; killedByProbe?: boolean; restartAtOnce?: boolean };
}

/** Record how an attempt ended when there is no container left to remove (it vanished). */
export interface RecordStep {
  kind: 'record';
  key: string;
  terminated: ContainerStateTerminated;
}

export type WaitReason =
  | 'CrashLoopBackOff'
  | 'ImagePullBackOff'
  | 'ErrImagePull'
  | 'ErrImageNeverPull'
  | 'CreateContainerError'
  | 'RunContainerError'
  // env/envFrom refers to a ConfigMap, Secret or key that is not there (retried every pass).
  | 'CreateContainerConfigError'
  // A volume could not be set up (FailedMount; retried every pass).
  | 'ContainerCreating';

/** Nothing to do for this container yet; the reason and message surface in its waiting state. */
export interface WaitStep {
  kind: 'wait';
  key: string;
  ref: PodContainerRef;
  reason: WaitReason;
  message?: string;
  /** When to plan again; undefined: only an outside change (event, resync) can help. */
  untilMs?: number;
  /** The Warning event kubelet records for this wait (FailedMount, FailedCreatePodSandBox), when it records one. */
  eventReason?: string;
}

export type Step = PullStep | SandboxStep | CreateStep | RemoveStep | RecordStep | WaitStep;
export type StepKind = Step['kind'];

export function isActionable(step: Step): boolean {
  return step.kind !== 'wait';
}
