/**
 * The hub's /metrics registry on a fake MetricsSource (pure data) and a real SQLite store: each
 * scrape is parsed by a Prometheus text-format parser, so names, TYPE lines, labels and values
 * are checked as a scraper reads them, not as prom-client holds them.
 */
import { createRequire } from 'node:module';
import t, { type Test } from 'tap';
import { WorkQueue } from '../../../hub/controllers/work-queue.js';
import type { MetricsSource } from '../../../hub/metrics/metrics-source.js';
import { createHubMetrics, type HubMetricsOptions } from '../../../hub/metrics/prometheus.js';
import { perScrape } from '../../../hub/metrics/prom-families.js';
import { KUBE_STATE_FAMILIES } from '../../../hub/metrics/prom-kube-state.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { MetricsSample } from '../../../shared/metrics/samples.js';
import { createLogger } from '../../../shared/log.js';
import { controllerHarness } from './controller-harness.js';
import { deployment, node, pod } from './fixtures.js';

interface ParsedSample {
  labels?: Record<string, string>;
  value?: string;
}
interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: ParsedSample[];
}
// parse-prometheus-text-format ships no type declarations; its CommonJS export is the parser.
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

const pods = resolveResource('pods')!;
const deployments = resolveResource('deployments')!;
const nodes = resolveResource('nodes')!;

/** A Raspberry Pi: two CPUs, a temperature and throttle flags, one Pod with two containers. */
const PI_SAMPLE: MetricsSample = {
  timestamp: '2026-01-01T00:00:10.000Z',
  node: {
    cpuSeconds: [
      { user: 100.5, system: 20, idle: 1000, iowait: 3 },
      { user: 90, system: 25, idle: 1010.25 },
    ],
    load1: 0.5,
    load5: 0.25,
    load15: 0.125,
    memoryTotalBytes: 1_000_000_000,
    memoryAvailableBytes: 600_000_000,
    memoryFreeBytes: 200_000_000,
    filesystems: [{ device: '/dev/mmcblk0p2', mountpoint: '/', fstype: 'ext4', sizeBytes: 32e9, availBytes: 20e9, freeBytes: 21e9 }],
    network: [{ device: 'eth0', receiveBytes: 12345, transmitBytes: 6789 }],
    temperatureCelsius: 51.5,
    throttle: {
      underVoltage: false,
      frequencyCapped: false,
      throttled: false,
      softTemperatureLimit: false,
      underVoltageOccurred: true,
      frequencyCappedOccurred: false,
      throttledOccurred: false,
      softTemperatureLimitOccurred: false,
    },
    uptimeSeconds: 600,
    bootTimeSeconds: 1767225010 - 600,
  },
  pods: [
    {
      namespace: 'edge',
      name: 'web-1',
      uid: 'uid-web-1',
      containers: [
        {
          name: 'web',
          cpuUsageSeconds: 12.5,
          cpuPeriods: 1000,
          cpuThrottledPeriods: 250,
          cpuThrottledSeconds: 3.25,
          memoryUsageBytes: 50_000_000,
          memoryWorkingSetBytes: 40_000_000,
          oomKills: 1,
          fsReadBytes: 4096,
          fsWriteBytes: 8192,
        },
        // A container whose cgroup gave nothing but CPU (cgroup v1 without blkio, say).
        { name: 'sidecar', cpuUsageSeconds: 0.75 },
      ],
      network: [{ device: 'eth0', receiveBytes: 1000, transmitBytes: 2000 }],
    },
  ],
};

/** A board without the optional fields: no MemFree, temperature, throttle flags or Pods. */
const BARE_SAMPLE: MetricsSample = {
  timestamp: '2026-01-01T00:00:10.000Z',
  node: {
    cpuSeconds: [{ user: 1, idle: 2 }],
    load1: 0,
    load5: 0,
    load15: 0,
    memoryTotalBytes: 500,
    memoryAvailableBytes: 400,
    filesystems: [],
    network: [],
    uptimeSeconds: 5,
    bootTimeSeconds: 1767225005,
  },
  pods: [],
};

