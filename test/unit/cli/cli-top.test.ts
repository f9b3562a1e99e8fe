/**
 * `skiff top nodes|pods` run in-process (hub/cli/main.ts `run`, the command line as a user types
 * it) against a real hub API server (createApiServer on a SQLite store in a temporary directory)
 * whose MetricsService has been fed samples: the tables kubectl prints, and kubectl's errors for an
 * unknown Pod or node, a Pod without usage yet, and a bad --sort-by.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createApiServer } from '../../../hub/api/server.js';
import type { CliIO } from '../../../hub/cli/io.js';
import { run } from '../../../hub/cli/main.js';
import { MetricsDb } from '../../../hub/metrics/metrics-db.js';
import { MetricsService } from '../../../hub/metrics/metrics-service.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { createLogger } from '../../../shared/log.js';
import type { MetricsSample, PodSample } from '../../../shared/metrics/samples.js';
import { node, pod } from '../hub/fixtures.js';
import { listenApi, tempApiStore } from '../hub/api-server-rig.js';

const TOKEN = 'admin-token';
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const MI = 2 ** 20;

interface Hub {
  url: string;
  store: SqliteStore;
  service: MetricsService;
}

async function startHub(t: Test): Promise<Hub> {
  const { store, dir } = await tempApiStore(t, ['default', 'edge']);
  const logger = createLogger('hub', 'silent');
  const service = new MetricsService({ db: new MetricsDb(join(dir, 'metrics.db'), DEFAULTS.metrics.tiers), maxUsageAgeMs: 120_000, downsampleIntervalMs: 60_000, now: () => T0 + 20_000, log: logger });
  t.teardown(() => service.stop());
  const { url } = await listenApi(t, { store, logger, adminToken: TOKEN, usage: service });
  return { url, store, service };
}

function withAllocatable(object: KubeObject, cpu: string, memory: string): KubeObject {
  return { ...object, status: { ...(object.status as object), allocatable: { cpu, memory, pods: '110' } } };
}

function podSample(namespace: string, name: string, containers: Array<[string, number, number]>): PodSample {
  return { namespace, name, uid: `uid-${name}`, containers: containers.map(([c, cpuUsageSeconds, memoryWorkingSetBytes]) => ({ name: c, cpuUsageSeconds, memoryWorkingSetBytes })) };
}

function sample(seconds: number, busy: number, memoryAvailableBytes: number, pods: PodSample[]): MetricsSample {
  return {
    timestamp: new Date(T0 + seconds * 1000).toISOString(),
    node: { cpuSeconds: [{ user: busy, idle: 1e6 }], load1: 0, load5: 0, load15: 0, memoryTotalBytes: 4096 * MI, memoryAvailableBytes, filesystems: [], network: [], uptimeSeconds: 1, bootTimeSeconds: 1 },
    pods,
  };
}

/** Two nodes with usage (one without), Pods in two namespaces, one Pod with no usage yet. */
async function seededHub(t: Test): Promise<Hub> {
  const hub = await startHub(t);
  const nodes = resolveResource('nodes')!;
  const pods = resolveResource('pods')!;
  await hub.store.create(nodes, withAllocatable(node('pi-1', { labels: { 'kubernetes.io/arch': 'arm64' } }), '4', '4Gi'));
  await hub.store.create(nodes, withAllocatable(node('pi-2', { labels: { 'kubernetes.io/arch': 'amd64' } }), '2', '2Gi'));
  await hub.store.create(nodes, node('pi-3'));
  await hub.store.create(pods, pod('web', { labels: { app: 'web' }, nodeName: 'pi-1' }));
  await hub.store.create(pods, pod('db', { labels: { app: 'db' }, nodeName: 'pi-1' }));
  await hub.store.create(pods, pod('idle', { nodeName: 'pi-1' }));
  await hub.store.create(pods, pod('gw', { namespace: 'edge', labels: { app: 'gw' }, nodeName: 'pi-2' }));
  hub.service.ingest('pi-1', [
    sample(0, 100, 3072 * MI, [podSample('default', 'web', [['app', 0, 0], ['side', 0, 0]]), podSample('default', 'db', [['pg', 0, 0]])]),
    // 10 s later: web used 1.2 + 0.05 CPU seconds (125m), db 3 s (300m); the node 10 s (1 core).
    sample(10, 110, 1024 * MI, [podSample('default', 'web', [['app', 1.2, 40 * MI], ['side', 0.05, 10 * MI]]), podSample('default', 'db', [['pg', 3, 300 * MI]])]),
  ]);
  hub.service.ingest('pi-2', [sample(0, 0, 1536 * MI, [podSample('edge', 'gw', [['envoy', 0, 0]])]), sample(10, 5, 1536 * MI, [podSample('edge', 'gw', [['envoy', 0.1, 16 * MI]])])]);
  return hub;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(hub: { url: string }): (...args: string[]) => Promise<Result> {
  return async (...args) => {
    let stdout = '';
    let stderr = '';
    const io: CliIO = {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      readStdin: async () => '',
      env: {},
      homedir: '/nonexistent',
      waitForSignal: () => new Promise(() => {}),
      exit: () => {},
    };
    const code = await run(['--server', hub.url, '--token', TOKEN, 'top', ...args], io);
    return { code, stdout, stderr };
  };
}

t.test('skiff top against a hub with usage', async (t) => {
  const hub = await seededHub(t);
  const top = cli(hub);

  await t.test('top nodes: every node, those without usage as <unknown>', async (t) => {
    t.same(await top('nodes'), {
      code: 0,
      stdout: [
        'NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)',
        'pi-1   1000m        25%         3072Mi          75%',
        'pi-2   500m         25%         2560Mi          125%',
        'pi-3   <unknown>    <unknown>   <unknown>       <unknown>',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  await t.test('top node NAME, aliases, selector, sorting and --no-headers', async (t) => {
    t.same((await top('node', 'pi-2')).stdout.split('\n')[1]!.split(/\s+/), ['pi-2', '500m', '25%', '2560Mi', '125%']);
    t.same((await top('no', 'pi-3', '--no-headers')).stdout, 'pi-3   <unknown>   <unknown>   <unknown>   <unknown>\n', 'a node without usage yet');
    t.same((await top('nodes', '-l', 'kubernetes.io/arch=amd64', '--no-headers')).stdout.split(/\s+/)[0], 'pi-2');
    const byMemory = (await top('nodes', '--sort-by', 'memory', '--no-headers')).stdout.trim().split('\n').map((l) => l.split(' ')[0]);
    t.same(byMemory, ['pi-1', 'pi-2', 'pi-3']);
    const byCpu = (await top('nodes', '--sort-by=cpu', '--no-headers')).stdout.trim().split('\n').map((l) => l.split(' ')[0]);
    t.same(byCpu, ['pi-1', 'pi-2', 'pi-3']);
  });

  await t.test('top node of an unknown node is NotFound', async (t) => {
    t.same(await top('node', 'nope'), { code: 1, stdout: '', stderr: 'Error from server (NotFound): nodes "nope" not found\n' });
  });

  await t.test('top pods: the namespace Pods with usage, containers summed', async (t) => {
    t.same(await top('pods'), {
      code: 0,
      stdout: ['NAME   CPU(cores)   MEMORY(bytes)', 'db     300m         300Mi', 'web    125m         50Mi', ''].join('\n'),
      stderr: '',
    });
  });

  await t.test('top pods: -n, -A, -l, --containers, --sort-by, --sum, --no-headers', async (t) => {
    t.same((await top('po', '-n', 'edge', '--no-headers')).stdout, 'gw    10m   16Mi\n');
    t.same(
      (await top('pods', '-A')).stdout.trim().split('\n').map((l) => l.split(/\s+/)),
      [
        ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
        ['default', 'db', '300m', '300Mi'],
        ['default', 'web', '125m', '50Mi'],
        ['edge', 'gw', '10m', '16Mi'],
      ],
    );
    t.same((await top('pods', '-l', 'app=web', '--no-headers')).stdout.split(/\s+/)[0], 'web');
    t.same(
      (await top('pod', 'web', '--containers')).stdout.trim().split('\n').map((l) => l.split(/\s+/)),
      [
        ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
        ['web', 'app', '120m', '40Mi'],
        ['web', 'side', '5m', '10Mi'],
      ],
    );
    t.same((await top('pods', '--sort-by', 'memory', '--no-headers')).stdout.trim().split('\n').map((l) => l.split(' ')[0]), ['db', 'web']);
    const sum = (await top('pods', '--sum')).stdout.trim().split('\n');
    t.equal(sum.length, 5);
    t.same(sum.at(-1)!.trim().split(/\s+/), ['425m', '350Mi']);
  });

  await t.test('top pod NAME of a Pod with usage', async (t) => {
    t.same(await top('pod', 'web', '--no-headers'), { code: 0, stdout: 'web   125m   50Mi\n', stderr: '' });
    t.same((await top('pod', 'gw', '-n', 'edge', '--no-headers')).stdout, 'gw    10m   16Mi\n');
  });

  await t.test('top pod of an unknown Pod is NotFound, as kubectl says it', async (t) => {
    t.same(await top('pod', 'nope'), { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    t.same((await top('pod', 'gw')).stderr, 'Error from server (NotFound): pods "gw" not found\n', 'in another namespace');
  });

  await t.test('top pod of a Pod without usage yet says metrics are not available yet', async (t) => {
    const result = await top('pod', 'idle');
    t.equal(result.code, 1);
    t.equal(result.stdout, '');
    t.equal(result.stderr, 'error: metrics not available yet\n');
  });

  await t.test('no Pods with usage in a namespace: kubectl message on stderr, exit 0', async (t) => {
    t.same(await top('pods', '-n', 'quiet'), { code: 0, stdout: '', stderr: 'No resources found in quiet namespace.\n' });
    t.same(await top('pods', '-A', '-l', 'app=none'), { code: 0, stdout: '', stderr: 'No resources found\n' });
  });

  await t.test('a bad --sort-by names the flag and its choices', async (t) => {
    t.same(await top('pods', '--sort-by', 'name'), { code: 1, stdout: '', stderr: 'error: --sort-by: "name" is not one of cpu, memory\n' });
    t.same(await top('nodes', '--sort-by', 'age'), { code: 1, stdout: '', stderr: 'error: --sort-by: "age" is not one of cpu, memory\n' });
  });

  await t.test('a Pod name with --all-namespaces is refused', async (t) => {
    t.same(await top('pod', 'web', '-A'), { code: 1, stdout: '', stderr: 'error: a pod name cannot be given with --all-namespaces\n' });
  });
});

t.test('a hub without any node: top nodes says metrics are not available yet', async (t) => {
  const top = cli(await startHub(t));
  const result = await top('nodes');
  t.equal(result.code, 1);
  t.equal(result.stdout, '');
  t.equal(result.stderr, 'error: metrics not available yet\n');
});
