/**
 * The agent's durable outbox of reports (architecture.md, Offline autonomy; issue #7): every
 * event and metrics sample gets the next `seq` of this agent's stream, waits here until the
 * broker acknowledges it (QoS 1 PUBACK), and goes out oldest first, so the hub receives each
 * channel in seq order and drops what it already applied (hub/ingest/delivery-ledger.ts): in
 * order, and exactly once per seq, across link drops and agent restarts.
 *
 * Wear on the SD card: entries first wait in memory; every flushIntervalMs the ones still
 * unacknowledged are written to the `outbox` table in ONE transaction (and trimmed there: see
 * outbox-policy.ts). With the link up a report is acknowledged within milliseconds and never
 * touches the disk; only an outage writes, once per flush. The price: a kill -9 or power cut
 * loses at most the last flush interval of entries (a gap in seq, never a duplicate).
 *
 * Seqs are reserved in blocks in `counters` (as the status seq is) so that they only grow, across
 * restarts, even for entries that were acknowledged before ever being written. The stream id, a
 * random number drawn when the outbox is first created, tells the hub that a node whose data dir
 * was wiped (seqs from 1 again) is a new stream, not a replay.
 */
import type Database from 'better-sqlite3';
import { randomInt } from 'node:crypto';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { OUTBOX_CHANNELS, planTrim, totalBytes, trimLimits, type OutboxChannel, type OutboxEntryInfo, type TrimLimits } from './outbox-policy.js';

/** What a row costs beyond its body (rowid, channel, bytes, b-tree cell): an estimate. */
const ROW_OVERHEAD_BYTES = 32;
const SEQ_BLOCK = 1000;
const SEQ_COUNTER = 'outbox_seq';
const STREAM_COUNTER = 'outbox_stream';
const droppedCounter = (channel: OutboxChannel): string => `outbox_dropped_${channel}`;
/** Entries kept in memory when the disk refuses writes (full, read-only): beyond it, trimmed as the disk would be. */
const MAX_UNWRITTEN_BYTES = 4 * 1024 * 1024;

export interface OutboxOptions {
  /** --outbox-max-bytes: what the table may hold. */
  maxBytes: number;
  /** How often unacknowledged entries are written (one transaction each time). */
  flushIntervalMs: number;
  log: Logger;
}

export interface OutboxItem<T> {
  seq: number;
  value: T;
}

interface PendingEntry extends OutboxEntryInfo {
  body: string;
  value: unknown;
}

