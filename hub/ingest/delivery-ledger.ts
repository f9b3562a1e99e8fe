/**
 * Exactly once per seq at the hub (issue #7). An agent's outbox (agent/outbox/outbox.ts) numbers
 * every event and metrics sample with an increasing seq of its stream and sends them in seq
 * order, again until the broker acknowledges them; MQTT QoS 1 may also redeliver one (at least
 * once, MQTT 3.1.1 §4.3.2). So the hub only needs, per node and channel, the stream and the
 * highest seq it applied: anything at or below it is a redelivery and is skipped. A gap (entries
 * the outbox gave up) is fine; a new stream id (the node's data dir was wiped) starts over.
 *
 * Durability: marks are kept by a LedgerPersistence, the hub's metrics.db (hub/metrics/metrics-db.ts),
 * where the metrics mark commits in the same transaction as the samples' points: applied exactly
 * once, whatever stops the hub. An event mark is checked and taken in memory as the report
 * arrives and written once its events are handed to the recorder, which writes Events to hub.db
 * asynchronously (hub/events/event-recorder.ts). So a hub killed between the two either never
 * wrote those Events and never wrote the mark (the agent sends them again: recorded once), or
 * wrote the mark and lost Events still queued in the recorder (lost, never doubled). metrics.db
 * runs WAL with synchronous=NORMAL: a kill -9 loses nothing committed; only a power cut of the
 * hub's machine can lose the newest marks, and then an event report replayed after it counts twice.
 */
import type { OutboxDelivery } from '../../shared/mqtt/messages.js';

export type DeliveryChannel = 'events' | 'metrics';

export interface DeliveryMark {
  node: string;
  channel: DeliveryChannel;
  stream: string;
  /** The highest seq of the stream applied. */
  seq: number;
}

export interface LedgerPersistence {
  loadMarks(): DeliveryMark[];
  saveMark(mark: DeliveryMark): void;
}

/**
 * Indexes of the entries of a report not applied yet, given the mark so far (pure). A report
 * without seqs (an agent older than the outbox) is applied whole, as before.
 */
export function freshEntries(mark: Pick<DeliveryMark, 'stream' | 'seq'> | undefined, delivery: OutboxDelivery, count: number): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  const { stream, seqs } = delivery;
  if (stream === undefined || seqs === undefined || !mark || mark.stream !== stream) return all;
  return all.filter((i) => seqs[i]! > mark.seq);
}

/** The mark after applying `delivery`, or undefined when it carries no seqs. */
export function advancedMark(node: string, channel: DeliveryChannel, previous: DeliveryMark | undefined, delivery: OutboxDelivery): DeliveryMark | undefined {
  const { stream, seqs } = delivery;
  if (stream === undefined || seqs === undefined || seqs.length === 0) return undefined;
  const last = seqs[seqs.length - 1]!;
  const seq = previous && previous.stream === stream ? Math.max(previous.seq, last) : last;
  return { node, channel, stream, seq };
}

const keyOf = (node: string, channel: DeliveryChannel): string => `${node}\u0000${channel}`;

export class DeliveryLedger {
  private readonly marks = new Map<string, DeliveryMark>();

  constructor(private readonly persistence?: LedgerPersistence) {
    for (const mark of persistence?.loadMarks() ?? []) this.marks.set(keyOf(mark.node, mark.channel), mark);
  }

  mark(node: string, channel: DeliveryChannel): DeliveryMark | undefined {
    return this.marks.get(keyOf(node, channel));
  }

  /** Indexes of the report's entries to apply. */
  fresh(node: string, channel: DeliveryChannel, delivery: OutboxDelivery, count: number): number[] {
    return freshEntries(this.mark(node, channel), delivery, count);
  }

  /** The mark applying `delivery` leads to (not recorded yet). */
  next(node: string, channel: DeliveryChannel, delivery: OutboxDelivery): DeliveryMark | undefined {
    return advancedMark(node, channel, this.mark(node, channel), delivery);
  }

  /** Takes a mark as the node's current one (in memory); never moves a stream's mark back. */
  remember(mark: DeliveryMark | undefined): void {
    if (!mark) return;
    const current = this.mark(mark.node, mark.channel);
    if (current && current.stream === mark.stream && current.seq >= mark.seq) return;
    this.marks.set(keyOf(mark.node, mark.channel), mark);
  }

  /** Writes a mark to the persistence (a caller that writes it in its own transaction does not). */
  save(mark: DeliveryMark | undefined): void {
    if (mark) this.persistence?.saveMark(mark);
  }
}
