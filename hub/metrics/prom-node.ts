/**
 * node_exporter-style families from each node's newest sample, named as node_exporter names
 * them so that its dashboards and recording rules work unchanged; every series carries the
 * Skiff node name as `node` (what Kubernetes scrape configs add by relabelling). Fields a board
 * does not give (MemFree, temperature, Pi throttle flags) give no series rather than zeros.
 */
import type { MetricsSample, NodeSample, ThrottleFlags } from '../../shared/metrics/samples.js';
import type { Family, Series } from './prom-families.js';

export interface NodeSamples {
  samples: ReadonlyArray<{ node: string; sample: MetricsSample }>;
}

/** vcgencmd get_throttled bit names, as the Raspberry Pi documentation spells them. */
const THROTTLE_FLAGS: ReadonlyArray<[keyof ThrottleFlags, string]> = [
  ['underVoltage', 'under_voltage'],
  ['frequencyCapped', 'arm_frequency_capped'],
  ['throttled', 'throttled'],
  ['softTemperatureLimit', 'soft_temperature_limit'],
  ['underVoltageOccurred', 'under_voltage_occurred'],
  ['frequencyCappedOccurred', 'arm_frequency_capped_occurred'],
  ['throttledOccurred', 'throttled_occurred'],
  ['softTemperatureLimitOccurred', 'soft_temperature_limit_occurred'],
];

/** One series per node from a field that may be absent. */
function perNode(snapshot: NodeSamples, value: (node: NodeSample, sample: MetricsSample) => number | undefined): Series[] {
  const series: Series[] = [];
  for (const { node, sample } of snapshot.samples) {
    const v = value(sample.node, sample);
    if (v !== undefined) series.push({ labels: { node }, value: v });
  }
  return series;
}

function gauge(name: string, help: string, value: (node: NodeSample, sample: MetricsSample) => number | undefined): Family<NodeSamples> {
  return { name, help, type: 'gauge', labelNames: ['node'], series: (s) => perNode(s, value) };
}

const FILESYSTEM_LABELS = ['node', 'device', 'mountpoint', 'fstype'] as const;

function filesystem(name: string, help: string, field: 'sizeBytes' | 'availBytes' | 'freeBytes'): Family<NodeSamples> {
  return {
    name,
    help,
    type: 'gauge',
    labelNames: FILESYSTEM_LABELS,
    series: ({ samples }) =>
      samples.flatMap(({ node, sample }) =>
        sample.node.filesystems.map((fs) => ({ labels: { node, device: fs.device, mountpoint: fs.mountpoint, fstype: fs.fstype }, value: fs[field] })),
      ),
  };
}

function network(name: string, help: string, field: 'receiveBytes' | 'transmitBytes'): Family<NodeSamples> {
  return {
    name,
    help,
    type: 'counter',
    labelNames: ['node', 'device'],
    series: ({ samples }) => samples.flatMap(({ node, sample }) => sample.node.network.map((n) => ({ labels: { node, device: n.device }, value: n[field] }))),
  };
}

export const NODE_FAMILIES: ReadonlyArray<Family<NodeSamples>> = [
  {
    name: 'node_cpu_seconds_total',
    help: 'Seconds the CPUs spent in each mode.',
    type: 'counter',
    labelNames: ['node', 'cpu', 'mode'],
    series: ({ samples }) =>
      samples.flatMap(({ node, sample }) =>
        sample.node.cpuSeconds.flatMap((modes, cpu) => Object.entries(modes).map(([mode, seconds]) => ({ labels: { node, cpu: String(cpu), mode }, value: seconds }))),
      ),
  },
  gauge('node_load1', '1m load average.', (n) => n.load1),
  gauge('node_load5', '5m load average.', (n) => n.load5),
  gauge('node_load15', '15m load average.', (n) => n.load15),
  gauge('node_memory_MemTotal_bytes', 'Memory information field MemTotal_bytes.', (n) => n.memoryTotalBytes),
  gauge('node_memory_MemAvailable_bytes', 'Memory information field MemAvailable_bytes.', (n) => n.memoryAvailableBytes),
  gauge('node_memory_MemFree_bytes', 'Memory information field MemFree_bytes.', (n) => n.memoryFreeBytes),
  filesystem('node_filesystem_size_bytes', 'Filesystem size in bytes.', 'sizeBytes'),
  filesystem('node_filesystem_avail_bytes', 'Filesystem space available to non-root users in bytes.', 'availBytes'),
  filesystem('node_filesystem_free_bytes', 'Filesystem free space in bytes.', 'freeBytes'),
  network('node_network_receive_bytes_total', 'Network device statistic receive_bytes.', 'receiveBytes'),
  network('node_network_transmit_bytes_total', 'Network device statistic transmit_bytes.', 'transmitBytes'),
  gauge('node_thermal_zone_temp', 'Temperature of the hottest thermal zone, in degrees Celsius.', (n) => n.temperatureCelsius),
  gauge('node_boot_time_seconds', 'Node boot time, in unixtime.', (n) => n.bootTimeSeconds),
  gauge('node_time_seconds', 'System time of the node when its newest sample was taken, in unixtime.', (_n, sample) => Date.parse(sample.timestamp) / 1000),
  gauge('skiff_node_uptime_seconds', 'Seconds since the node booted, when its newest sample was taken.', (n) => n.uptimeSeconds),
  {
    name: 'skiff_node_throttled',
    help: 'Raspberry Pi firmware throttling flags (vcgencmd get_throttled): 1 when set; *_occurred flags are sticky since boot.',
    type: 'gauge',
    labelNames: ['node', 'flag'],
    series: ({ samples }) =>
      samples.flatMap(({ node, sample }) => {
        const flags = sample.node.throttle;
        return flags ? THROTTLE_FLAGS.map(([field, flag]) => ({ labels: { node, flag }, value: flags[field] ? 1 : 0 })) : [];
      }),
  },
];