export class Outbox {
  /** This outbox's stream id (see the header). */
  readonly stream: string;
  private readonly limits: TrimLimits;
  /** Entries not written yet, oldest first; their seqs are all above those on disk. */
  private pending: PendingEntry[] = [];
  private readonly inFlight = new Set<number>();
  private readonly dropped: Record<OutboxChannel, number> = { events: 0, metrics: 0 };
  private diskRows = 0;
  private diskBytes = 0;
  private seq: number;
  private seqReservedUpTo: number;
  private timer: NodeJS.Timeout | undefined;
  /** The last seq block reservation failed (logged once until one succeeds). */
  private reservationFailing = false;
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly options: OutboxOptions,
  ) {
    this.limits = trimLimits(options.maxBytes);
    this.statements = {
      counter: db.prepare<[string], { value: number }>('SELECT value FROM counters WHERE name = ?'),
      setCounter: db.prepare('INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)'),
      insert: db.prepare('INSERT INTO outbox (seq, channel, bytes, body) VALUES (?, ?, ?, ?)'),
      oldest: db.prepare<[string, number], { seq: number; body: string }>('SELECT seq, body FROM outbox WHERE channel = ? ORDER BY seq LIMIT ?'),
      remove: db.prepare<[number], { bytes: number }>('DELETE FROM outbox WHERE seq = ? RETURNING bytes'),
      entries: db.prepare<[], OutboxEntryInfo>('SELECT seq, channel, bytes FROM outbox ORDER BY seq'),
      size: db.prepare<[], { rows: number; bytes: number }>('SELECT count(*) AS rows, coalesce(sum(bytes), 0) AS bytes FROM outbox'),
    };
    const counter = (name: string): number | undefined => this.statements.counter.get(name)?.value;
    let stream = counter(STREAM_COUNTER);
    if (stream === undefined) {
      stream = randomInt(1, 2 ** 47);
      this.statements.setCounter.run(STREAM_COUNTER, stream);
    }
    this.stream = stream.toString(16);
    this.seq = counter(SEQ_COUNTER) ?? 0;
    this.seqReservedUpTo = this.seq;
    for (const channel of OUTBOX_CHANNELS) this.dropped[channel] = counter(droppedCounter(channel)) ?? 0;
    const size = this.statements.size.get()!;
    this.diskRows = size.rows;
    this.diskBytes = size.bytes;
  }

  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is pending (a clean stop loses nothing). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }

  /** Adds one entry; returns its seq. Written at the next flush unless acknowledged before. */
  enqueue(channel: OutboxChannel, value: unknown): number {
    const seq = this.nextSeq();
    const body = JSON.stringify(value);
    this.pending.push({ seq, channel, bytes: Buffer.byteLength(body) + ROW_OVERHEAD_BYTES, body, value });
    return seq;
  }

  /**
   * Publishes up to `limit` of the channel's oldest entries through `publish` and deletes them
   * once it resolves. Returns how many went (0: nothing to send). A rejection is passed on and
   * the entries stay, first in line for the next call. One delivery per channel at a time.
   */
  async deliver<T>(channel: OutboxChannel, limit: number, publish: (items: Array<OutboxItem<T>>) => Promise<void>): Promise<number> {
    const items = this.oldest<T>(channel, limit);
    if (items.length === 0) return 0;
    const seqs = items.map((i) => i.seq);
    for (const seq of seqs) this.inFlight.add(seq);
    try {
      await publish(items);
    } finally {
      for (const seq of seqs) this.inFlight.delete(seq);
    }
    this.acknowledge(seqs);
    return items.length;
  }

  /** Writes every pending, unacknowledged entry in one transaction, then trims to the limit. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    try {
      const plan = this.db.transaction(() => {
        for (const e of batch) this.statements.insert.run(e.seq, e.channel, e.bytes, e.body);
        this.diskRows += batch.length;
        this.diskBytes += totalBytes(batch);
        return this.diskBytes > this.limits.maxBytes ? this.trimDisk() : undefined;
      })();
      this.pending = [];
      if (plan) this.logTrim(plan.dropped, plan.thinned, 'disk');
    } catch (err) {
      // Undo the in-memory sums of the rolled-back transaction; the entries stay pending.
      const size = this.statements.size.get()!;
      this.diskRows = size.rows;
      this.diskBytes = size.bytes;
      this.options.log.error({ err: errorMessage(err), pending: this.pending.length }, 'outbox not written; entries kept in memory for the next flush');
      this.trimPending();
    }
  }

  /** Entries dropped to stay within the limit, per channel, since the outbox was created. */
  droppedTotals(): Readonly<Record<OutboxChannel, number>> {
    return { ...this.dropped };
  }

  /** Entries waiting (written or not) and the bytes of those written. */
  size(): { entries: number; diskBytes: number } {
    return { entries: this.diskRows + this.pending.length, diskBytes: this.diskBytes };
  }

  /** The channel's oldest entries: from the table first (older), then from memory. */
  private oldest<T>(channel: OutboxChannel, limit: number): Array<OutboxItem<T>> {
    const items: Array<OutboxItem<T>> = [];
    if (this.diskRows > 0) {
      for (const row of this.statements.oldest.all(channel, limit)) items.push({ seq: row.seq, value: JSON.parse(row.body) as T });
    }
    for (const e of this.pending) {
      if (items.length >= limit) break;
      if (e.channel === channel) items.push({ seq: e.seq, value: e.value as T });
    }
    return items;
  }

  private acknowledge(seqs: readonly number[]): void {
    const sent = new Set(seqs);
    this.pending = this.pending.filter((e) => !sent.has(e.seq));
    if (this.diskRows === 0) return;
    this.db.transaction(() => {
      for (const seq of seqs) {
        const row = this.statements.remove.get(seq);
        if (!row) continue; // never written: acknowledged from memory
        this.diskRows--;
        this.diskBytes -= row.bytes;
      }
    })();
  }

  /** Inside the flush transaction: deletes what the policy gives up and counts it durably. */
  private trimDisk(): ReturnType<typeof planTrim> {
    const plan = planTrim(this.statements.entries.all(), this.limits, this.inFlight);
    for (const seq of plan.remove) {
      const row = this.statements.remove.get(seq)!; // listed in this same transaction
      this.diskRows--;
      this.diskBytes -= row.bytes;
    }
    for (const channel of OUTBOX_CHANNELS) {
      if (plan.dropped[channel] === 0) continue;
      this.dropped[channel] += plan.dropped[channel];
      this.statements.setCounter.run(droppedCounter(channel), this.dropped[channel]);
    }
    return plan;
  }

  /** The disk refuses writes: keep memory bounded by the same rule (counts are then in memory only). */
  private trimPending(): void {
    const plan = planTrim(this.pending, trimLimits(Math.min(this.options.maxBytes, MAX_UNWRITTEN_BYTES)), this.inFlight);
    if (plan.remove.length === 0) return;
    const gone = new Set(plan.remove);
    this.pending = this.pending.filter((e) => !gone.has(e.seq));
    for (const channel of OUTBOX_CHANNELS) this.dropped[channel] += plan.dropped[channel];
    this.logTrim(plan.dropped, plan.thinned, 'memory');
  }

  private logTrim(dropped: Record<OutboxChannel, number>, thinned: number, where: 'disk' | 'memory'): void {
    this.options.log.warn(
      { where, droppedEvents: dropped.events, droppedMetrics: dropped.metrics, thinnedMetrics: thinned, totals: this.droppedTotals(), maxBytes: this.options.maxBytes },
      'outbox full while the hub is unreachable; metrics down-sampled, oldest entries dropped',
    );
  }

  private nextSeq(): number {
    this.seq += 1;
    if (this.seq > this.seqReservedUpTo) {
      // Reserved before use: after a crash the outbox resumes above the block, so seq never goes back.
      const upTo = this.seq + SEQ_BLOCK - 1;
      try {
        this.statements.setCounter.run(SEQ_COUNTER, upTo);
        this.seqReservedUpTo = upTo;
        this.reservationFailing = false;
      } catch (err) {
        // A full or read-only disk must not stop the agent reporting: go on and retry with the next
        // seq. Should the agent die before a reservation lands, its next run may reuse seqs of
        // entries that were never written; the hub skips those as redeliveries (lost, never doubled).
        if (!this.reservationFailing) this.options.log.error({ err: errorMessage(err), seq: this.seq }, 'outbox seq block not reserved; retrying with the next entry');
        this.reservationFailing = true;
      }
    }
    return this.seq;
  }
}
