/**
 * client-go's EventSourceObjectSpamFilter (tools/record/events_cache.go): each source may write
 * a burst of 25 events about one object, then one more every 5 minutes. Repeats it holds back
 * are still counted by the correlator, so the next write carries the true count. This keeps a
 * Pod that fails to schedule on every node heartbeat, or crash-loops for a day, from turning
 * into a stream of store writes.
 */
import { LruMap } from './lru-map.js';

/** client-go's defaultSpamBurst and defaultSpamQPS. */
export const SPAM_BURST = 25;
export const SPAM_REFILL_PER_MS = 1 / 300_000;

interface Bucket {
  tokens: number;
  atMs: number;
}

export class SpamFilter {
  private readonly buckets: LruMap<string, Bucket>;

  constructor(
    cacheSize: number,
    private readonly burst = SPAM_BURST,
    private readonly refillPerMs = SPAM_REFILL_PER_MS,
  ) {
    this.buckets = new LruMap(cacheSize);
  }

  /** Takes a token from the key's bucket; false when it is empty (the write is held back). */
  allow(key: string, nowMs: number): boolean {
    const previous = this.buckets.get(key) ?? { tokens: this.burst, atMs: nowMs };
    const refilled = Math.min(this.burst, previous.tokens + Math.max(0, nowMs - previous.atMs) * this.refillPerMs);
    const allowed = refilled >= 1;
    this.buckets.set(key, { tokens: allowed ? refilled - 1 : refilled, atMs: nowMs });
    return allowed;
  }
}