function fakeSource(samples: Array<{ node: string; sample: MetricsSample }>, counter = { reads: 0 }): MetricsSource {
  return {
    nodes: () => [],
    pods: () => [],
    latestSamples: () => {
      counter.reads++;
      return samples;
    },
  };
}

const silent = createLogger('hub', 'silent');

/** A registry on a real store (removed with the test) and a parser-backed reader of one scrape. */
function metricsUnderTest(t: Test, options: Partial<HubMetricsOptions> = {}) {
  const { store } = controllerHarness(t, () => ({ controllers: [] }));
  const metrics = createHubMetrics({ store, source: fakeSource([]), processMetrics: false, ...options });
  t.teardown(() => metrics.close());
  const scrape = async () => {
    const { contentType, body } = await metrics.render();
    const families = new Map(parsePrometheus(body).map((f) => [f.name, f]));
    const family = (name: string): ParsedFamily => {
      const found = families.get(name);
      if (!found) throw new Error(`no family ${name} in the scrape`);
      return found;
    };
    /** Every series of a family whose labels include `labels`, as numbers. */
    const values = (name: string, labels: Record<string, string> = {}) =>
      family(name)
        .metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
        .map((m) => Number(m.value));
    /** The one value of the series with exactly these labels. */
    const value = (name: string, labels: Record<string, string>) => {
      const matching = family(name).metrics.filter((m) => JSON.stringify(sorted(m.labels ?? {})) === JSON.stringify(sorted(labels)));
      if (matching.length !== 1) throw new Error(`${matching.length} series of ${name} with labels ${JSON.stringify(labels)}`);
      return Number(matching[0]!.value);
    };
    return { contentType, body, families, family, values, value };
  };
  return { store, metrics, scrape };
}

function sorted(labels: Record<string, string>): Array<[string, string]> {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
}

t.test('node_exporter-style families carry the node name and the sample values', async (t) => {
  const { scrape } = metricsUnderTest(t, { source: fakeSource([{ node: 'pi-1', sample: PI_SAMPLE }, { node: 'bare', sample: BARE_SAMPLE }]) });
  const s = await scrape();
  t.match(s.contentType, /^text\/plain; version=0\.0\.4/);

  t.equal(s.family('node_cpu_seconds_total').type, 'COUNTER');
  t.equal(s.value('node_cpu_seconds_total', { node: 'pi-1', cpu: '0', mode: 'user' }), 100.5);
  t.equal(s.value('node_cpu_seconds_total', { node: 'pi-1', cpu: '1', mode: 'idle' }), 1010.25);
  t.equal(s.values('node_cpu_seconds_total', { node: 'pi-1' }).length, 7, 'one series per CPU and mode the kernel gave');
  t.equal(s.value('node_cpu_seconds_total', { node: 'bare', cpu: '0', mode: 'idle' }), 2);

  t.equal(s.family('node_load1').type, 'GAUGE');
  t.equal(s.value('node_load5', { node: 'pi-1' }), 0.25);
  t.equal(s.value('node_load15', { node: 'pi-1' }), 0.125);
  t.equal(s.value('node_memory_MemTotal_bytes', { node: 'pi-1' }), 1e9);
  t.equal(s.value('node_memory_MemAvailable_bytes', { node: 'pi-1' }), 6e8);
  t.equal(s.value('node_memory_MemFree_bytes', { node: 'pi-1' }), 2e8);
  t.same(s.values('node_memory_MemFree_bytes', { node: 'bare' }), [], 'no MemFree series where the sample has none (never a zero)');

  const fs = { node: 'pi-1', device: '/dev/mmcblk0p2', mountpoint: '/', fstype: 'ext4' };
  t.equal(s.value('node_filesystem_size_bytes', fs), 32e9);
  t.equal(s.value('node_filesystem_avail_bytes', fs), 20e9);
  t.equal(s.value('node_filesystem_free_bytes', fs), 21e9);
  t.equal(s.family('node_network_receive_bytes_total').type, 'COUNTER');
  t.equal(s.value('node_network_receive_bytes_total', { node: 'pi-1', device: 'eth0' }), 12345);
  t.equal(s.value('node_network_transmit_bytes_total', { node: 'pi-1', device: 'eth0' }), 6789);

  t.equal(s.value('node_thermal_zone_temp', { node: 'pi-1' }), 51.5);
  t.same(s.values('node_thermal_zone_temp', { node: 'bare' }), [], 'no temperature series for a board without one');
  t.equal(s.value('skiff_node_throttled', { node: 'pi-1', flag: 'under_voltage_occurred' }), 1);
  t.equal(s.value('skiff_node_throttled', { node: 'pi-1', flag: 'under_voltage' }), 0);
  t.equal(s.values('skiff_node_throttled', { node: 'pi-1' }).length, 8);
  t.same(s.values('skiff_node_throttled', { node: 'bare' }), []);

  t.equal(s.value('node_boot_time_seconds', { node: 'pi-1' }), 1767225010 - 600);
  t.equal(s.value('node_time_seconds', { node: 'pi-1' }), 1767225610, 'the time the sample was taken');
  t.equal(s.value('skiff_node_uptime_seconds', { node: 'bare' }), 5);
});

