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
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
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
    if (this.running === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async process(key: string): Promise<void> {
    const started = process.hrtime.bigint();
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
      for (const observer of syncObservers) observer({ queue: this.options.name, seconds, ok });
      this.processing.delete(key);
      this.running--;
      if (this.dirtyWhileProcessing.delete(key)) this.add(key);
      this.pump();
    }
  }

  /** Resolves when nothing is queued or running (for tests and orderly shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    this.queue.length = 0;
    this.queued.clear();
    while (this.running > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
