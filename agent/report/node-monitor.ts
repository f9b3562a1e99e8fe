/**
 * Samples the node's eviction signals every evictionMonitoringInterval (kubelet's housekeeping
 * period, 10 s) and keeps the pressure conditions; when one changes it asks for a status report
 * at once, so the hub can taint the node without waiting for the next heartbeat.
 */
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { NodeCondition } from '../../shared/api/status-types.js';
import { breachedSignals, PressureTracker, type NodeObservations } from './node-pressure.js';
import type { EvictionSignal, EvictionThresholds } from './node-resources.js';

export interface NodeMonitorDeps {
  sample(): Promise<NodeObservations>;
  thresholds: EvictionThresholds;
  transitionPeriodMs: number;
  intervalMs: number;
  /** A pressure condition changed. */
  onChange(): void;
  /** Every sample and the signals below their thresholds in it (the eviction manager acts on these). */
  onSample?(sample: NodeObservations, breached: readonly EvictionSignal[]): void;
  now(): number;
  log: Logger;
}

export class NodeMonitor {
  private readonly tracker: PressureTracker;
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  /** The last sample, for capacity (nodefs size) and debugging. */
  latest: NodeObservations | undefined;
  /** The signals below their threshold in the last sample. */
  breached: readonly EvictionSignal[] = [];

  constructor(private readonly deps: NodeMonitorDeps) {
    this.tracker = new PressureTracker(deps.transitionPeriodMs, new Date(deps.now()).toISOString());
  }

  /** One sample now (awaitable, so the first report already knows the node's storage), then periodic. */
  async start(): Promise<void> {
    await this.check();
    this.timer ??= setInterval(() => void this.check(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async check(): Promise<void> {
    if (this.sampling) return; // a slow filesystem must not pile up samples
    this.sampling = true;
    try {
      const sample = await this.deps.sample();
      this.latest = sample;
      const breached = breachedSignals(sample, this.deps.thresholds);
      this.breached = breached;
      if (this.tracker.observe(breached, this.deps.now())) {
        this.deps.log.info({ breached, conditions: this.tracker.conditions('').map((c) => `${c.type}=${c.status}`) }, 'node pressure changed');
        this.deps.onChange();
      }
      this.deps.onSample?.(sample, breached);
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'node pressure sample failed');
    } finally {
      this.sampling = false;
    }
  }

  conditions(nowIso: string): NodeCondition[] {
    return this.tracker.conditions(nowIso);
  }
}
