/**
 * The thin executor (style.md lesson 1): one function per step kind, in a table whose type makes
 * a new kind fail to compile until it has an executor. Executors never throw: a failure is logged
 * with its context and recorded where the planner (backoff) and the pod status (waiting reason)
 * will see it. Pulls and removals run in the background (in-flight.ts); creates and records are
 * awaited by the loop, which then observes again.
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import type { DockerApi } from '../runtime/docker-api.js';
import { containerCreateBody } from '../runtime/container-spec.js';
import type { AgentStore } from '../store/agent-store.js';
import { FailureState } from './failures.js';
import { withAttempt, withEndedAttempt, withTermination } from './history.js';
import type { InFlight } from './in-flight.js';
import { graceSecondsOf } from './plan.js';
import type { Step, StepKind } from './steps.js';

export type Executors = { [K in StepKind]: (step: Extract<Step, { kind: K }>) => Promise<void> };

export interface ExecutorDeps {
  api: DockerApi;
  store: Pick<AgentStore, 'history' | 'putHistory'>;
  node: string;
  nodeIp?: string;
  now(): number;
  log: Logger;
  pulls: InFlight;
  removals: InFlight;
  failures: FailureState;
  /** Called when Docker state the observer cached has changed under it. */
  invalidate?(containerId: string): void;
}

export function createExecutors(deps: ExecutorDeps): Executors {
  const { api, store, log, failures } = deps;
  return {
    async pull(step) {
      deps.pulls.run(step.image, async () => {
        log.info({ image: step.image }, 'pulling image');
        try {
          await api.pullImage(step.image);
          failures.pullFailures.delete(step.image);
          failures.pulledAtMs.set(step.image, deps.now());
          log.info({ image: step.image }, 'pulled image');
        } catch (err) {
          const failure = FailureState.record(failures.pullFailures, step.image, 'ErrImagePull', errorMessage(err), deps.now());
          log.warn({ image: step.image, attempts: failure.attempts, err: errorMessage(err) }, 'image pull failed');
        }
      });
    },

    async create(step) {
      const { pod, container } = step;
      const context = { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: container.name, attempt: step.attempt };
      let id: string | undefined;
      try {
        const body = containerCreateBody({
          node: deps.node,
          ...(deps.nodeIp !== undefined ? { nodeIp: deps.nodeIp } : {}),
          pod,
          container,
          attempt: step.attempt,
          hash: step.hash,
          graceSeconds: graceSecondsOf(pod),
        });
        id = await api.createContainer(body);
        await api.startContainer(id);
        store.putHistory(step.key, withAttempt(store.history().get(step.key), { attempt: step.attempt, containerId: id, hash: step.hash, startedAtMs: deps.now() }));
        failures.createFailures.delete(step.key);
        log.info({ ...context, containerId: id.slice(0, 12) }, 'started container');
      } catch (err) {
        // Leave nothing half-made behind: the retry creates afresh after the backoff.
        if (id !== undefined) await api.removeContainer(id).catch(() => undefined);
        const failure = FailureState.record(failures.createFailures, step.key, 'CreateContainerError', errorMessage(err), deps.now());
        log.warn({ ...context, failures: failure.attempts, err: errorMessage(err) }, 'container create failed');
      }
    },

    async remove(step) {
      deps.removals.run(step.containerId, async () => {
        const context = { containerId: step.containerId.slice(0, 12), reason: step.reason };
        try {
          await api.stopContainer(step.containerId, step.graceSeconds);
          if (step.record) {
            const { key, ...ended } = step.record;
            store.putHistory(key, withEndedAttempt(store.history().get(key), { ...ended, containerId: step.containerId }));
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

    async wait() {
      // Nothing to do: the loop sleeps until the earliest untilMs or the next trigger.
    },
  };
}

/** Runs one step through the table (the cast is safe: the table is keyed by kind). */
export function execute(executors: Executors, step: Step): Promise<void> {
  return (executors[step.kind] as (s: Step) => Promise<void>)(step);
}