t.test('cAdvisor-style families are labelled node, namespace, pod and container', async (t) => {
  const { scrape } = metricsUnderTest(t, { source: fakeSource([{ node: 'pi-1', sample: PI_SAMPLE }]) });
  const s = await scrape();
  const web = { node: 'pi-1', namespace: 'edge', pod: 'web-1', container: 'web' };
  const expected: Array<[string, string, number]> = [
    ['container_cpu_usage_seconds_total', 'COUNTER', 12.5],
    ['container_cpu_cfs_periods_total', 'COUNTER', 1000],
    ['container_cpu_cfs_throttled_periods_total', 'COUNTER', 250],
    ['container_cpu_cfs_throttled_seconds_total', 'COUNTER', 3.25],
    ['container_memory_usage_bytes', 'GAUGE', 50e6],
    ['container_memory_working_set_bytes', 'GAUGE', 40e6],
    ['container_oom_events_total', 'COUNTER', 1],
    ['container_fs_reads_bytes_total', 'COUNTER', 4096],
    ['container_fs_writes_bytes_total', 'COUNTER', 8192],
  ];
  for (const [name, type, value] of expected) {
    t.equal(s.family(name).type, type, `${name} is a ${type}`);
    t.equal(s.value(name, web), value, name);
  }
  t.equal(s.value('container_cpu_usage_seconds_total', { ...web, container: 'sidecar' }), 0.75);
  t.same(s.values('container_memory_working_set_bytes', { container: 'sidecar' }), [], 'a field the cgroup did not give has no series');
  t.equal(s.value('container_network_receive_bytes_total', { node: 'pi-1', namespace: 'edge', pod: 'web-1', interface: 'eth0' }), 1000);
  t.equal(s.value('container_network_transmit_bytes_total', { node: 'pi-1', namespace: 'edge', pod: 'web-1', interface: 'eth0' }), 2000);
});

