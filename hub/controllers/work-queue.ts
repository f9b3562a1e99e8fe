/**
 * A keyed, level-triggered work queue (Kubernetes' workqueue, style.md lesson 4): events only
 * add a key; one idempotent `sync(key)` converges it. A key queued while it is being processed
 * runs once more afterwards; a failed sync is retried with per-key exponential backoff; keys are
 * never processed concurrently with themselves.
 */
import { exponentialBackoffMs } from '../../shared/backoff.js';
import type { Logger } from '../../shared/log.js';

export interface WorkQueueOptions {
  name: string;
  sync: (key: string) => Promise<void>;
  logger: Logger;
  /** How many keys to process at once. */
  concurrency?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /**
   * The least time from the start of one sync of a key to the start of the next:
   * max(minIntervalMs, durationFactor x the last sync's duration). For a sync whose cost grows
   * with the fleet (a DaemonSet's plans every node) and whose triggers come by the thousand (each
   * of its Pods' status changes): changes in between are taken together by the next sync, and
   * the key uses at most 1 / (1 + durationFactor) of the event loop.
   */
  throttle?: { minIntervalMs: number; durationFactor?: number };
}

/** One finished sync, as /metrics histograms it (Kubernetes' workqueue_work_duration_seconds). */
export interface SyncObservation {
  queue: string;
  seconds: number;
  ok: boolean;
}

export type SyncObserver = (observation: SyncObservation) => void;

// Process-wide, as client-go's workqueue.SetProvider: every queue reports without each
// controller's constructor threading a metrics object through.
const syncObservers = new Set<SyncObserver>();

/** Calls `observer` after every sync of every work queue; returns the unsubscribe function. */
export function observeSyncs(observer: SyncObserver): () => void {
  syncObservers.add(observer);
  return () => syncObservers.delete(observer);
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** Keys waiting out their throttle (they count as queued: idle() waits for them). */
  private readonly throttled = new Map<string, NodeJS.Timeout>();
  /** When each key's last sync started and how long it took (kept only with a throttle). */
  private readonly lastRun = new Map<string, { startedMs: number; durationMs: number }>();
  private running = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private readonly log: Logger;

  constructor(private readonly options: WorkQueueOptions) {
    this.log = options.logger.child({ component: options.name });
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key) || this.throttled.has(key)) return;
    const waitMs = this.throttleWaitMs(key);
    if (waitMs > 0) {
      const timer = setTimeout(() => {
        this.throttled.delete(key);
        this.enqueue(key);
      }, waitMs); // not unref'd: queued work, as idle() counts it (stop() clears it)
      this.throttled.set(key, timer);
      return;
    }
    this.enqueue(key);
  }

  private enqueue(key: string): void {
    if (this.stopped) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  private throttleWaitMs(key: string): number {
    const throttle = this.options.throttle;
    const last = this.lastRun.get(key);
    if (!throttle || !last) return 0;
    const gapMs = Math.max(throttle.minIntervalMs, (throttle.durationFactor ?? 0) * last.durationMs);
    return last.startedMs + gapMs - performance.now();
  }

  /** Adds the key after a delay (for time-based conditions such as a heartbeat grace period). */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(`after:${key}`);
      this.add(key);
    }, delayMs);
    timer.unref();
    clearTimeout(this.retryTimers.get(`after:${key}`));
    this.retryTimers.set(`after:${key}`, timer);
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 1;
    while (!this.stopped && this.running < concurrency && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.running++;
      void this.process(key);
    }
    if (this.running === 0 && this.queue.length === 0 && this.throttled.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async process(key: string): Promise<void> {
    const started = process.hrtime.bigint();
    const startedMs = performance.now();
    let ok = false;
    try {
      await this.options.sync(key);
      ok = true;
      this.failures.delete(key);
    } catch (err) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      const delay = exponentialBackoffMs(attempt, this.options.retryInitialMs ?? 200, this.options.retryMaxMs ?? 30_000);
      this.log.warn({ key, attempt, retryInMs: delay, err }, 'sync failed; will retry');
      this.addAfter(key, delay);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (this.options.throttle) this.lastRun.set(key, { startedMs, durationMs: performance.now() - startedMs });
      for (const observer of syncObservers) observer({ queue: this.options.name, seconds, ok });
      this.processing.delete(key);
      this.running--;
      if (this.dirtyWhileProcessing.delete(key)) this.add(key);
      this.pump();
    }
  }

  /** Resolves when nothing is queued or running (for tests and orderly shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0 && this.throttled.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [...this.retryTimers.values(), ...this.throttled.values()]) clearTimeout(timer);
    this.retryTimers.clear();
    this.throttled.clear();
    this.queue.length = 0;
    this.queued.clear();
    while (this.running > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
