/**
 * Takes a metrics sample every metricsInterval and sends it to the hub. Samples wait in a small
 * in-memory buffer until the broker has them (QoS 1), so a short link drop costs no data; when
 * the buffer is full the oldest sample goes first and the loss is counted and logged. (Issue #7
 * makes the buffer durable across agent restarts.) Sampling time is measured and logged at debug
 * level, since its cost on a Pi is a target of its own (docs/benchmarks.md).
 */
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { MetricsSample, NodeSample, PodSample } from '../../shared/metrics/samples.js';
import { MESSAGE_SCHEMA, type MetricsReport } from '../../shared/mqtt/messages.js';

export interface MetricsReporterDeps {
  node: string;
  sampleNode(): Promise<NodeSample>;
  samplePods(): Promise<PodSample[]>;
  /** Resolves once the broker has the report (QoS 1); rejects when it cannot be sent. */
  publish(report: MetricsReport): Promise<void>;
  isConnected(): boolean;
  now(): number;
  intervalMs: number;
  /** The most samples kept while they cannot be sent. */
  maxBuffered: number;
  /** The most samples in one report (a reconnect after a long outage sends several). */
  maxPerReport: number;
  log: Logger;
}

export class MetricsReporter {
  private readonly buffer: MetricsSample[] = [];
  /** Samples in a report the broker has not acknowledged yet. */
  private readonly inFlight = new Set<MetricsSample>();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  private flushing = false;
  /** Samples dropped because the buffer was full, since start. */
  dropped = 0;
  /** How long the last sample took, ms. */
  lastSampleMs = 0;

  constructor(private readonly deps: MetricsReporterDeps) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Samples now and sends what is buffered. */
  async tick(): Promise<void> {
    if (this.sampling) return; // a slow disk must not pile up samples
    this.sampling = true;
    try {
      const started = performance.now();
      const timestamp = new Date(this.deps.now()).toISOString();
      const [node, pods] = await Promise.all([this.deps.sampleNode(), this.deps.samplePods()]);
      this.lastSampleMs = performance.now() - started;
      this.deps.log.debug({ ms: Math.round(this.lastSampleMs * 10) / 10, pods: pods.length }, 'metrics sampled');
      this.buffer.push({ timestamp, node, pods });
      this.trim();
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'metrics sample failed');
    } finally {
      this.sampling = false;
    }
    await this.flush();
  }

  /**
   * Drops the oldest samples beyond maxBuffered, never one in flight (the broker may be about to
   * acknowledge it: dropping it would count a sent sample as lost).
   */
  private trim(): void {
    let excess = this.buffer.length - this.deps.maxBuffered;
    if (excess <= 0) return;
    for (let i = 0; i < this.buffer.length && excess > 0; ) {
      if (this.inFlight.has(this.buffer[i]!)) {
        i++;
        continue;
      }
      this.buffer.splice(i, 1);
      excess--;
      this.dropped++;
    }
    this.deps.log.warn({ dropped: this.dropped, kept: this.buffer.length }, 'metrics buffer full while the hub is unreachable; oldest samples dropped');
  }

  /** Sends every buffered sample, oldest first; stops at the first failure and keeps the rest. */
  async flush(): Promise<void> {
    if (this.flushing || !this.deps.isConnected()) return;
    this.flushing = true;
    try {
      while (this.buffer.length > 0 && this.deps.isConnected()) {
        const batch = this.buffer.slice(0, this.deps.maxPerReport);
        for (const sample of batch) this.inFlight.add(sample);
        try {
          await this.deps.publish({ schema: MESSAGE_SCHEMA, node: this.deps.node, samples: batch });
        } finally {
          for (const sample of batch) this.inFlight.delete(sample);
        }
        // Only now, and by identity: a sample leaves the buffer once the broker has acknowledged it.
        const sent = new Set(batch);
        for (let i = this.buffer.length - 1; i >= 0; i--) if (sent.has(this.buffer[i]!)) this.buffer.splice(i, 1);
      }
    } catch (err) {
      this.deps.log.debug({ err: errorMessage(err), buffered: this.buffer.length }, 'metrics not sent; kept for the next try');
    } finally {
      this.flushing = false;
    }
  }

  get buffered(): number {
    return this.buffer.length;
  }
}