t.test('kube-state-style families follow the objects in the store', async (t) => {
  const { store, scrape } = metricsUnderTest(t);
  await store.create(pods, pod('running', { nodeName: 'pi-1', phase: 'Running', restarts: 3, owner: 'web-abc' }));
  await store.create(pods, pod('waiting', { phase: 'Pending' }));
  await store.create(pods, pod('fresh')); // no phase yet
  await store.create(deployments, deployment({ replicas: 3 }, { replicas: 3, availableReplicas: 2, updatedReplicas: 1 }));
  await store.create(nodes, node('pi-1', { ready: 'True', unschedulable: true }));
  await store.create(nodes, node('pi-2', { ready: 'Unknown' }));
  const s = await scrape();

  const running = { namespace: 'default', pod: 'running', uid: 'uid-running' };
  t.equal(s.family('kube_pod_status_phase').type, 'GAUGE');
  t.same(
    Object.fromEntries(s.family('kube_pod_status_phase').metrics.filter((m) => m.labels?.pod === 'running').map((m) => [m.labels!.phase, Number(m.value)])),
    { Pending: 0, Succeeded: 0, Failed: 0, Unknown: 0, Running: 1 },
    'one series per phase, 1 for the current one (as kube-state-metrics)',
  );
  t.equal(s.value('kube_pod_status_phase', { namespace: 'default', pod: 'waiting', uid: 'uid-waiting', phase: 'Pending' }), 1);
  t.same(s.values('kube_pod_status_phase', { pod: 'fresh' }), [], 'no phase series before the Pod has a phase');

  t.equal(
    s.value('kube_pod_info', { ...running, node: 'pi-1', host_ip: '', pod_ip: '', created_by_kind: 'ReplicaSet', created_by_name: 'web-abc' }),
    1,
  );
  t.equal(s.value('kube_pod_info', { namespace: 'default', pod: 'fresh', uid: 'uid-fresh', node: '', host_ip: '', pod_ip: '', created_by_kind: '<none>', created_by_name: '<none>' }), 1);
  t.equal(s.family('kube_pod_container_status_restarts_total').type, 'COUNTER');
  t.equal(s.value('kube_pod_container_status_restarts_total', { ...running, container: 'c' }), 3);

  const web = { namespace: 'default', deployment: 'web' };
  t.equal(s.value('kube_deployment_spec_replicas', web), 3);
  t.equal(s.value('kube_deployment_status_replicas', web), 3);
  t.equal(s.value('kube_deployment_status_replicas_available', web), 2);
  t.equal(s.value('kube_deployment_status_replicas_updated', web), 1);

  t.same(
    Object.fromEntries(s.family('kube_node_status_condition').metrics.filter((m) => m.labels?.node === 'pi-2').map((m) => [`${m.labels!.condition}=${m.labels!.status}`, Number(m.value)])),
    { 'Ready=true': 0, 'Ready=false': 0, 'Ready=unknown': 1 },
    'true/false/unknown series per condition, 1 for the current status',
  );
  t.equal(s.value('kube_node_status_condition', { node: 'pi-1', condition: 'Ready', status: 'true' }), 1);
  t.equal(s.value('kube_node_spec_unschedulable', { node: 'pi-1' }), 1);
  t.equal(s.value('kube_node_spec_unschedulable', { node: 'pi-2' }), 0);
  t.equal(s.values('kube_node_info', { node: 'pi-1' }).length, 1);
});

t.test('a Deployment without spec.replicas wants 1, and one without status has 0 available', async (t) => {
  const { store, scrape } = metricsUnderTest(t);
  await store.create(deployments, deployment());
  const s = await scrape();
  t.equal(s.value('kube_deployment_spec_replicas', { namespace: 'default', deployment: 'web' }), 1);
  t.equal(s.value('kube_deployment_status_replicas_available', { namespace: 'default', deployment: 'web' }), 0);
});

t.test('a node reported with its system info and address gets them as kube_node_info labels', async (t) => {
  const { store, scrape } = metricsUnderTest(t);
  const reported = node('pi-1');
  reported.status = {
    ...(reported.status as object),
    addresses: [{ type: 'InternalIP', address: '10.0.0.7' }],
    nodeInfo: { architecture: 'arm64', operatingSystem: 'linux', kernelVersion: '6.6.31', osImage: 'Raspbian', containerRuntimeVersion: 'docker://26.1', kubeletVersion: 'skiff-0.1.0' },
  };
  await store.create(nodes, reported);
  const s = await scrape();
  t.equal(
    s.value('kube_node_info', { node: 'pi-1', kernel_version: '6.6.31', os_image: 'Raspbian', container_runtime_version: 'docker://26.1', kubelet_version: 'skiff-0.1.0', internal_ip: '10.0.0.7' }),
    1,
  );
});

