/**
 * What the hub keeps of each sample as time series (hub/metrics/metrics-db.ts): a few gauges and
 * rates per node and per container, enough for sparklines, `top` history and capacity questions.
 * The full counters stay on /metrics for Prometheus, which is the tool for everything else. Pure.
 */
import type { ContainerSample, MetricsSample } from '../../shared/metrics/samples.js';
import { busyCpuSeconds, nodeWorkingSetBytes, podTime, rate, windowSeconds } from './usage-math.js';

export const NODE_METRICS = [
  'cpu_usage_cores',
  'memory_working_set_bytes',
  'memory_available_bytes',
  'load1',
  'temperature_celsius',
  'network_receive_bytes_per_second',
  'network_transmit_bytes_per_second',
  'filesystem_avail_bytes',
] as const;
export const CONTAINER_METRICS = ['cpu_usage_cores', 'memory_working_set_bytes', 'cpu_throttled_ratio'] as const;

/** Which thing a series is about: a node (namespace, pod and container empty) or a container. */
export interface SeriesKey {
  node: string;
  namespace: string;
  pod: string;
  container: string;
  metric: string;
  /** A further label, e.g. the mount point of filesystem_avail_bytes; '' when none. */
  label: string;
}

export interface SeriesPoint {
  key: SeriesKey;
  /** ms since the epoch. */
  ts: number;
  value: number;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * How much a cumulative counter grew between two samples, or undefined when either reading is
 * missing or the counter went backwards (the container restarted), as usage-math's rate() treats
 * a reset. A count, not a per-second rate: for ratios of two counters over the same window.
 */
export function counterDelta(previous: number | undefined, current: number | undefined): number | undefined {
  if (previous === undefined || current === undefined || current < previous) return undefined;
  return current - previous;
}

/** CFS throttling over the window: throttled periods / all periods, as cAdvisor's counters give it. */
function throttledRatio(previous: ContainerSample, current: ContainerSample): number | undefined {
  const periods = counterDelta(previous.cpuPeriods, current.cpuPeriods);
  const throttled = counterDelta(previous.cpuThrottledPeriods, current.cpuThrottledPeriods);
  if (periods === undefined || periods === 0 || throttled === undefined) return undefined;
  return throttled / periods;
}

/** The points one sample gives; rates need the node's previous sample and are left out without it. */
export function seriesPoints(node: string, previous: MetricsSample | undefined, current: MetricsSample): SeriesPoint[] {
  const ts = Date.parse(current.timestamp);
  const out: SeriesPoint[] = [];
  const add = (metric: string, value: number | undefined, where: Partial<SeriesKey> = {}): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    out.push({ key: { node, namespace: '', pod: '', container: '', label: '', ...where, metric }, ts, value });
  };
  const n = current.node;
  const seconds = previous ? windowSeconds(previous, current) : 0;
  add('memory_working_set_bytes', nodeWorkingSetBytes(n));
  add('memory_available_bytes', n.memoryAvailableBytes);
  add('load1', n.load1);
  add('temperature_celsius', n.temperatureCelsius);
  for (const fs of n.filesystems) add('filesystem_avail_bytes', fs.availBytes, { label: fs.mountpoint });
  if (previous) {
    add('cpu_usage_cores', rate(busyCpuSeconds(previous.node), busyCpuSeconds(n), seconds));
    add('network_receive_bytes_per_second', rate(sum(previous.node.network.map((d) => d.receiveBytes)), sum(n.network.map((d) => d.receiveBytes)), seconds));
    add('network_transmit_bytes_per_second', rate(sum(previous.node.network.map((d) => d.transmitBytes)), sum(n.network.map((d) => d.transmitBytes)), seconds));
  }
  const before = new Map(previous?.pods.map((p) => [p.uid, p]) ?? []);
  for (const pod of current.pods) {
    const old = before.get(pod.uid);
    const podSeconds = old && previous ? windowSeconds(podTime(old, previous), podTime(pod, current)) : 0;
    for (const c of pod.containers) {
      const where = { namespace: pod.namespace, pod: pod.name, container: c.name };
      add('memory_working_set_bytes', c.memoryWorkingSetBytes, where);
      const prev = old?.containers.find((o) => o.name === c.name);
      if (!prev) continue;
      add('cpu_usage_cores', rate(prev.cpuUsageSeconds, c.cpuUsageSeconds, podSeconds), where);
      add('cpu_throttled_ratio', throttledRatio(prev, c), where);
    }
  }
  return out;
}
