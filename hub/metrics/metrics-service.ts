/**
 * The hub's usage metrics: takes the samples agents send, keeps each node's newest two in memory
 * (the live view: top, metrics.k8s.io, HPA, /metrics) and writes what they give as time series
 * to MetricsDb, which a timer down-samples. The one MetricsSource the rest of the hub reads.
 */
import type { Logger } from '../../shared/log.js';
import type { MetricsSample } from '../../shared/metrics/samples.js';
import type { OutboxDelivery, OutboxDropped } from '../../shared/mqtt/messages.js';
import { DeliveryLedger } from '../ingest/delivery-ledger.js';
import { MetricsDb, type Series, type SeriesQuery } from './metrics-db.js';
import type { MetricsSource, NodeUsage, PodUsage } from './metrics-source.js';
import { seriesPoints } from './series-points.js';
import { nodeUsage, podUsages } from './usage-math.js';

interface NodeWindow {
  previous?: MetricsSample;
  latest: MetricsSample;
  /** Hub clock when the latest arrived: staleness is judged by it, as a Pi without an RTC may have any clock. */
  receivedMs: number;
}

export interface MetricsServiceOptions {
  db: MetricsDb;
  maxUsageAgeMs: number;
  downsampleIntervalMs: number;
  now(): number;
  log: Logger;
}

export class MetricsService implements MetricsSource {
  private readonly windows = new Map<string, NodeWindow>();
  private timer: NodeJS.Timeout | undefined;
  private readonly dropped = new Map<string, OutboxDropped>();
  /** Samples taken in, for /metrics and tests. */
  samplesIngested = 0;
  /** Redelivered samples skipped (seq already applied), for tests. */
  samplesRedelivered = 0;
  /**
   * What each node's outbox delivered so far, kept in metrics.db. Events use it too
   * (hub/ingest/event-ingest.ts): one ledger, one file.
   */
  readonly ledger: DeliveryLedger;

  constructor(private readonly options: MetricsServiceOptions) {
    this.ledger = new DeliveryLedger(options.db);
  }

  start(): void {
    this.timer ??= setInterval(() => this.downsample(), this.options.downsampleIntervalMs);
    this.timer.unref();
  }

  downsample(): void {
    try {
      this.options.db.downsample(this.options.now());
    } catch (err) {
      this.options.log.error({ err }, 'metrics down-sampling failed; retried on the next run');
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.options.db.close();
  }

  /**
   * Samples from one node, in the order it took them. One whose seq was applied already (`delivery`,
   * from the node's outbox) or older than what the node already sent is dropped.
   */
  ingest(node: string, samples: readonly MetricsSample[], delivery: OutboxDelivery = {}, outboxDropped?: OutboxDropped): void {
    if (outboxDropped) this.dropped.set(node, outboxDropped);
    const fresh = this.ledger.fresh(node, 'metrics', delivery, samples.length);
    this.samplesRedelivered += samples.length - fresh.length;
    const ordered = fresh.map((i) => samples[i]!).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    const points = [];
    for (const sample of ordered) {
      const window = this.windows.get(node);
      if (window && Date.parse(sample.timestamp) <= Date.parse(window.latest.timestamp)) {
        this.options.log.debug({ node, timestamp: sample.timestamp }, 'metrics sample not newer than the last one; dropped');
        continue;
      }
      points.push(...seriesPoints(node, window?.latest, sample));
      this.windows.set(node, { ...(window ? { previous: window.latest } : {}), latest: sample, receivedMs: this.options.now() });
      this.samplesIngested++;
    }
    const mark = this.ledger.next(node, 'metrics', delivery);
    this.options.db.insert(points, mark);
    this.ledger.remember(mark);
  }

  /** What each node's outbox reported it gave up, per channel (cumulative). */
  outboxDropped(): Array<{ node: string; dropped: OutboxDropped }> {
    return [...this.dropped].map(([node, dropped]) => ({ node, dropped }));
  }

  /** A deleted node's usage goes at once (its series stay until retention ends them). */
  forget(node: string): void {
    this.windows.delete(node);
    this.dropped.delete(node);
  }

  private *fresh(): Iterable<[string, Required<NodeWindow>]> {
    const oldest = this.options.now() - this.options.maxUsageAgeMs;
    for (const [node, window] of this.windows) {
      if (window.previous && window.receivedMs >= oldest) yield [node, window as Required<NodeWindow>];
    }
  }

  nodes(): NodeUsage[] {
    const out: NodeUsage[] = [];
    for (const [node, w] of this.fresh()) {
      const usage = nodeUsage(node, w.previous, w.latest);
      if (usage) out.push(usage);
    }
    return out;
  }

  pods(namespace?: string): PodUsage[] {
    const out: PodUsage[] = [];
    for (const [node, w] of this.fresh()) {
      for (const usage of podUsages(node, w.previous, w.latest)) if (namespace === undefined || usage.namespace === namespace) out.push(usage);
    }
    return out;
  }

  latestSamples(): Array<{ node: string; sample: MetricsSample }> {
    const oldest = this.options.now() - this.options.maxUsageAgeMs;
    return [...this.windows].filter(([, w]) => w.receivedMs >= oldest).map(([node, w]) => ({ node, sample: w.latest }));
  }

  get tierCount(): number {
    return this.options.db.tiers.length;
  }

  /** Stored series, from the finest tier that still covers the range unless one is asked for. */
  series(query: Omit<SeriesQuery, 'tier'> & { tier?: number }): { tier: number; stepMs: number; series: Series[] } {
    const tier = query.tier ?? this.options.db.tierFor(query.fromMs, this.options.now());
    return { tier, stepMs: this.options.db.tiers[tier]?.stepMs ?? 0, series: this.options.db.query({ ...query, tier }) };
  }
}
