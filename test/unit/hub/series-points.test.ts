/**
 * The time-series points one sample gives (hub/metrics/series-points.ts): node gauges always,
 * rates (CPU, network) and per-container CPU and throttling only with the node's previous
 * sample, filesystems labelled by mount point, nothing for a value a board does not have.
 */
import t from 'tap';
import { counterDelta, seriesPoints, type SeriesPoint } from '../../../hub/metrics/series-points.js';
import type { ContainerSample, MetricsSample, NodeSample, PodSample } from '../../../shared/metrics/samples.js';

const BASE = Date.parse('2030-01-01T00:00:00.000Z');
const T = (seconds: number): string => new Date(BASE + seconds * 1000).toISOString();

function node(o: Partial<NodeSample> = {}): NodeSample {
  return {
    cpuSeconds: [{ user: 100, system: 20, idle: 1000, iowait: 5 }],
    load1: 0.75,
    load5: 0.5,
    load15: 0.25,
    memoryTotalBytes: 4000,
    memoryAvailableBytes: 1000,
    filesystems: [
      { device: '/dev/mmcblk0p2', mountpoint: '/', fstype: 'ext4', sizeBytes: 100, availBytes: 40, freeBytes: 50 },
      { device: '/dev/sda1', mountpoint: '/data', fstype: 'ext4', sizeBytes: 1000, availBytes: 900, freeBytes: 950 },
    ],
    network: [
      { device: 'eth0', receiveBytes: 1000, transmitBytes: 500 },
      { device: 'wlan0', receiveBytes: 0, transmitBytes: 100 },
    ],
    temperatureCelsius: 51.5,
    uptimeSeconds: 1,
    bootTimeSeconds: 1,
    ...o,
  };
}

function pod(name: string, containers: ContainerSample[], timestamp?: string): PodSample {
  return { namespace: 'edge', name, uid: `uid-${name}`, containers, ...(timestamp ? { timestamp } : {}) };
}

function sample(seconds: number, n: NodeSample, pods: PodSample[] = []): MetricsSample {
  return { timestamp: T(seconds), node: n, pods };
}

/** "metric[/namespace/pod/container][{label}]" = value, for compact comparisons. */
function flat(points: SeriesPoint[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { key, value } of points) {
    const where = key.pod ? `/${key.namespace}/${key.pod}/${key.container}` : '';
    out[`${key.metric}${where}${key.label ? `{${key.label}}` : ''}`] = value;
  }
  return out;
}

const isContainerKey = (k: string): boolean => k.includes('/edge/');

t.test('the first sample of a node: gauges only, no rates', async (t) => {
  const points = seriesPoints('pi-1', undefined, sample(10, node()));
  t.same(flat(points), {
    memory_working_set_bytes: 3000,
    memory_available_bytes: 1000,
    load1: 0.75,
    temperature_celsius: 51.5,
    'filesystem_avail_bytes{/}': 40,
    'filesystem_avail_bytes{/data}': 900,
  });
  t.ok(points.every((p) => p.ts === BASE + 10_000), 'stamped with the sample time, ms');
  t.same(points[0]!.key, { node: 'pi-1', namespace: '', pod: '', container: '', metric: 'memory_working_set_bytes', label: '' }, 'node series have empty Pod fields');
});

t.test('with the previous sample: node CPU (busy seconds) and network rates summed over interfaces', async (t) => {
  const before = sample(0, node());
  const after = sample(10, node({
    cpuSeconds: [{ user: 104, system: 21, idle: 1009, iowait: 6 }],
    network: [
      { device: 'eth0', receiveBytes: 3000, transmitBytes: 600 },
      { device: 'wlan0', receiveBytes: 1000, transmitBytes: 100 },
    ],
  }));
  const values = flat(seriesPoints('pi-1', before, after));
  t.equal(values.cpu_usage_cores, 0.5, '(4 + 1) busy seconds in 10 s; idle and iowait do not count');
  t.equal(values.network_receive_bytes_per_second, 300);
  t.equal(values.network_transmit_bytes_per_second, 10);
});

t.test('a node whose counters went back (reboot) gets gauges but no rates', async (t) => {
  const before = sample(0, node({ cpuSeconds: [{ user: 9999 }], network: [{ device: 'eth0', receiveBytes: 1e9, transmitBytes: 1e9 }] }));
  const values = flat(seriesPoints('pi-1', before, sample(10, node())));
  t.notOk('cpu_usage_cores' in values);
  t.notOk('network_receive_bytes_per_second' in values);
  t.notOk('network_transmit_bytes_per_second' in values);
  t.equal(values.load1, 0.75);
});

t.test('a board without a thermal zone gives no temperature point (never 0)', async (t) => {
  const n = node();
  delete n.temperatureCelsius;
  t.notOk('temperature_celsius' in flat(seriesPoints('pi-1', undefined, sample(0, n))));
});

