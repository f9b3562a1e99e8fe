/**
 * cAdvisor-style families from each node's newest sample: the names the kubelet's
 * /metrics/cadvisor endpoint uses, labelled node, namespace, pod and container, so that
 * Kubernetes dashboards (`container_cpu_usage_seconds_total`, `container_memory_working_set_bytes`)
 * read Skiff unchanged. Pod network counters carry `interface` instead of `container`, as cAdvisor's.
 */
import type { ContainerSample } from '../../shared/metrics/samples.js';
import type { Family } from './prom-families.js';
import type { NodeSamples } from './prom-node.js';

type ContainerField = Exclude<keyof ContainerSample, 'name'>;

const CONTAINER_LABELS = ['node', 'namespace', 'pod', 'container'] as const;

function container(name: string, help: string, type: 'gauge' | 'counter', field: ContainerField): Family<NodeSamples> {
  return {
    name,
    help,
    type,
    labelNames: CONTAINER_LABELS,
    series: ({ samples }) =>
      samples.flatMap(({ node, sample }) =>
        sample.pods.flatMap((pod) =>
          pod.containers.flatMap((c) => {
            const value = c[field];
            return value === undefined ? [] : [{ labels: { node, namespace: pod.namespace, pod: pod.name, container: c.name }, value }];
          }),
        ),
      ),
  };
}

function podNetwork(name: string, help: string, field: 'receiveBytes' | 'transmitBytes'): Family<NodeSamples> {
  return {
    name,
    help,
    type: 'counter',
    labelNames: ['node', 'namespace', 'pod', 'interface'],
    series: ({ samples }) =>
      samples.flatMap(({ node, sample }) =>
        sample.pods.flatMap((pod) => (pod.network ?? []).map((n) => ({ labels: { node, namespace: pod.namespace, pod: pod.name, interface: n.device }, value: n[field] }))),
      ),
  };
}

export const CONTAINER_FAMILIES: ReadonlyArray<Family<NodeSamples>> = [
  container('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed in seconds.', 'counter', 'cpuUsageSeconds'),
  container('container_cpu_cfs_periods_total', 'Number of elapsed enforcement period intervals.', 'counter', 'cpuPeriods'),
  container('container_cpu_cfs_throttled_periods_total', 'Number of throttled period intervals.', 'counter', 'cpuThrottledPeriods'),
  container('container_cpu_cfs_throttled_seconds_total', 'Total time duration the container has been throttled.', 'counter', 'cpuThrottledSeconds'),
  container('container_memory_usage_bytes', 'Current memory usage in bytes, including all memory regardless of when it was accessed.', 'gauge', 'memoryUsageBytes'),
  container('container_memory_working_set_bytes', 'Current working set in bytes.', 'gauge', 'memoryWorkingSetBytes'),
  container('container_oom_events_total', 'Count of out of memory events observed for the container.', 'counter', 'oomKills'),
  container('container_fs_reads_bytes_total', 'Cumulative count of bytes read.', 'counter', 'fsReadBytes'),
  container('container_fs_writes_bytes_total', 'Cumulative count of bytes written.', 'counter', 'fsWriteBytes'),
  podNetwork('container_network_receive_bytes_total', 'Cumulative count of bytes received.', 'receiveBytes'),
  podNetwork('container_network_transmit_bytes_total', 'Cumulative count of bytes transmitted.', 'transmitBytes'),
];
