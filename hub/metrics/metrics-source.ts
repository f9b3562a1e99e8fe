/**
 * What the hub knows about resource usage, as the rest of the hub reads it: `skiff top`, the
 * metrics.k8s.io API, the HorizontalPodAutoscaler and /metrics all go through this interface,
 * never through the SQLite tables behind it. Usage is a rate over the window between the last
 * two samples of a node, as metrics-server reports it.
 */
import type { MetricsSample } from '../../shared/metrics/samples.js';
import type { OutboxDropped } from '../../shared/mqtt/messages.js';

export interface ResourceUsage {
  /** CPU in use, nanocores (1e9 = one core), averaged over the window. */
  cpuNanoCores: number;
  memoryWorkingSetBytes: number;
}

export interface NodeUsage {
  node: string;
  /** End of the window, RFC 3339. */
  timestamp: string;
  windowSeconds: number;
  usage: ResourceUsage;
}

export interface ContainerUsage {
  name: string;
  usage: ResourceUsage;
}

export interface PodUsage {
  namespace: string;
  name: string;
  uid: string;
  node: string;
  timestamp: string;
  windowSeconds: number;
  containers: ContainerUsage[];
}

export interface MetricsSource {
  /** Usage of every node that sent two samples recently enough. */
  nodes(): NodeUsage[];
  /** Usage of every Pod seen in two samples of its node, optionally in one namespace. */
  pods(namespace?: string): PodUsage[];
  /** The newest raw sample of each node (cumulative counters), for /metrics. */
  latestSamples(): Array<{ node: string; sample: MetricsSample }>;
  /** Entries each node's outbox gave up while the hub was unreachable, per channel, as the node last said. */
  outboxDropped?(): Array<{ node: string; dropped: OutboxDropped }>;
}
