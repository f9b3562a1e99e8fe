/**
 * Usage rates from two samples (hub/metrics/usage-math.ts), as metrics-server computes them:
 * node CPU is busy time (idle and iowait excluded) over the window, memory the newest working
 * set; a counter that went backwards or a window that is not positive gives no rate.
 */
import t from 'tap';
import { busyCpuSeconds, nodeUsage, nodeWorkingSetBytes, podTime, podUsages, rate, windowSeconds } from '../../../hub/metrics/usage-math.js';
import type { ContainerSample, MetricsSample, NodeSample, PodSample } from '../../../shared/metrics/samples.js';

const T = (seconds: number): string => new Date(Date.parse('2030-01-01T00:00:00.000Z') + seconds * 1000).toISOString();

function node(busy: number, o: Partial<NodeSample> = {}): NodeSample {
  return { cpuSeconds: [{ user: busy, idle: 1000 }], load1: 0, load5: 0, load15: 0, memoryTotalBytes: 1000, memoryAvailableBytes: 400, filesystems: [], network: [], uptimeSeconds: 1, bootTimeSeconds: 1, ...o };
}

function c(name: string, cpuUsageSeconds?: number, memoryWorkingSetBytes?: number): ContainerSample {
  return { name, ...(cpuUsageSeconds !== undefined ? { cpuUsageSeconds } : {}), ...(memoryWorkingSetBytes !== undefined ? { memoryWorkingSetBytes } : {}) };
}

function p(name: string, containers: ContainerSample[], timestamp?: string): PodSample {
  return { namespace: 'default', name, uid: `uid-${name}`, containers, ...(timestamp ? { timestamp } : {}) };
}

function sample(seconds: number, pods: PodSample[], n: NodeSample = node(0)): MetricsSample {
  return { timestamp: T(seconds), node: n, pods };
}

t.test('busy CPU seconds: every mode but idle and iowait, summed over CPUs', async (t) => {
  t.equal(busyCpuSeconds(node(0, { cpuSeconds: [] })), 0);
  t.equal(
    busyCpuSeconds(
      node(0, {
        cpuSeconds: [
          { user: 10, nice: 1, system: 3, idle: 500, iowait: 40, irq: 0.5, softirq: 0.25, steal: 0.25 },
          { user: 5, idle: 600, iowait: 7 },
          {},
          { user: undefined, idle: 3 },
        ],
      }),
    ),
    20,
  );
});

t.test("node working set: MemTotal - MemAvailable, never below zero", async (t) => {
  t.equal(nodeWorkingSetBytes(node(0, { memoryTotalBytes: 1000, memoryAvailableBytes: 250 })), 750);
  t.equal(nodeWorkingSetBytes(node(0, { memoryTotalBytes: 0, memoryAvailableBytes: 250 })), 0, 'a sample without meminfo');
});

t.test('window seconds and rates', async (t) => {
  t.equal(windowSeconds({ timestamp: T(0) }, { timestamp: T(10.5) }), 10.5);
  t.equal(rate(100, 150, 10), 5);
  t.equal(rate(100, 100, 10), 0, 'an idle counter is a zero rate');
  t.equal(rate(150, 100, 10), undefined, 'counter reset (restart, reboot): no rate rather than a negative one');
  t.equal(rate(100, 150, 0), undefined, 'zero window');
  t.equal(rate(100, 150, -10), undefined, 'negative window (clock stepped back)');
  t.equal(rate(undefined, 150, 10), undefined);
  t.equal(rate(100, undefined, 10), undefined);
});

t.test('podTime: the Pod stamp when the agent gave one, else the sample time', async (t) => {
  const s = sample(10, []);
  t.same(podTime(p('a', [], T(10.25)), s), { timestamp: T(10.25) });
  t.same(podTime(p('a', []), s), { timestamp: T(10) });
});

t.test('nodeUsage: busy-CPU rate in nanocores and the newest working set', async (t) => {
  const before = sample(0, [], node(100, { memoryAvailableBytes: 900 }));
  const after = sample(10, [], node(105, { memoryAvailableBytes: 300 }));
  t.same(nodeUsage('pi-1', before, after), { node: 'pi-1', timestamp: T(10), windowSeconds: 10, usage: { cpuNanoCores: 500_000_000, memoryWorkingSetBytes: 700 } });
});

t.test('nodeUsage: nanocores are rounded to a whole number', async (t) => {
  const usage = nodeUsage('pi-1', sample(0, [], node(0)), sample(3, [], node(1)));
  t.equal(usage?.usage.cpuNanoCores, 333_333_333);
});