t.test('non-finite values are left out', async (t) => {
  const values = flat(seriesPoints('pi-1', undefined, sample(0, node({ load1: Number.NaN, temperatureCelsius: Number.POSITIVE_INFINITY }))));
  t.notOk('load1' in values);
  t.notOk('temperature_celsius' in values);
});

t.test('containers: working set always; CPU and throttled ratio only with the previous sample', async (t) => {
  const first = sample(0, node(), [pod('web', [{ name: 'app', cpuUsageSeconds: 10, memoryWorkingSetBytes: 100, cpuPeriods: 100, cpuThrottledPeriods: 10 }])]);
  t.same(
    Object.keys(flat(seriesPoints('pi-1', undefined, first))).filter(isContainerKey),
    ['memory_working_set_bytes/edge/web/app'],
  );
  const second = sample(10, node(), [pod('web', [{ name: 'app', cpuUsageSeconds: 12, memoryWorkingSetBytes: 150, cpuPeriods: 200, cpuThrottledPeriods: 35 }])]);
  const points = seriesPoints('pi-1', first, second);
  const values = flat(points);
  t.equal(values['memory_working_set_bytes/edge/web/app'], 150);
  t.equal(values['cpu_usage_cores/edge/web/app'], 0.2);
  t.equal(values['cpu_throttled_ratio/edge/web/app'], 0.25, '25 of the 100 periods in the window were throttled');
  t.same(points.find((p) => p.key.metric === 'cpu_throttled_ratio')!.key, { node: 'pi-1', namespace: 'edge', pod: 'web', container: 'app', metric: 'cpu_throttled_ratio', label: '' });
});

t.test('container CPU uses the Pods own timestamps for the window', async (t) => {
  const first = sample(0, node(), [pod('web', [{ name: 'app', cpuUsageSeconds: 0 }], T(1))]);
  const second = sample(10, node(), [pod('web', [{ name: 'app', cpuUsageSeconds: 2 }], T(5))]);
  t.equal(flat(seriesPoints('pi-1', first, second))['cpu_usage_cores/edge/web/app'], 0.5);
});

t.test('no throttled ratio without a quota (no periods elapsed) or without the counters', async (t) => {
  const cases: Array<[string, ContainerSample, ContainerSample]> = [
    ['no CFS periods in the window (no CPU limit)', { name: 'app', cpuPeriods: 5, cpuThrottledPeriods: 0 }, { name: 'app', cpuPeriods: 5, cpuThrottledPeriods: 0 }],
    ['no period counters', { name: 'app' }, { name: 'app' }],
    ['no throttled counter', { name: 'app', cpuPeriods: 5 }, { name: 'app', cpuPeriods: 10 }],
    ['periods went back (restarted)', { name: 'app', cpuPeriods: 500, cpuThrottledPeriods: 1 }, { name: 'app', cpuPeriods: 10, cpuThrottledPeriods: 1 }],
  ];
  for (const [what, before, after] of cases) {
    const values = flat(seriesPoints('pi-1', sample(0, node(), [pod('web', [before])]), sample(10, node(), [pod('web', [after])])));
    t.notOk('cpu_throttled_ratio/edge/web/app' in values, what);
  }
});

t.test('counterDelta: how much a counter grew, whatever the window; nothing for a missing reading or a reset', async (t) => {
  t.equal(counterDelta(100, 175), 75);
  t.equal(counterDelta(7, 7), 0);
  t.equal(counterDelta(undefined, 5), undefined);
  t.equal(counterDelta(5, undefined), undefined);
  t.equal(counterDelta(500, 10), undefined, 'the counter restarted from zero');
});

t.test('a container or Pod new in this sample gets its working set but no rates', async (t) => {
  const first = sample(0, node(), [pod('web', [{ name: 'app', cpuUsageSeconds: 1, memoryWorkingSetBytes: 1 }])]);
  const second = sample(10, node(), [
    pod('web', [{ name: 'app', cpuUsageSeconds: 2, memoryWorkingSetBytes: 1 }, { name: 'side', cpuUsageSeconds: 5, memoryWorkingSetBytes: 7 }]),
    pod('db', [{ name: 'pg', cpuUsageSeconds: 5, memoryWorkingSetBytes: 9 }]),
  ]);
  t.same(
    Object.keys(flat(seriesPoints('pi-1', first, second))).filter(isContainerKey).sort(),
    ['cpu_usage_cores/edge/web/app', 'memory_working_set_bytes/edge/db/pg', 'memory_working_set_bytes/edge/web/app', 'memory_working_set_bytes/edge/web/side'],
  );
});

t.test('a container without a working set gives no memory point', async (t) => {
  t.same(
    Object.keys(flat(seriesPoints('pi-1', undefined, sample(0, node(), [pod('web', [{ name: 'app', cpuUsageSeconds: 1 }])])))).filter(isContainerKey),
    [],
  );
});
