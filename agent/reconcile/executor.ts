/**
 * The thin executor (style.md lesson 1): one function per step kind, in a table whose type makes
 * a new kind fail to compile until it has an executor. Executors never throw: a failure is logged
 * with its context and recorded where the planner (backoff) and the pod status (waiting reason)
 * will see it. Pulls and removals run in the background (in-flight.ts); the loop runs sandboxes
 * and creates in the background too (its `creations`), and awaits records.
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import type { NodeEvent } from '../../shared/mqtt/messages.js';
import type { ContainerStateTerminated } from '../../shared/api/status-types.js';
import { graceAfterHook, runPreStop } from '../health/pre-stop.js';
import { podEvent, type PodEventType } from '../report/pod-event.js';
import type { DockerApi } from '../runtime/docker-api.js';
import { containerCreateBody } from '../runtime/container-spec.js';
import { sandboxCreateBody } from '../runtime/sandbox-spec.js';
import { SANDBOX_GRACE_SECONDS } from './plan-sandbox.js';
import type { ContainerIdentity } from '../runtime/labels.js';
import type { AgentStore } from '../store/agent-store.js';
import { FailureState } from './failures.js';
import { dockerContainerId, withAttempt, withEndedAttempt, withTermination } from './history.js';
import type { InFlight } from './in-flight.js';
import { graceSecondsOf, pullKey } from './plan.js';
import type { CreateStep, PodContainerRef, RemoveStep, Step, StepKind, WaitStep } from './steps.js';
import type { PodHostsFiles } from '../services/pod-hosts.js';
import { savePreviousLog } from '../logs/previous-logs.js';
import { terminationOf } from './termination.js';
import type { ConfigLookup } from '../config/config-lookup.js';
import { pullCredentials, type RegistryAuth } from '../config/pull-auth.js';
import type { PullProgressBoard } from '../runtime/pull-progress.js';

export type Executors = { [K in StepKind]: (step: Extract<Step, { kind: K }>) => Promise<void> };

export interface ExecutorDeps {
  api: DockerApi;
  store: Pick<AgentStore, 'history' | 'putHistory'>;
  node: string;
  nodeIp?: string;
  /** --pod-max-pids for each container; undefined: unlimited. */
  podMaxPids?: number;
  /** --pod-infra-image: what every pod sandbox runs. */
  sandboxImage: string;
  now(): number;
  log: Logger;
  pulls: InFlight;
  removals: InFlight;
  failures: FailureState;
  /** Called when Docker state the observer cached has changed under it. */
  invalidate?(containerId: string): void;
  /** kubelet-style events about pods (event-publisher.ts sends them to the hub). */
  emit?(event: NodeEvent): void;
  /** The ConfigMaps and Secrets of the desired state now (imagePullSecrets). */
  config?(): ConfigLookup;
  /** Each Pod's managed /etc/hosts (services/pod-hosts.ts), bind-mounted into its containers. */
  hostsFiles?: Pick<PodHostsFiles, 'ensure'>;
  /** The agent's data dir: an ended attempt's output is kept there for `logs --previous` (logs/previous-logs.ts). */
  dataDir?: string;
  /** Where each pull in flight leaves its latest progress, for the pod status (issue #9). */
  pullProgress?: Pick<PullProgressBoard, 'update' | 'finish'>;
}

/** kubelet's /etc/hosts mount: in the Pod's own network namespace, unless the container mounts its own. */
async function withHostsMount(deps: ExecutorDeps, step: CreateStep): Promise<CreateStep['mounts']> {
  const mounts = step.mounts ?? [];
  if (!deps.hostsFiles || step.podIp === undefined || step.pod.spec.hostNetwork === true || mounts.some((m) => m.target === ETC_HOSTS)) return step.mounts;
  const source = await deps.hostsFiles.ensure(step.pod, step.podIp);
  return [...mounts, { source, target: ETC_HOSTS, readOnly: false }];
}

const ETC_HOSTS = '/etc/hosts';

