/**
 * Rates from two samples of one node: what `top`, the metrics.k8s.io API, the HPA and the stored
 * time series show. Pure. CPU is the growth of cumulative CPU seconds over the window (as
 * metrics-server computes it from kubelet's counters); memory is the newest working set.
 * A counter that went backwards (the container restarted, the node rebooted) gives no rate for
 * that window rather than a negative one.
 */
import type { ContainerSample, MetricsSample, NodeSample, PodSample } from '../../shared/metrics/samples.js';
import type { ContainerUsage, NodeUsage, PodUsage } from './metrics-source.js';

/** Modes in which a CPU is not doing work (node_exporter's and metrics-server's idle set). */
const IDLE_MODES = new Set(['idle', 'iowait']);

export function busyCpuSeconds(node: NodeSample): number {
  let total = 0;
  for (const cpu of node.cpuSeconds) {
    for (const [mode, seconds] of Object.entries(cpu)) if (!IDLE_MODES.has(mode)) total += seconds ?? 0;
  }
  return total;
}

/** The node's working set: what is in use and cannot simply be dropped (MemTotal - MemAvailable). */
export function nodeWorkingSetBytes(node: NodeSample): number {
  return Math.max(0, node.memoryTotalBytes - node.memoryAvailableBytes);
}

export function windowSeconds(previous: { timestamp: string }, current: { timestamp: string }): number {
  return (Date.parse(current.timestamp) - Date.parse(previous.timestamp)) / 1000;
}

/** When a Pod's counters were read: its own stamp when the agent gave one, else the sample's. */
export function podTime(pod: PodSample, sample: MetricsSample): { timestamp: string } {
  return { timestamp: pod.timestamp ?? sample.timestamp };
}

/** Growth per second of a cumulative counter, or undefined when it cannot be trusted. */
export function rate(previous: number | undefined, current: number | undefined, seconds: number): number | undefined {
  if (previous === undefined || current === undefined || seconds <= 0 || current < previous) return undefined;
  return (current - previous) / seconds;
}

export function nodeUsage(node: string, previous: MetricsSample, current: MetricsSample): NodeUsage | undefined {
  const seconds = windowSeconds(previous, current);
  const cores = rate(busyCpuSeconds(previous.node), busyCpuSeconds(current.node), seconds);
  if (cores === undefined) return undefined;
  return {
    node,
    timestamp: current.timestamp,
    windowSeconds: seconds,
    usage: { cpuNanoCores: Math.round(cores * 1e9), memoryWorkingSetBytes: nodeWorkingSetBytes(current.node) },
  };
}

function containerUsage(previous: ContainerSample | undefined, current: ContainerSample, seconds: number): ContainerUsage | undefined {
  const cores = rate(previous?.cpuUsageSeconds, current.cpuUsageSeconds, seconds);
  if (cores === undefined || current.memoryWorkingSetBytes === undefined) return undefined;
  return { name: current.name, usage: { cpuNanoCores: Math.round(cores * 1e9), memoryWorkingSetBytes: current.memoryWorkingSetBytes } };
}

/**
 * Usage of every Pod present in both samples. A Pod is shown only when every one of its current
 * containers has a usage (metrics-server drops partial Pods too: a half-counted Pod would mislead
 * the HPA).
 */
export function podUsages(node: string, previous: MetricsSample, current: MetricsSample): PodUsage[] {
  const before = new Map<string, PodSample>(previous.pods.map((p) => [p.uid, p]));
  const out: PodUsage[] = [];
  for (const pod of current.pods) {
    const old = before.get(pod.uid);
    if (!old || pod.containers.length === 0) continue;
    const seconds = windowSeconds(podTime(old, previous), podTime(pod, current));
    const containers = pod.containers.map((c) => containerUsage(old.containers.find((o) => o.name === c.name), c, seconds));
    if (containers.some((c) => c === undefined)) continue;
    out.push({ namespace: pod.namespace, name: pod.name, uid: pod.uid, node, timestamp: podTime(pod, current).timestamp, windowSeconds: seconds, containers: containers as ContainerUsage[] });
  }
  return out;
}
