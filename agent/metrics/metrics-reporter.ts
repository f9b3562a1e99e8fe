/**
 * Takes a metrics sample every metricsInterval and sends it to the hub. Each sample goes to the
 * durable outbox first (agent/outbox/outbox.ts) and leaves it only once the broker has it (QoS 1),
 * so a link drop or an agent restart while offline costs no data; a long outage fills the outbox,
 * which down-samples and then drops the oldest samples (outbox-policy.ts). Every report carries
 * the outbox's seqs (the hub applies each once) and its drop totals (the hub exposes them).
 * Sampling time is measured and logged at debug level, since its cost on a Pi is a target of its
 * own (docs/benchmarks.md).
 */
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { MetricsSample, NodeSample, PodSample } from '../../shared/metrics/samples.js';
import { MESSAGE_SCHEMA, type MetricsReport } from '../../shared/mqtt/messages.js';
import type { Outbox } from '../outbox/outbox.js';

export interface MetricsReporterDeps {
  node: string;
  outbox: Outbox;
  sampleNode(): Promise<NodeSample>;
  samplePods(): Promise<PodSample[]>;
  /** Resolves once the broker has the report (QoS 1); rejects when it cannot be sent. */
  publish(report: MetricsReport): Promise<void>;
  isConnected(): boolean;
  now(): number;
  intervalMs: number;
  /** The most samples in one report (a reconnect after a long outage sends several). */
  maxPerReport: number;
  log: Logger;
}

export class MetricsReporter {
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  private flushing = false;
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

  /** Samples now and sends what waits in the outbox. */
  async tick(): Promise<void> {
    if (this.sampling) return; // a slow disk must not pile up samples
    this.sampling = true;
    try {
      const started = performance.now();
      const timestamp = new Date(this.deps.now()).toISOString();
      const [node, pods] = await Promise.all([this.deps.sampleNode(), this.deps.samplePods()]);
      this.lastSampleMs = performance.now() - started;
      this.deps.log.debug({ ms: Math.round(this.lastSampleMs * 10) / 10, pods: pods.length }, 'metrics sampled');
      const sample: MetricsSample = { timestamp, node, pods };
      this.deps.outbox.enqueue('metrics', sample);
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'metrics sample failed');
    } finally {
      this.sampling = false;
    }
    await this.flush();
  }

  /** Sends every waiting sample, oldest first; stops at the first failure and keeps the rest. */
  async flush(): Promise<void> {
    if (this.flushing || !this.deps.isConnected()) return;
    this.flushing = true;
    const { outbox } = this.deps;
    try {
      while (this.deps.isConnected()) {
        const sent = await outbox.deliver<MetricsSample>('metrics', this.deps.maxPerReport, (items) =>
          this.deps.publish({
            schema: MESSAGE_SCHEMA,
            node: this.deps.node,
            samples: items.map((i) => i.value),
            stream: outbox.stream,
            seqs: items.map((i) => i.seq),
            outboxDropped: outbox.droppedTotals(),
          }),
        );
        if (sent === 0) break;
      }
    } catch (err) {
      this.deps.log.debug({ err: errorMessage(err), waiting: outbox.size().entries }, 'metrics not sent; kept in the outbox for the next try');
    } finally {
      this.flushing = false;
    }
  }
}
