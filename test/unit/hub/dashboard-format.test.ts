/**
 * The dashboard's pure view logic (hub/dashboard/assets/format.js): quantities, bytes, ages,
 * sparkline geometry, and the rows the tables show (kubectl's words where kubectl has a column).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { repoRoot } from '../../helpers/repo.js';

// The browser's module, loaded as the browser loads it (a plain ES module, untyped here).
const f = await import(pathToFileURL(join(repoRoot(), 'hub', 'dashboard', 'assets', 'format.js')).href);

const NOW = Date.parse('2026-12-05T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();

t.test('parseQuantity: Kubernetes quantities as numbers', async (t) => {
  const cases: Array<[string | number | undefined, number | undefined]> = [
    ['4', 4],
    ['500m', 0.5],
    ['250000000n', 0.25],
    ['1024Ki', 1024 * 1024],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['2Mi', 2 * 2 ** 20],
    ['1G', 1e9],
    ['3k', 3000],
    [7, 7],
    [' 2 ', 2],
    ['', undefined],
    [undefined, undefined],
    ['abc', undefined],
    ['5Q', undefined],
  ];
  for (const [input, expected] of cases) t.equal(f.parseQuantity(input), expected, JSON.stringify(input));
});

t.test('formatBytes: binary units, one decimal below 10', async (t) => {
  t.equal(f.formatBytes(512), '512 B');
  t.equal(f.formatBytes(1536), '1.5 KiB');
  t.equal(f.formatBytes(3.25 * 2 ** 20), '3.3 MiB');
  t.equal(f.formatBytes(14 * 2 ** 30), '14 GiB');
  t.equal(f.formatBytes(5 * 2 ** 50), '5120 TiB', 'TiB is the largest unit');
  t.equal(f.formatBytes(undefined), 'n/a');
  t.equal(f.formatBytes(NaN), 'n/a');
});

t.test("formatAge: kubectl's short human durations", async (t) => {
  t.equal(f.formatAge(ago(0), NOW), '0s');
  t.equal(f.formatAge(ago(119), NOW), '119s');
  t.equal(f.formatAge(ago(120), NOW), '2m');
  t.equal(f.formatAge(ago(119 * 60), NOW), '119m');
  t.equal(f.formatAge(ago(5 * 3600), NOW), '5h');
  t.equal(f.formatAge(ago(47 * 3600), NOW), '47h');
  t.equal(f.formatAge(ago(12 * 86400), NOW), '12d');
  t.equal(f.formatAge(ago(800 * 86400), NOW), '2y');
  t.equal(f.formatAge(new Date(NOW + 5000).toISOString(), NOW), '0s', 'a clock ahead is not a negative age');
  t.equal(f.formatAge(undefined, NOW), '<unknown>');
  t.equal(f.formatAge('not a time', NOW), '<unknown>');
});

t.test('sparklinePath: points scaled into the box, y down, the floor at min', async (t) => {
  t.equal(f.sparklinePath([], 60, 18), '');
  t.equal(f.sparklinePath([[0, 0], [10, 1], [20, 0.5]], 60, 18), 'M0,18 L30,0 L60,9');
  t.equal(f.sparklinePath([[100, 2], [200, 4]], 60, 18, { min: 0 }), 'M0,9 L60,0', 'half way up from zero');
  t.equal(f.sparklinePath([[100, 2], [200, 4]], 60, 18, { min: 0, max: 8 }), 'M0,13.5 L60,9', 'a fixed ceiling');
  t.equal(f.sparklinePath([[0, 5], [10, 5]], 60, 18), 'M0,9 L60,9', 'a flat series is a line across the middle');
  t.equal(f.sparklinePath([[7, 3]], 60, 18), 'M0,9 L60,9', 'one point: a flat line');
  t.equal(f.sparklinePath([[0, 1], [3, 2], [10, 1]], 60, 18), 'M0,18 L18,0 L60,18', 'x follows time, not the index');
});

const node = (options: { ready?: string; unschedulable?: boolean; heartbeats?: string[]; arch?: string; labelArch?: string } = {}) => ({
  metadata: { name: 'pi-1', ...(options.labelArch ? { labels: { 'kubernetes.io/arch': options.labelArch } } : {}) },
  spec: options.unschedulable ? { unschedulable: true } : {},
  status: {
    capacity: { cpu: '4', memory: '3906Mi' },
    ...(options.arch ? { nodeInfo: { architecture: options.arch } } : {}),
    conditions: options.ready
      ? [
          { type: 'Ready', status: options.ready, lastHeartbeatTime: options.heartbeats?.[0] },
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: options.heartbeats?.[1] },
        ]
      : [],
  },
});

t.test('nodeRow: status as kubectl prints it, arch, capacity, pods on it, the newest heartbeat', async (t) => {
  const pods = [{ metadata: {}, spec: { nodeName: 'pi-1' } }, { metadata: {}, spec: { nodeName: 'pi-2' } }, { metadata: {}, spec: {} }];
  t.same(f.nodeRow(node({ ready: 'True', arch: 'arm64', heartbeats: [ago(10), ago(5)] }), pods), {
    name: 'pi-1',
    status: 'Ready',
    ready: true,
    cordoned: false,
    arch: 'arm64',
    cpuCores: 4,
    memoryBytes: 3906 * 2 ** 20,
    pods: 1,
    lastHeartbeat: ago(5),
  });
  t.match(f.nodeRow(node({ ready: 'False', unschedulable: true }), []), { status: 'NotReady,SchedulingDisabled', ready: false, cordoned: true, lastHeartbeat: undefined });
  t.match(f.nodeRow(node({ labelArch: 'arm' }), []), { status: 'Unknown', arch: 'arm' });
  t.match(f.nodeRow({ metadata: {} }, []), { name: '', status: 'Unknown', arch: '', cpuCores: undefined, pods: 0 });
});

t.test('deploymentRow: READY, UP-TO-DATE, AVAILABLE and how far the rollout is', async (t) => {
  const d = (spec: object, status: object, generation = 1) => ({ metadata: { name: 'web', namespace: 'default', generation }, spec, status });
  t.same(f.deploymentRow(d({ replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })), {
    namespace: 'default',
    name: 'web',
    desired: 2,
    ready: '2/2',
    upToDate: 2,
    available: 2,
    paused: false,
    progress: 1,
    rollout: 'complete',
  });
  t.match(f.deploymentRow(d({ replicas: 4 }, { observedGeneration: 1, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 })), { ready: '3/4', progress: 0.5, rollout: 'progressing' });
  t.match(f.deploymentRow(d({ replicas: 2 }, { observedGeneration: 1, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })), { rollout: 'progressing' }, 'an old replica still running');
  t.match(f.deploymentRow(d({ replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 2)), { rollout: 'progressing' }, 'a spec not yet observed');
  t.match(f.deploymentRow(d({ replicas: 1, paused: true }, {})), { paused: true, rollout: 'paused', ready: '0/1', progress: 0 });
  t.match(f.deploymentRow(d({ replicas: 0 }, { observedGeneration: 1 })), { desired: 0, progress: 1, rollout: 'complete' });
  t.match(f.deploymentRow({ metadata: {} }), { name: '', namespace: '', desired: 1, ready: '0/1', rollout: 'progressing' });
});

t.test("podStatus and podRow: kubectl's STATUS, ready containers, restarts, node", async (t) => {
  const pod = (status: object, extra: object = {}) => ({
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(60), ...extra },
    spec: { nodeName: 'pi-1', containers: [{ name: 'a' }, { name: 'b' }] },
    status,
  });
  const running = { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 2, state: { running: {} } }, { ready: false, restartCount: 1, state: { running: {} } }] };
  t.same(f.podRow(pod(running)), { namespace: 'default', name: 'web-1', ready: '1/2', status: 'Running', restarts: 3, node: 'pi-1', containers: ['a', 'b'], created: ago(60) });
  t.equal(f.podStatus(pod(running, { deletionTimestamp: ago(1) })), 'Terminating');
  t.equal(f.podStatus(pod({ phase: 'Running', containerStatuses: [{ state: { waiting: { reason: 'CrashLoopBackOff' } } }] })), 'CrashLoopBackOff');
  t.equal(f.podStatus(pod({ phase: 'Failed', containerStatuses: [{ state: { terminated: { reason: 'OOMKilled' } } }] })), 'OOMKilled');
  t.equal(f.podStatus(pod({ phase: 'Failed', reason: 'Evicted' })), 'Evicted');
  t.equal(f.podStatus(pod({ phase: 'Succeeded' })), 'Succeeded');
  t.equal(f.podStatus({ metadata: {} }), 'Pending');
  t.match(f.podRow({ metadata: {} }), { name: '', namespace: '', ready: '0/0', restarts: 0, node: '', containers: [] });
});

t.test('eventRow: the newest time it was seen, the object, the count', async (t) => {
  t.same(
    f.eventRow({ type: 'Warning', reason: 'BackOff', involvedObject: { kind: 'Pod', name: 'web-1' }, message: 'Back-off restarting', count: 4, lastTimestamp: ago(3), firstTimestamp: ago(90) }),
    { type: 'Warning', reason: 'BackOff', object: 'pod/web-1', message: 'Back-off restarting', count: 4, lastSeen: ago(3) },
  );
  t.match(f.eventRow({ eventTime: ago(7), metadata: { creationTimestamp: ago(8) } }), { type: 'Normal', reason: '', object: '/', message: '', count: 1, lastSeen: ago(7) });
  t.match(f.eventRow({ lastTimestamp: '', metadata: { creationTimestamp: ago(8) } }), { lastSeen: ago(8) });
  t.match(f.eventRow({}), { lastSeen: undefined });
});

t.test('newestFirst and latest', async (t) => {
  const items = [{ at: ago(30) }, { at: undefined }, { at: ago(10) }, { at: ago(20) }];
  t.same(f.newestFirst(items, (i: { at?: string }) => i.at), [{ at: ago(10) }, { at: ago(20) }, { at: ago(30) }, { at: undefined }]);
  t.same(items[0], { at: ago(30) }, 'the input is not reordered');
  t.equal(f.latest([[1, 2], [3, 4]]), 4);
  t.equal(f.latest([]), undefined);
  t.equal(f.latest(undefined), undefined);
});

t.test('metricLabel: percent of capacity when known, units otherwise, n/a without data', async (t) => {
  t.equal(f.metricLabel('cpu', 1, 4), '25%');
  t.equal(f.metricLabel('cpu', 0.1234, undefined), '0.12 cores');
  t.equal(f.metricLabel('memory', 2 ** 30, 2 ** 32), '25%');
  t.equal(f.metricLabel('memory', 2 ** 30, undefined), '1.0 GiB');
  t.equal(f.metricLabel('disk', 20 * 2 ** 30, undefined), '20 GiB free');
  t.equal(f.metricLabel('temperature', 48.25, undefined), '48.3 °C');
  t.equal(f.metricLabel('temperature', undefined, undefined), 'n/a', 'a board without a sensor');
});
