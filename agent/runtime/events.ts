/**
 * Docker events for this node's containers only (label filter), so that `docker rm -f` or a
 * crash heals in well under a second instead of waiting for the resync. The stream ends when
 * dockerd restarts: resubscribe with backoff, and trigger a pass each time (events may have been
 * missed meanwhile).
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { fullJitterMs } from '../../shared/backoff.js';
import type { DockerApi, EventSubscription } from './docker-api.js';
import { nodeFilter } from './labels.js';

/** Actions that change what the planner would decide: an exit (OOM kills end in a die too), a removal, a start behind our back. */
export const WATCHED_ACTIONS = ['start', 'die', 'destroy'] as const;

export interface EventWatcher {
  close(): void;
}

export function watchDockerEvents(
  api: DockerApi,
  node: string,
  onChange: (containerId: string) => void,
  log: Logger,
  random: () => number = Math.random,
): EventWatcher {
  let closed = false;
  let failures = 0;
  let subscription: EventSubscription | undefined;
  let timer: NodeJS.Timeout | undefined;

  const retry = (err?: unknown): void => {
    subscription = undefined;
    if (closed) return;
    failures++;
    const delayMs = Math.max(500, fullJitterMs(failures, 500, 30_000, random()));
    log.warn({ err: err === undefined ? 'stream ended' : errorMessage(err), retryInMs: delayMs }, 'docker event stream lost');
    timer = setTimeout(connect, delayMs);
  };

  const connect = (): void => {
    api
      .subscribeEvents([nodeFilter(node)], [...WATCHED_ACTIONS], (event) => onChange(event.id), (err) => retry(err))
      .then((sub) => {
        if (closed) return sub.close();
        subscription = sub;
        failures = 0;
        onChange(''); // anything may have happened while unsubscribed
      }, retry);
  };

  connect();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      subscription?.close();
    },
  };
}
