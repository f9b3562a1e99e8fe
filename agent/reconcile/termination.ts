/** How an exited container is reported, as kubelet does (reason OOMKilled, Completed or Error). */
import type { ContainerStateTerminated } from '../../shared/api/status-types.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { dockerContainerId } from './history.js';

export function terminationOf(container: ObservedContainer): ContainerStateTerminated {
  const reason = container.oomKilled ? 'OOMKilled' : container.exitCode === 0 ? 'Completed' : 'Error';
  return {
    exitCode: container.exitCode,
    reason,
    ...(container.error ? { message: container.error } : {}),
    ...(container.startedAt ? { startedAt: container.startedAt } : {}),
    ...(container.finishedAt ? { finishedAt: container.finishedAt } : {}),
    containerID: dockerContainerId(container.id),
  };
}

/** Whether restartPolicy restarts a container that ended with exitCode (Kubernetes: Always, or OnFailure and non-zero). */
export function shouldRestart(restartPolicy: 'Always' | 'OnFailure' | 'Never' | undefined, exitCode: number): boolean {
  const policy = restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/**
 * Whether the latest recorded attempt restarts: by restartPolicy and exit code, except that a
 * container killed for failing a probe restarts under any policy but Never (kubelet's
 * computePodActions), whatever code it exited with.
 */
export function restartsAfter(restartPolicy: 'Always' | 'OnFailure' | 'Never' | undefined, terminated: ContainerStateTerminated, killedByProbe: boolean | undefined): boolean {
  if (killedByProbe) return (restartPolicy ?? 'Always') !== 'Never';
  return shouldRestart(restartPolicy, terminated.exitCode);
}

export function isRunningState(state: ObservedContainer['state']): boolean {
  return state === 'running' || state === 'paused' || state === 'restarting';
}

export function isExitedState(state: ObservedContainer['state']): boolean {
  return state === 'exited' || state === 'dead';
}