t.test('Skiff families: broker clients and messages per channel', async (t) => {
  const broker = {
    stats: () => ({ clientsConnected: 2, messagesReceived: new Map([['status', 7], ['metrics', 3]]), messagesPublished: new Map([['desired', 4]]) }),
  };
  const { scrape } = metricsUnderTest(t, { broker });
  const s = await scrape();
  t.equal(s.family('skiff_mqtt_clients_connected').type, 'GAUGE');
  t.equal(s.value('skiff_mqtt_clients_connected', {}), 2);
  t.equal(s.family('skiff_mqtt_messages_received_total').type, 'COUNTER');
  t.equal(s.value('skiff_mqtt_messages_received_total', { channel: 'status' }), 7);
  t.equal(s.value('skiff_mqtt_messages_received_total', { channel: 'metrics' }), 3);
  t.equal(s.value('skiff_mqtt_messages_published_total', { channel: 'desired' }), 4);
});

t.test('without a broker there are no MQTT families', async (t) => {
  const { scrape } = metricsUnderTest(t);
  const s = await scrape();
  t.notOk(s.families.has('skiff_mqtt_clients_connected'));
});

t.test('every work queue sync is histogrammed by controller, failures counted, until close', async (t) => {
  const { metrics, scrape } = metricsUnderTest(t);
  const queue = new WorkQueue({
    name: 'metrics-test-queue',
    logger: silent,
    retryInitialMs: 60_000,
    sync: async (key) => {
      if (key === 'bad') throw new Error('refused');
    },
  });
  t.teardown(() => queue.stop());
  queue.add('a');
  queue.add('b');
  queue.add('bad');
  await queue.idle();

  const s = await scrape();
  t.equal(s.family('skiff_controller_sync_duration_seconds').type, 'HISTOGRAM');
  t.equal(s.family('skiff_controller_sync_errors_total').type, 'COUNTER');
  // The text parser folds labelled histograms into one entry, so the counts are read from the registry.
  const syncCount = async (controller: string) => {
    const histogram = await metrics.registry.getSingleMetric('skiff_controller_sync_duration_seconds')!.get();
    return (histogram.values as Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>).find(
      (v) => v.metricName === 'skiff_controller_sync_duration_seconds_count' && v.labels.controller === controller,
    )?.value;
  };
  t.equal(await syncCount('metrics-test-queue'), 3, 'three syncs observed');
  t.equal(s.value('skiff_controller_sync_errors_total', { controller: 'metrics-test-queue' }), 1);
  t.match(s.body, /skiff_controller_sync_duration_seconds_bucket\{le="0\.001",controller="metrics-test-queue"\} \d+/);

  metrics.close();
  queue.add('c');
  await queue.idle();
  t.equal(await syncCount('metrics-test-queue'), 3, 'closed metrics observe no more syncs');
});

t.test('every *_total family is a counter and every family has help text', async (t) => {
  const { scrape } = metricsUnderTest(t, {
    source: fakeSource([{ node: 'pi-1', sample: PI_SAMPLE }]),
    broker: { stats: () => ({ clientsConnected: 0, messagesReceived: new Map(), messagesPublished: new Map() }) },
    processMetrics: true,
  });
  const s = await scrape();
  t.ok(s.families.size > 40, `${s.families.size} families`);
  const all = [...s.families.values()];
  t.same(all.filter((f) => !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name)).map((f) => f.name), [], 'valid metric names');
  t.same(all.filter((f) => f.help === '').map((f) => f.name), [], 'help on every family');
  // prom-client's own nodejs_active_*_total are gauges (its naming, not ours).
  const ours = all.filter((f) => !f.name.startsWith('nodejs_') && !f.name.startsWith('process_'));
  t.same(ours.filter((f) => f.name.endsWith('_total') && f.type !== 'COUNTER').map((f) => f.name), [], 'every *_total of ours is a counter');
  t.same(ours.filter((f) => f.type === 'COUNTER' && !f.name.endsWith('_total')).map((f) => f.name), [], 'every counter of ours ends in _total');
  t.ok(s.families.has('process_cpu_user_seconds_total'), "the hub process's own metrics, under their standard names");
  t.ok(s.families.has('nodejs_heap_size_used_bytes'));
});