t.test('nodeUsage: none after a reboot (counters went back) or for a zero window', async (t) => {
  t.equal(nodeUsage('pi-1', sample(0, [], node(500)), sample(10, [], node(3))), undefined);
  t.equal(nodeUsage('pi-1', sample(10, [], node(1)), sample(10, [], node(2))), undefined);
});

t.test('podUsages: per container CPU rate and working set, for Pods in both samples', async (t) => {
  const before = sample(0, [p('web', [c('app', 10, 100), c('side', 1, 10)]), p('gone', [c('x', 1, 1)])]);
  const after = sample(10, [p('web', [c('app', 12, 200), c('side', 1.5, 20)]), p('new', [c('y', 5, 5)])]);
  t.same(podUsages('pi-1', before, after), [
    {
      namespace: 'default',
      name: 'web',
      uid: 'uid-web',
      node: 'pi-1',
      timestamp: T(10),
      windowSeconds: 10,
      containers: [
        { name: 'app', usage: { cpuNanoCores: 200_000_000, memoryWorkingSetBytes: 200 } },
        { name: 'side', usage: { cpuNanoCores: 50_000_000, memoryWorkingSetBytes: 20 } },
      ],
    },
  ], 'a Pod new in this sample has no rate yet; one gone is not shown');
});

t.test('podUsages: the window is the Pods own timestamps when present', async (t) => {
  const before = sample(0, [p('web', [c('app', 10, 100)], T(0.5))]);
  const after = sample(10, [p('web', [c('app', 12, 100)], T(8.5))]);
  const [usage] = podUsages('pi-1', before, after);
  t.equal(usage?.windowSeconds, 8);
  t.equal(usage?.timestamp, T(8.5));
  t.equal(usage?.containers[0]?.usage.cpuNanoCores, 250_000_000);
});

t.test('podUsages: a Pod stamp on one side only falls back to the sample time on the other', async (t) => {
  const [usage] = podUsages('pi-1', sample(0, [p('web', [c('app', 0, 1)])]), sample(10, [p('web', [c('app', 4, 1)], T(8))]));
  t.equal(usage?.windowSeconds, 8);
  t.equal(usage?.containers[0]?.usage.cpuNanoCores, 500_000_000);
});

t.test('podUsages: Pods matched by uid, not name (a re-created Pod of the same name starts over)', async (t) => {
  const before = sample(0, [{ ...p('web', [c('app', 10, 1)]), uid: 'old' }]);
  const after = sample(10, [{ ...p('web', [c('app', 1, 1)]), uid: 'new' }]);
  t.same(podUsages('pi-1', before, after), []);
});

t.test('podUsages: a Pod with any container lacking usage is left out whole', async (t) => {
  const cases: Array<[string, PodSample, PodSample]> = [
    ['a container new in this sample (restarted under a new name)', p('web', [c('app', 1, 1)]), p('web', [c('app', 2, 1), c('init-done', 1, 1)])],
    ['a container counter that went back (container restarted)', p('web', [c('app', 1, 1), c('side', 9, 1)]), p('web', [c('app', 2, 1), c('side', 1, 1)])],
    ['a container without a working set', p('web', [c('app', 1, 1), c('side', 1, 1)]), p('web', [c('app', 2, 1), c('side', 2)])],
    ['a container without CPU time now', p('web', [c('app', 1, 1)]), p('web', [c('app', undefined, 1)])],
    ['a container without CPU time before', p('web', [c('app', undefined, 1)]), p('web', [c('app', 1, 1)])],
    ['a Pod with no containers', p('web', []), p('web', [])],
  ];
  for (const [what, before, after] of cases) t.same(podUsages('pi-1', sample(0, [before]), sample(10, [after])), [], what);
});

t.test('podUsages: a container gone since the previous sample does not hold its Pod back', async (t) => {
  const usages = podUsages('pi-1', sample(0, [p('web', [c('app', 1, 1), c('old', 1, 1)])]), sample(10, [p('web', [c('app', 2, 1)])]));
  t.same(usages.map((u) => u.containers.map((x) => x.name)), [['app']]);
});

t.test('podUsages: a zero window (same Pod timestamp twice) gives no usage', async (t) => {
  t.same(podUsages('pi-1', sample(0, [p('web', [c('app', 1, 1)], T(5))]), sample(10, [p('web', [c('app', 2, 1)], T(5))])), []);
});
