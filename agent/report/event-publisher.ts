/**
 * Sends the node's events (pulls, starts, kills, probe failures) to the hub in small batches on
 * nodes/{node}/events. Unlike status reports, each event matters: while the link is down they
 * wait in a bounded queue (oldest dropped first, and counted) and go out on reconnect.
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { MESSAGE_SCHEMA, type EventReport, type NodeEvent } from '../../shared/mqtt/messages.js';

export interface EventPublisherDeps {
  node: string;
  publish(report: EventReport): Promise<void>;
  isConnected(): boolean;
  log: Logger;
  /** Events are gathered this long before a batch goes out. */
  batchDelayMs?: number;
  maxQueued?: number;
}

const DEFAULT_BATCH_DELAY_MS = 250;
const DEFAULT_MAX_QUEUED = 500;
const MAX_BATCH = 100;

export class EventPublisher {
  private queue: NodeEvent[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending = false;

  constructor(private readonly deps: EventPublisherDeps) {}

  get queued(): number {
    return this.queue.length;
  }

  emit(event: NodeEvent): void {
    this.queue.push(event);
    this.trim();
    this.schedule();
  }

  /** Keeps the queue bounded: the oldest events go first, and are counted. */
  private trim(): void {
    const max = this.deps.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (this.queue.length <= max) return;
    this.dropped += this.queue.length - max;
    this.queue.splice(0, this.queue.length - max);
  }

  /** The link came (back) up: send what waited. */
  onConnected(): void {
    if (this.dropped > 0) {
      this.deps.log.warn({ dropped: this.dropped }, 'events dropped while the hub was unreachable (queue full)');
      this.dropped = 0;
    }
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.sending) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.deps.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    if (this.queue.length === 0 || !this.deps.isConnected()) return; // onConnected schedules again
    const batch = this.queue.splice(0, MAX_BATCH);
    this.sending = true;
    try {
      await this.deps.publish({ schema: MESSAGE_SCHEMA, node: this.deps.node, events: batch });
    } catch (err) {
      this.queue.unshift(...batch);
      this.trim();
      this.deps.log.warn({ events: batch.length, err: errorMessage(err) }, 'events not published; kept for the next attempt');
    } finally {
      this.sending = false;
    }
    // More to send, or a failed batch to retry (a link that stays "connected" never calls onConnected).
    if (this.queue.length > 0) this.schedule();
  }
}
