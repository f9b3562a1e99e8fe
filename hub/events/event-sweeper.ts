/**
 * Bounded retention for Events: every `intervalMs` (on an unref'd timer, so it never keeps the
 * hub alive) deletes what retention.ts says has expired or is in excess. Kubernetes expires
 * Events with an etcd lease per write; a store without leases sweeps instead, so an Event may
 * outlive its TTL by up to one interval.
 */
import { resolveResource } from '../../shared/api/resources.js';
import type { Event } from '../../shared/api/schema/event.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Store } from '../store/store.js';
import { eventsToDelete, type RetentionPolicy } from './retention.js';

const events = resolveResource('events')!;

export interface EventSweeperOptions extends RetentionPolicy {
  intervalMs: number;
  now?: () => number;
}

export class EventSweeper {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: Store,
    logger: Logger,
    private readonly options: EventSweeperOptions,
  ) {
    this.log = logger.child({ component: 'event-sweeper' });
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One pass; a pass still running is joined, not doubled. Resolves with how many Events went. */
  sweep(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async pass(): Promise<number> {
    try {
      const all = (await this.store.list(events)) as unknown as Event[];
      const doomed = eventsToDelete(all, (this.options.now ?? Date.now)(), this.options);
      for (const event of doomed) await this.store.delete(events, event.metadata.namespace, event.metadata.name!);
      if (doomed.length > 0) this.log.debug({ deleted: doomed.length, kept: all.length - doomed.length }, 'swept events');
      return doomed.length;
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'event sweep failed; retrying at the next interval');
      return 0;
    }
  }
}