t.test('values Prometheus cannot take are left out, never exported', async (t) => {
  const broken: MetricsSample = {
    ...BARE_SAMPLE,
    node: { ...BARE_SAMPLE.node, load1: Number.NaN, cpuSeconds: [{ user: -1, idle: 5 }] },
    pods: [{ namespace: 'default', name: 'p', uid: 'u', containers: [{ name: 'c', cpuUsageSeconds: Number.POSITIVE_INFINITY, memoryWorkingSetBytes: 10 }] }],
  };
  const { scrape } = metricsUnderTest(t, { source: fakeSource([{ node: 'odd', sample: broken }]) });
  const s = await scrape();
  t.same(s.values('node_load1', { node: 'odd' }), []);
  t.same(s.values('node_cpu_seconds_total', { node: 'odd', mode: 'user' }), [], 'a counter is never negative');
  t.equal(s.value('node_cpu_seconds_total', { node: 'odd', cpu: '0', mode: 'idle' }), 5);
  t.same(s.values('container_cpu_usage_seconds_total', { pod: 'p' }), []);
  t.equal(s.value('container_memory_working_set_bytes', { node: 'odd', namespace: 'default', pod: 'p', container: 'c' }), 10);
});

t.test('one scrape reads the samples once; the next scrape reads them again', async (t) => {
  const reads = { reads: 0 };
  const source = fakeSource([{ node: 'pi-1', sample: PI_SAMPLE }], reads);
  const { metrics } = metricsUnderTest(t, { source });
  await metrics.render();
  t.equal(reads.reads, 1, 'every node and container family shared one read');
  await metrics.render();
  t.equal(reads.reads, 2);
});

t.test('perScrape: callers in one tick share a load; a failed load is not kept', async (t) => {
  let loads = 0;
  let fail = true;
  const shared = perScrape(async () => {
    loads++;
    if (fail) throw new Error('store closed');
    return loads;
  });
  const [a, b] = await Promise.allSettled([shared(), shared()]);
  t.equal(a.status, 'rejected');
  t.equal(b.status, 'rejected');
  t.equal(loads, 1);
  fail = false;
  t.equal(await shared(), 2, 'the next call loads afresh');
});

t.test('kube-state families of objects without optional fields: empty labels, ksm defaults', async (t) => {
  const bare = (kind: string) => ({ apiVersion: 'v1', kind, metadata: {} });
  const objects = { pods: [{ ...bare('Pod'), status: { phase: 'Failed' as const } }], deployments: [bare('Deployment')], nodes: [bare('Node')] };
  const series = (name: string) => KUBE_STATE_FAMILIES.find((f) => f.name === name)!.series(objects);
  t.same(series('kube_pod_info'), [{ labels: { namespace: '', pod: '', uid: '', node: '', host_ip: '', pod_ip: '', created_by_kind: '<none>', created_by_name: '<none>' }, value: 1 }]);
  t.equal(series('kube_pod_status_phase').find((s) => s.labels.phase === 'Failed')?.value, 1);
  t.same(series('kube_pod_container_status_restarts_total'), []);
  t.same(series('kube_deployment_spec_replicas'), [{ labels: { namespace: '', deployment: '' }, value: 1 }]);
  t.same(series('kube_deployment_status_replicas'), [{ labels: { namespace: '', deployment: '' }, value: 0 }]);
  t.same(series('kube_node_info'), [{ labels: { node: '', kernel_version: '', os_image: '', container_runtime_version: '', kubelet_version: '', internal_ip: '' }, value: 1 }]);
  t.same(series('kube_node_spec_unschedulable'), [{ labels: { node: '' }, value: 0 }]);
  t.same(series('kube_node_status_condition'), [], 'no conditions reported, no series');
});
