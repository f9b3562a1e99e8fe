/**
 * What the outbox gives up when it outgrows --outbox-max-bytes (issue #7): a pure function from
 * the entries it holds (oldest seq first) to the seqs to delete, so that the rule is tested
 * without SQLite. In order, and only until the outbox is back down to `targetBytes` (a low-water
 * mark below the limit, so that a full outbox is not trimmed again on every flush):
 *   1. metrics are down-sampled: every second sample of the older half of the metrics backlog
 *      goes. Samples are cumulative counters (shared/metrics/samples.ts), so rates over the
 *      wider gaps stay right; repeated trims thin the oldest samples most.
 *   2. the oldest metrics samples go.
 *   3. only then the oldest events go (they carry the pod transitions: never before a metric).
 * Entries in flight (published, not yet acknowledged) are never chosen: the broker may be about
 * to acknowledge them, and dropping one would count a delivered entry as lost. Status reports
 * are never in the outbox (agent/report/reporter.ts), so nothing here can drop one.
 */

export const OUTBOX_CHANNELS = ['events', 'metrics'] as const;
export type OutboxChannel = (typeof OUTBOX_CHANNELS)[number];

export interface OutboxEntryInfo {
  seq: number;
  channel: OutboxChannel;
  bytes: number;
}

export interface TrimLimits {
  /** Above this many bytes the outbox is trimmed... */
  maxBytes: number;
  /** ...down to this many. */
  targetBytes: number;
}

export interface TrimPlan {
  /** Seqs to delete, ascending. */
  remove: number[];
  /** Entries removed per channel (thinned metrics included). */
  dropped: Record<OutboxChannel, number>;
  /** Of dropped.metrics, how many went to down-sampling (step 1). */
  thinned: number;
}

/** The fraction of --outbox-max-bytes a trim brings the outbox down to. */
export const TRIM_TARGET_FRACTION = 0.9;

export function trimLimits(maxBytes: number): TrimLimits {
  return { maxBytes, targetBytes: Math.floor(maxBytes * TRIM_TARGET_FRACTION) };
}

export function totalBytes(entries: readonly OutboxEntryInfo[]): number {
  return entries.reduce((sum, e) => sum + e.bytes, 0);
}

export function planTrim(entries: readonly OutboxEntryInfo[], limits: TrimLimits, inFlight: ReadonlySet<number> = new Set()): TrimPlan {
  const plan: TrimPlan = { remove: [], dropped: { events: 0, metrics: 0 }, thinned: 0 };
  let total = totalBytes(entries);
  if (total <= limits.maxBytes) return plan;
  const removed = new Set<number>();
  const take = (entry: OutboxEntryInfo): void => {
    removed.add(entry.seq);
    plan.dropped[entry.channel]++;
    total -= entry.bytes;
  };
  const candidates = (channel: OutboxChannel) => entries.filter((e) => e.channel === channel && !inFlight.has(e.seq));

  const metrics = candidates('metrics');
  const olderHalf = metrics.slice(0, Math.floor(metrics.length / 2));
  for (let i = 1; i < olderHalf.length && total > limits.targetBytes; i += 2) {
    take(olderHalf[i]!);
    plan.thinned++;
  }
  for (const entry of metrics) {
    if (total <= limits.targetBytes) break;
    if (!removed.has(entry.seq)) take(entry);
  }
  for (const entry of candidates('events')) {
    if (total <= limits.targetBytes) break;
    take(entry);
  }
  plan.remove = [...removed].sort((a, b) => a - b);
  return plan;
}
