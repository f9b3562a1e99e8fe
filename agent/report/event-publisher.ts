/**
 * Sends the node's events (pulls, starts, kills, probe failures) to the hub in small batches on
 * nodes/{node}/events. Each event matters (the events also carry every pod status transition, as
 * kubelet's do: the status channel only keeps the newest snapshot), so each goes to the durable
 * outbox first (agent/outbox/outbox.ts) and leaves it only once the broker has it: across link
 * drops and agent restarts they arrive in order, each seq once. Bounded by the outbox's limit,
 * which gives up metrics before any event.
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { MESSAGE_SCHEMA, type EventReport, type NodeEvent } from '../../shared/mqtt/messages.js';
import type { Outbox } from '../outbox/outbox.js';

export interface EventPublisherDeps {
  node: string;
  outbox: Outbox;
  publish(report: EventReport): Promise<void>;
  isConnected(): boolean;
  log: Logger;
  /** Events are gathered this long before a batch goes out. */
  batchDelayMs?: number;
}

const DEFAULT_BATCH_DELAY_MS = 250;
const MAX_BATCH = 100;

export class EventPublisher {
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private stopped = false;

  constructor(private readonly deps: EventPublisherDeps) {}

  emit(event: NodeEvent): void {
    this.deps.outbox.enqueue('events', event);
    this.schedule();
  }

  /** The link came (back) up: send what waited (also what an earlier run of the agent left). */
  onConnected(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.sending || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.deps.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    if (!this.deps.isConnected()) return; // onConnected schedules again
    this.sending = true;
    let sent = 0;
    try {
      do {
        sent = await this.deps.outbox.deliver<NodeEvent>('events', MAX_BATCH, (items) =>
          this.deps.publish({ schema: MESSAGE_SCHEMA, node: this.deps.node, events: items.map((i) => i.value), stream: this.deps.outbox.stream, seqs: items.map((i) => i.seq) }),
        );
      } while (sent > 0 && this.deps.isConnected() && !this.stopped);
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'events not published; kept in the outbox for the next attempt');
      this.sending = false;
      // A link that stays "connected" never calls onConnected: try again after a batch delay.
      this.schedule();
      return;
    }
    this.sending = false;
  }
}