/** kubelet's event for a wait, or undefined when the wait is not worth one. */
function waitEvent(step: WaitStep): { type: PodEventType; reason: string; message: string } | undefined {
  const { pod, container } = step.ref;
  switch (step.reason) {
    case 'CrashLoopBackOff':
      return { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${container.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` };
    case 'ImagePullBackOff':
      return { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${container.image}"` };
    case 'ErrImageNeverPull':
      return { type: 'Warning', reason: 'ErrImageNeverPull', message: step.message ?? `Container image "${container.image}" is not present with pull policy of Never` };
    case 'CreateContainerError':
    case 'RunContainerError':
    case 'CreateContainerConfigError':
      return { type: 'Warning', reason: 'Failed', message: `Error: ${step.message ?? step.reason}` };
    case 'ContainerCreating':
      // A failed mount or a sandbox that cannot be made; a plain "being created" says nothing.
      return step.eventReason && step.message ? { type: 'Warning', reason: step.eventReason, message: step.message } : undefined;
    case 'ErrImagePull':
      // A pull that failed said so in its own Failed events; one refused before it started says it here.
      return step.eventReason && step.message ? { type: 'Warning', reason: step.eventReason, message: `Failed to pull image "${container.image}": ${step.message}` } : undefined;
    default:
      return undefined;
  }
}

export function createExecutors(deps: ExecutorDeps): Executors {
  const { api, store, log, failures } = deps;
  const emit = (ref: Pick<PodContainerRef, 'pod'> & { container: { name: string } }, type: PodEventType, reason: string, message: string): void => {
    deps.emit?.(podEvent(ref.pod, ref.container.name, type, reason, message, deps.now()));
  };
  const emitFor = (id: ContainerIdentity, type: PodEventType, reason: string, message: string): void => {
    emit({ pod: { metadata: { name: id.podName, namespace: id.namespace, uid: id.podUid } } as PodContainerRef['pod'], container: { name: id.container } }, type, reason, message);
  };
  const { pulledFor, announcedWaits } = failures;

  const stopGracefully = async (step: RemoveStep): Promise<void> => {
    let grace = step.graceSeconds;
    if (step.preStop) {
      const startedMs = deps.now();
      const failure = await runPreStop(step.preStop.handler, (command, timeoutMs) => api.exec(step.containerId, command, timeoutMs), step.preStop.podIp, grace * 1000);
      if (failure !== undefined) {
        log.warn({ containerId: step.containerId.slice(0, 12), err: failure }, 'preStop hook failed');
        if (step.identity) emitFor(step.identity, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${failure}`);
      }
      grace = graceAfterHook(grace, deps.now() - startedMs);
    }
    await api.stopContainer(step.containerId, grace);
  };

  /** How a container Skiff just stopped ended, from Docker (or as kubelet reports a lost one). */
  const endedState = async (containerId: string): Promise<ContainerStateTerminated> => {
    const details = await api.inspectContainer(containerId);
    if (details) return terminationOf(details);
    return { exitCode: 137, reason: 'ContainerStatusUnknown', finishedAt: new Date(deps.now()).toISOString(), containerID: dockerContainerId(containerId) };
  };

  return {
    async pull(step) {
      deps.pulls.run(step.image, async () => {
        log.info({ image: step.image }, 'pulling image');
        // The first requester whose pull secrets have the registry lends its credentials (kubelet
        // pulls per pod; Skiff pulls each image once for all pods waiting for it).
        const lookup = deps.config?.() ?? (() => undefined);
        let auth: RegistryAuth | undefined;
        for (const ref of step.requesters) {
          const found = pullCredentials(ref.pod, ref.container.image, lookup);
          auth ??= found.auth;
          if (found.missing.length > 0) {
            emit(ref, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${found.missing.join(', ')}); attempting to pull the image may not succeed.`);
          }
        }
        for (const ref of step.requesters) emit(ref, 'Normal', 'Pulling', `Pulling image "${ref.container.image}"`);
        const startedMs = deps.now();
        // Failures are kept per image and pull secrets; the sandbox image's (no requesters) by image.
        const keys = step.requesters.length > 0 ? new Set(step.requesters.map((ref) => pullKey(ref.pod, step.image))) : new Set([step.image]);
        const board = deps.pullProgress;
        try {
          await api.pullImage(step.image, auth, board && ((progress) => board.update(step.image, progress)));
          for (const key of keys) failures.pullFailures.delete(key);
          failures.pulledAtMs.set(step.image, deps.now());
          const seconds = ((deps.now() - startedMs) / 1000).toFixed(3);
          for (const ref of step.requesters) {
            pulledFor.add(ref.key);
            emit(ref, 'Normal', 'Pulled', `Successfully pulled image "${ref.container.image}" in ${seconds}s (${seconds}s including waiting)`);
          }
          log.info({ image: step.image }, 'pulled image');
        } catch (err) {
          const failure = [...keys].map((key) => FailureState.record(failures.pullFailures, key, 'ErrImagePull', errorMessage(err), deps.now()))[0]!;
          for (const ref of step.requesters) {
            emit(ref, 'Warning', 'Failed', `Failed to pull image "${ref.container.image}": ${errorMessage(err)}`);
            emit(ref, 'Warning', 'Failed', 'Error: ErrImagePull');
          }
          log.warn({ image: step.image, withCredentials: auth !== undefined, attempts: failure.attempts, err: errorMessage(err) }, 'image pull failed');
        } finally {
          // Before the pass this pull's end triggers: its statuses no longer say "Pulling".
          board?.finish(step.image);
        }
      });
    },

    async create(step) {
      const { pod, container } = step;
      const context = { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: container.name, attempt: step.attempt };
      let id: string | undefined;
      let created = false;
      try {
        const mounts = await withHostsMount(deps, step);
        const body = containerCreateBody({
          node: deps.node,
          pod,
          sandboxId: step.sandboxId,
          container,
          attempt: step.attempt,
          hash: step.hash,
          graceSeconds: graceSecondsOf(pod),
          ...(deps.podMaxPids !== undefined ? { pidsLimit: deps.podMaxPids } : {}),
          ...(step.env ? { environment: step.env } : {}),
          ...(mounts ? { mounts } : {}),
        });
        for (const warning of step.warnings ?? []) emit(step, 'Warning', warning.reason, warning.message);
        if (!pulledFor.delete(step.key)) emit(step, 'Normal', 'Pulled', `Container image "${container.image}" already present on machine`);
        id = await api.createContainer(body);
        emit(step, 'Normal', 'Created', `Created container ${container.name}`);
        created = true;
        await api.startContainer(id);
        store.putHistory(step.key, withAttempt(store.history().get(step.key), { attempt: step.attempt, containerId: id, hash: step.hash, startedAtMs: deps.now() }));
        failures.createFailures.delete(step.key);
        announcedWaits.delete(step.key);
        emit(step, 'Normal', 'Started', `Started container ${container.name}`);
        log.info({ ...context, containerId: id.slice(0, 12) }, 'started container');
      } catch (err) {
        // Leave nothing half-made behind: the retry creates afresh after the backoff.
        if (id !== undefined) await api.removeContainer(id).catch(() => undefined);
        const reason = created ? 'RunContainerError' : 'CreateContainerError';
        const failure = FailureState.record(failures.createFailures, step.key, reason, errorMessage(err), deps.now());
        log.warn({ ...context, failures: failure.attempts, err: errorMessage(err) }, 'container create failed');
      }
    },

    async sandbox(step) {
      const { pod } = step;
      const context = { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, sandboxAttempt: step.attempt };
      let id: string | undefined;
      try {
        const body = sandboxCreateBody({
          node: deps.node,
          ...(deps.nodeIp !== undefined ? { nodeIp: deps.nodeIp } : {}),
          pod,
          image: deps.sandboxImage,
          attempt: step.attempt,
          hash: step.hash,
          graceSeconds: SANDBOX_GRACE_SECONDS,
        });
        // kubelet says so when a pod gets a sandbox after its first (its containers restart in it).
        if (step.attempt > 1) deps.emit?.(podEvent(pod, undefined, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.', deps.now()));
        id = await api.createContainer(body);
        // Remembered before the start: the next sandbox is numbered after this one even if Docker loses it.
        store.putHistory(step.key, withAttempt(store.history().get(step.key), { attempt: step.attempt, containerId: id, hash: step.hash, startedAtMs: deps.now() }));
        await api.startContainer(id);
        failures.createFailures.delete(step.key);
        log.info({ ...context, containerId: id.slice(0, 12) }, 'started pod sandbox');
      } catch (err) {
        // As a failed create: nothing half-made left; the pod's containers wait with
        // FailedCreatePodSandBox (plan-sandbox.ts) until the backoff lets the next attempt go.
        if (id !== undefined) await api.removeContainer(id).catch(() => undefined);
        const failure = FailureState.record(failures.createFailures, step.key, 'FailedCreatePodSandBox', errorMessage(err), deps.now());
        log.warn({ ...context, failures: failure.attempts, err: errorMessage(err) }, 'pod sandbox create failed');
      }
    },

    async remove(step) {
      deps.removals.run(step.containerId, async () => {
        const context = { containerId: step.containerId.slice(0, 12), reason: step.reason };
        try {
          if (step.killingMessage && step.identity) emitFor(step.identity, 'Normal', 'Killing', step.killingMessage);
          await stopGracefully(step);
          if (step.record && step.identity && deps.dataDir !== undefined) {
            // Before the container (and its output) goes: `logs --previous` reads this copy.
            await savePreviousLog(api, deps.dataDir, step.identity.podUid, step.identity.container, step.containerId).catch((err: unknown) =>
              log.warn({ ...context, err: errorMessage(err) }, 'cannot keep the output of the ended container for logs --previous'),
            );
          }
          if (step.record) {
            const { key, terminated, ...ended } = step.record;
            const how = terminated ?? (await endedState(step.containerId));
            store.putHistory(key, withEndedAttempt(store.history().get(key), { ...ended, terminated: how, containerId: step.containerId }));
            // The kernel killed it at its memory limit: worth saying on the Pod, not only in its lastState.
            if (how?.reason === 'OOMKilled' && step.identity) {
              emitFor(step.identity, 'Warning', 'OOMKilled', `Container ${step.identity.container} was killed by the kernel for exceeding its memory limit (exit code ${how.exitCode})`);
            }
          }
          await api.removeContainer(step.containerId);
          deps.invalidate?.(step.containerId);
          log.info(context, 'removed container');
        } catch (err) {
          log.warn({ ...context, err: errorMessage(err) }, 'container removal failed');
          throw err;
        }
      });
    },

    async record(step) {
      store.putHistory(step.key, withTermination(store.history().get(step.key), step.terminated));
      log.info({ key: step.key, reason: step.terminated.reason }, 'recorded container termination');
    },

    async wait(step) {
      // Nothing to do but say so, once per backoff period: the loop sleeps until the earliest untilMs or the next trigger.
      const event = waitEvent(step);
      if (!event) return;
      // The same reason and deadline is the same wait; a new backoff period is a new one. A wait
      // without deadline (missing config, failed mount) is new when its message changes.
      const what = `${step.reason}:${step.untilMs ?? step.message ?? ''}`;
      if (announcedWaits.get(step.key) === what) return;
      announcedWaits.set(step.key, what);
      emit(step.ref, event.type, event.reason, event.message);
    },
  };
}

/** Runs one step through the table (the cast is safe: the table is keyed by kind). */
export function execute(executors: Executors, step: Step): Promise<void> {
  return (executors[step.kind] as (s: Step) => Promise<void>)(step);
}
