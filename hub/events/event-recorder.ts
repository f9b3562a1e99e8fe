/**
 * The one way hub components record core/v1 Events. `record` never throws and never waits: it
 * folds the occurrence in memory (correlation.ts) and queues the write; writes go to the store
 * one at a time, in order, so a repeat never races the creation of its Event. A failed write
 * is logged with the Event it was for and dropped, as client-go's recorder gives up on a sink
 * error: an Event is a hint, never worth failing or slowing a controller over.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { Event, EventType, ObjectReference } from '../../shared/api/schema/event.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { errorMessage, isSkiffError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Store } from '../store/store.js';
import { EventCorrelator, occurrenceTime, referenceTo, type Correlation, type EventSource } from './correlation.js';

export type { EventSource } from './correlation.js';

/** What every recording component depends on. */
export interface EventRecorder {
  /**
   * Records that `reason` happened to `involvedObject` (an object or a reference; a reference may
   * carry a fieldPath such as `spec.containers{web}`). `at` is when it happened, if not now.
   */
  record(involvedObject: KubeObject | ObjectReference, type: EventType, reason: string, message: string, source: EventSource, at?: Date): void;
}

/** client-go's maxQueuedEvents: beyond this many unwritten Events, new ones are dropped. */
export const MAX_QUEUED_WRITES = 1000;

const events = resolveResource('events')!;

export interface StoreEventRecorderOptions {
  /** Reported times older than this are replaced by the hub's (see occurrenceTime). */
  maxAgeMs?: number;
  now?: () => Date;
  correlator?: EventCorrelator;
}

export class StoreEventRecorder implements EventRecorder {
  private readonly log: Logger;
  private readonly correlator: EventCorrelator;
  private readonly now: () => Date;
  private readonly maxAgeMs: number;
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly store: Store,
    logger: Logger,
    options: StoreEventRecorderOptions = {},
  ) {
    this.log = logger.child({ component: 'event-recorder' });
    this.correlator = options.correlator ?? new EventCorrelator();
    this.now = options.now ?? (() => new Date());
    this.maxAgeMs = options.maxAgeMs ?? DEFAULTS.events.ttlMs;
  }

  /** Remembers the Events already stored, so that repeats after a hub restart still fold into them. */
  async start(): Promise<void> {
    try {
      const stored = (await this.store.list(events)) as unknown as Event[];
      for (const event of stored) this.correlator.remember(event);
      this.log.debug({ events: stored.length }, 'remembered stored events');
    } catch (err) {
      this.log.error({ err }, 'could not read stored events; repeats of them will start new events');
    }
  }

  record(involvedObject: KubeObject | ObjectReference, type: EventType, reason: string, message: string, source: EventSource, at?: Date): void {
    try {
      const now = this.now();
      const ref = referenceTo(involvedObject);
      const correlation = this.correlator.correlate({ involvedObject: ref, type, reason, message, source }, occurrenceTime(at, now, this.maxAgeMs), now.getTime());
      if (correlation.action === 'skip') {
        this.log.debug({ event: describe(correlation.event) }, 'event held back by the spam filter');
        return;
      }
      if (this.queued >= MAX_QUEUED_WRITES) {
        this.log.warn({ event: describe(correlation.event), queued: this.queued }, 'event dropped: too many events waiting to be written');
        return;
      }
      this.queued++;
      this.tail = this.tail.then(() => this.write(correlation)).finally(() => this.queued--);
    } catch (err) {
      // Only plain fields here: the involved object itself may be what broke.
      this.log.error({ err, type, reason, message }, 'could not record event');
    }
  }

  /** Resolves when every Event recorded so far has been written (or given up on). */
  flush(): Promise<void> {
    return this.tail;
  }

  private async write(correlation: Exclude<Correlation, { action: 'skip' }>): Promise<void> {
    const event = correlation.event as unknown as KubeObject;
    try {
      if (correlation.action === 'update') {
        try {
          await this.store.update(events, event);
          return;
        } catch (err) {
          // Expired or deleted since: write it again under its name, count kept (as client-go).
          if (!isSkiffError(err, 'SKIFF_ERR_NOT_FOUND')) throw err;
        }
      }
      await this.store.create(events, event);
    } catch (err) {
      this.log.warn({ event: describe(correlation.event), err: errorMessage(err) }, 'could not write event');
    }
  }
}

function describe(event: Event): Record<string, unknown> {
  return { name: `${event.metadata.namespace}/${event.metadata.name}`, reason: event.reason, involvedObject: referenceText(event.involvedObject), count: event.count };
}

function referenceText(ref: ObjectReference): string {
  return `${ref.kind ?? '?'}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? '?'}`;
}
