/**
 * The usage APIs (hub/api/metrics-api.ts) on a real SQLite object store and a MetricsService with
 * its MetricsDb in a temporary directory: metrics.k8s.io lists and objects shaped as
 * metrics-server's (what kubectl top reads), labelSelector filtering, Pods deleted from the store
 * left out, and the series endpoint's parameters and 400 errors naming the parameter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { metricsApi, usageQuantities, type MetricsApiDeps } from '../../../hub/api/metrics-api.js';
import { MetricsDb } from '../../../hub/metrics/metrics-db.js';
import { MetricsService } from '../../../hub/metrics/metrics-service.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { ErrorCodes } from '../../../shared/errors.js';
import type { MetricsSample, PodSample } from '../../../shared/metrics/samples.js';
import { silentHubLogger } from './controller-harness.js';
import { node, pod } from './fixtures.js';

const NODES = resolveResource('nodes')!;
const PODS = resolveResource('pods')!;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const NOW = T0 + 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function podSample(namespace: string, name: string, cpuSeconds: number, workingSet: number, timestamp?: string): PodSample {
  return {
    namespace,
    name,
    uid: `uid-${name}`,
    ...(timestamp ? { timestamp } : {}),
    containers: [
      { name: 'app', cpuUsageSeconds: cpuSeconds, memoryWorkingSetBytes: workingSet },
      { name: 'side', cpuUsageSeconds: cpuSeconds / 2, memoryWorkingSetBytes: 1024 },
    ],
  };
}

function sample(ms: number, busy: number, pods: PodSample[]): MetricsSample {
  return {
    timestamp: iso(ms),
    node: { cpuSeconds: [{ user: busy, idle: 1e6 }], load1: 0.5, load5: 0, load15: 0, memoryTotalBytes: 4 * 2 ** 30, memoryAvailableBytes: 3 * 2 ** 30, filesystems: [], network: [], uptimeSeconds: 1, bootTimeSeconds: 1 },
    pods,
  };
}

async function setup(t: Test): Promise<{ deps: MetricsApiDeps; store: SqliteStore; service: MetricsService; get(path: string, query?: string): Promise<any> }> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-metrics-api-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  const service = new MetricsService({ db: new MetricsDb(join(dir, 'metrics.db'), DEFAULTS.metrics.tiers), maxUsageAgeMs: 120_000, downsampleIntervalMs: 60_000, now: () => NOW, log: silentHubLogger });
  t.teardown(async () => {
    service.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.create(NODES, node('pi-1', { labels: { 'kubernetes.io/arch': 'arm64' } }));
  await store.create(NODES, node('pi-2', { labels: { 'kubernetes.io/arch': 'amd64' } }));
  await store.create(NODES, node('pi-3'));
  await store.create(PODS, pod('web', { labels: { app: 'web' }, nodeName: 'pi-1' }));
  await store.create(PODS, pod('db', { labels: { app: 'db' }, nodeName: 'pi-1' }));
  await store.create(PODS, pod('gw', { namespace: 'edge', labels: { app: 'gw' }, nodeName: 'pi-2' }));
  service.ingest('pi-1', [
    sample(T0, 100, [podSample('default', 'web', 10, 0), podSample('default', 'db', 0, 0), podSample('default', 'ghost', 0, 0)]),
    sample(T0 + 10_000, 105, [podSample('default', 'web', 12, 64 * 2 ** 20), podSample('default', 'db', 1, 1536), podSample('default', 'ghost', 1, 1)]),
  ]);
  service.ingest('pi-2', [
    sample(T0, 0, [podSample('edge', 'gw', 0, 0, iso(T0 + 250))]),
    sample(T0 + 20_000, 1, [podSample('edge', 'gw', 4, 2048, iso(T0 + 10_500))]),
  ]);
  // A node the hub hears from but that was deleted from the store.
  service.ingest('gone', [sample(T0, 0, []), sample(T0 + 10_000, 1, [])]);
  const deps: MetricsApiDeps = { store, metrics: service, now: () => NOW };
  return { deps, store, service, get: (path, query = '') => metricsApi(deps, path, new URLSearchParams(query)) };
}

const M = '/apis/metrics.k8s.io/v1beta1';
const S = '/apis/metrics.skiff.io/v1alpha1/series';

t.test('usage quantities as metrics-server writes them: nanocores and KiB (rounded)', async (t) => {
  t.same(usageQuantities({ cpuNanoCores: 1234567, memoryWorkingSetBytes: 1536 }), { cpu: '1234567n', memory: '2Ki' });
  t.same(usageQuantities({ cpuNanoCores: 0, memoryWorkingSetBytes: 511 }), { cpu: '0n', memory: '0Ki' });
});

t.test('NodeMetricsList: one item per node with usage and a Node object, sorted by name', async (t) => {
  const { get } = await setup(t);
  const list = await get(`${M}/nodes`);
  t.equal(list.kind, 'NodeMetricsList');
  t.equal(list.apiVersion, 'metrics.k8s.io/v1beta1');
  t.same(list.metadata, {});
  t.same(
    list.items.map((i: any) => i.metadata.name),
    ['pi-1', 'pi-2'],
    'pi-3 has no usage; "gone" has no Node object',
  );
  const [first] = list.items;
  t.match(first, {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'pi-1', labels: { 'kubernetes.io/arch': 'arm64' } },
    timestamp: iso(T0 + 10_000),
    window: '10s',
    usage: { cpu: '500000000n', memory: `${2 ** 20}Ki` },
  });
  t.notOk('namespace' in first.metadata);
  t.ok(!Number.isNaN(Date.parse(first.metadata.creationTimestamp)), 'creationTimestamp is a time, as metrics-server sets it');
  t.equal(list.items[1].window, '20s');
});

t.test('NodeMetrics of one node; NotFound for one without usage or unknown', async (t) => {
  const { get } = await setup(t);
  t.match(await get(`${M}/nodes/pi-2`), { kind: 'NodeMetrics', metadata: { name: 'pi-2' }, usage: { cpu: '50000000n' } });
  await t.rejects(get(`${M}/nodes/pi-3`), { code: 'SKIFF_ERR_NOT_FOUND', message: 'nodemetrics.metrics.k8s.io "pi-3" not found' });
  await t.rejects(get(`${M}/nodes/nope`), { code: 'SKIFF_ERR_NOT_FOUND', message: 'nodemetrics.metrics.k8s.io "nope" not found' });
  await t.rejects(get(`${M}/nodes/gone`), { code: 'SKIFF_ERR_NOT_FOUND' }, 'a node deleted from the store');
});

t.test('nodes filtered by labelSelector', async (t) => {
  const { get } = await setup(t);
  t.same((await get(`${M}/nodes`, 'labelSelector=kubernetes.io/arch=amd64')).items.map((i: any) => i.metadata.name), ['pi-2']);
  t.same((await get(`${M}/nodes`, 'labelSelector=kubernetes.io/arch!=amd64')).items.map((i: any) => i.metadata.name), ['pi-1']);
  t.same((await get(`${M}/nodes`, 'labelSelector=')).items.length, 2, 'an empty selector selects everything');
  await t.rejects(get(`${M}/nodes`, 'labelSelector=a b c'), { code: 'SKIFF_ERR_BAD_REQUEST' });
});

t.test('PodMetricsList in a namespace: containers with usage; Pods deleted from the store left out', async (t) => {
  const { get } = await setup(t);
  const list = await get(`${M}/namespaces/default/pods`);
  t.equal(list.kind, 'PodMetricsList');
  t.equal(list.apiVersion, 'metrics.k8s.io/v1beta1');
  t.same(list.metadata, {});
  t.same(list.items.map((i: any) => i.metadata.name), ['db', 'web'], 'sorted by name; "ghost" is not in the store');
  const web = list.items[1];
  t.match(web, {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    timestamp: iso(T0 + 10_000),
    window: '10s',
  });
  t.same(web.containers, [
    { name: 'app', usage: { cpu: '200000000n', memory: '65536Ki' } },
    { name: 'side', usage: { cpu: '100000000n', memory: '1Ki' } },
  ]);
  t.same(list.items[0].containers[0], { name: 'app', usage: { cpu: '100000000n', memory: '2Ki' } });
});

t.test('PodMetrics windows use the Pod own timestamps, as a Go duration', async (t) => {
  const { get } = await setup(t);
  const gw = await get(`${M}/namespaces/edge/pods/gw`);
  t.equal(gw.timestamp, iso(T0 + 10_500));
  t.equal(gw.window, '10.25s');
  t.same(gw.containers[0].usage, { cpu: '390243902n', memory: '2Ki' });
});

t.test('pods across all namespaces, sorted by namespace then name', async (t) => {
  const { get } = await setup(t);
  t.same((await get(`${M}/pods`)).items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`), ['default/db', 'default/web', 'edge/gw']);
  t.same((await get(`${M}/namespaces/edge/pods`)).items.map((i: any) => i.metadata.name), ['gw']);
  t.same((await get(`${M}/namespaces/empty/pods`)).items, []);
});

t.test('pods filtered by labelSelector', async (t) => {
  const { get } = await setup(t);
  t.same((await get(`${M}/pods`, 'labelSelector=app in (web,gw)')).items.map((i: any) => i.metadata.name), ['web', 'gw']);
  t.same((await get(`${M}/namespaces/default/pods`, 'labelSelector=app=gw')).items, []);
});

t.test('PodMetrics of one Pod; NotFound for a Pod without usage, unknown, or in another namespace', async (t) => {
  const { get, store } = await setup(t);
  t.match(await get(`${M}/namespaces/default/pods/web`), { kind: 'PodMetrics', metadata: { name: 'web', namespace: 'default' } });
  await t.rejects(get(`${M}/namespaces/default/pods/nope`), { code: 'SKIFF_ERR_NOT_FOUND', message: 'podmetrics.metrics.k8s.io "nope" not found' });
  await t.rejects(get(`${M}/namespaces/edge/pods/web`), { code: 'SKIFF_ERR_NOT_FOUND', message: 'podmetrics.metrics.k8s.io "web" not found' });
  await t.rejects(get(`${M}/namespaces/default/pods/ghost`), { code: 'SKIFF_ERR_NOT_FOUND' }, 'usage known, Pod not in the store');
  await store.create(PODS, pod('idle'));
  await t.rejects(get(`${M}/namespaces/default/pods/idle`), { code: 'SKIFF_ERR_NOT_FOUND' }, 'in the store, no usage yet');
});

t.test('an object without labels gives metadata without labels', async (t) => {
  const { get, store } = await setup(t);
  await store.create(PODS, pod('ghost'));
  const ghost = await get(`${M}/namespaces/default/pods/ghost`);
  t.same(Object.keys(ghost.metadata).sort(), ['creationTimestamp', 'name', 'namespace']);
});

t.test('a Pod deleted and re-created under the same name does not show the old Pod usage', async (t) => {
  const { get, store } = await setup(t);
  await store.delete(PODS, 'default', 'web');
  await store.create(PODS, pod('web', { uid: 'uid-web-2' }));
  t.same((await get(`${M}/namespaces/default/pods`)).items.map((i: any) => i.metadata.name), ['db']);
});

t.test('unknown paths are NotFound', async (t) => {
  const { get } = await setup(t);
  for (const path of [
    `${M}/namespaces/default/nodes`,
    `${M}/nodes/pi-1/extra`,
    `${M}/namespaces/default/pods/web/extra`,
    `${M}/deployments`,
    `${M}`,
    '/apis/metrics.k8s.io/v1/nodes',
    '/apis/metrics.skiff.io/v1alpha1/nodes',
    `${S}/extra`,
  ]) {
    await t.rejects(get(path), { code: 'SKIFF_ERR_NOT_FOUND', message: 'the server could not find the requested resource' }, path);
  }
});

t.test('series: the last hour by default, from the raw tier, labels without empty fields, times in seconds', async (t) => {
  const { get } = await setup(t);
  const result = await get(S, 'node=pi-1&metric=cpu_usage_cores');
  t.match(result, { kind: 'SeriesList', apiVersion: 'metrics.skiff.io/v1alpha1', tier: 0, stepSeconds: 0 });
  t.same(
    result.items.filter((i: any) => i.labels.pod === undefined),
    [{ labels: { node: 'pi-1', metric: 'cpu_usage_cores' }, points: [[(T0 + 10_000) / 1000, 0.5]] }],
  );
  t.equal(result.items.length, 7, 'the node and each of its 6 containers with a previous sample (the ghost Pod included: series outlive Pods)');
  const web = await get(S, 'pod=web&container=app&namespace=default&metric=memory_working_set_bytes');
  t.same(web.items, [
    {
      labels: { node: 'pi-1', namespace: 'default', pod: 'web', container: 'app', metric: 'memory_working_set_bytes' },
      points: [[T0 / 1000, 0], [(T0 + 10_000) / 1000, 64 * 2 ** 20]],
    },
  ]);
});

t.test('series: since, from and to narrow the range; an old start picks a coarser tier', async (t) => {
  const { get } = await setup(t);
  t.same((await get(S, 'node=pi-1&metric=load1&since=55s')).items[0].points, [[(T0 + 10_000) / 1000, 0.5]], 'since 55s before NOW');
  t.same((await get(S, 'node=pi-1&metric=load1&since=1m30s')).items[0].points.length, 2);
  t.same((await get(S, `node=pi-1&metric=load1&from=${iso(T0)}&to=${iso(T0 + 5_000)}`)).items[0].points, [[T0 / 1000, 0.5]]);
  t.same((await get(S, `node=pi-1&metric=load1&to=${iso(T0 - 1)}`)).items, []);
  t.match(await get(S, 'since=2h'), { tier: 1, stepSeconds: 60 });
  t.match(await get(S, 'since=48h'), { tier: 2, stepSeconds: 3600 });
  t.match(await get(S, 'since=48h&tier=0'), { tier: 0, stepSeconds: 0 });
  t.same((await get(S, 'node=pi-1&metric=load1&tier=1')).items, [], 'nothing down-sampled yet');
});

t.test('series: a bad parameter is a 400 naming it', async (t) => {
  const { get } = await setup(t);
  const cases: Array<[string, RegExp]> = [
    ['since=soon', /^query parameter since: invalid argument "soon"/],
    ['since=', /^query parameter since: /],
    ['from=yesterday', /^query parameter from: "yesterday" is not an RFC 3339 time$/],
    ['to=later', /^query parameter to: "later" is not an RFC 3339 time$/],
    ['tier=3', /^query parameter tier: must be an integer from 0 to 2$/],
    ['tier=-1', /^query parameter tier: must be an integer from 0 to 2$/],
    ['tier=1.5', /^query parameter tier: must be an integer from 0 to 2$/],
    ['tier=fine', /^query parameter tier: must be an integer from 0 to 2$/],
  ];
  for (const [query, message] of cases) await t.rejects(get(S, query), { code: 'SKIFF_ERR_BAD_REQUEST', message }, query);
  t.equal(ErrorCodes.SKIFF_ERR_BAD_REQUEST.httpStatus, 400, 'answered as 400 Bad Request');
});
