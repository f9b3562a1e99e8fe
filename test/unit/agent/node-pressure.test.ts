import t from 'tap';
import { breachedSignals, PressureTracker, type NodeObservations } from '../../../agent/report/node-pressure.js';
import { parseEvictionThresholds } from '../../../agent/report/node-resources.js';
import { NodeMonitor } from '../../../agent/report/node-monitor.js';
import { parseLoadavgTasks, parseMeminfo, NodeSampler } from '../../../agent/report/node-observations.js';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../shared/log.js';

const MiB = 2 ** 20;
const healthy: NodeObservations = {
  memoryCapacityBytes: 1024 * MiB,
  memoryAvailableBytes: 600 * MiB,
  nodefsAvailableBytes: 10_000 * MiB,
  nodefsCapacityBytes: 30_000 * MiB,
  nodefsInodesFree: 900_000,
  nodefsInodes: 1_000_000,
  pidAvailable: 30_000,
  pidCapacity: 32_768,
};
const thresholds = parseEvictionThresholds('memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,pid.available<1000');

t.test('breachedSignals compares each observed signal with its threshold', async (t) => {
  t.same(breachedSignals(healthy, thresholds), []);
  t.same(breachedSignals({ ...healthy, memoryAvailableBytes: 99 * MiB }, thresholds), ['memory.available']);
  t.same(breachedSignals({ ...healthy, memoryAvailableBytes: 100 * MiB }, thresholds), [], 'at the threshold is not below it');
  t.same(breachedSignals({ ...healthy, nodefsAvailableBytes: 2_999 * MiB, nodefsInodesFree: 10 }, thresholds), ['nodefs.available', 'nodefs.inodesFree']);
  t.same(breachedSignals({ ...healthy, pidAvailable: 999 }, thresholds), ['pid.available']);
  const { memoryAvailableBytes: _unread, ...blind } = { ...healthy, memoryAvailableBytes: 0 };
  t.same(breachedSignals(blind, thresholds), [], 'a signal not observed is never a breach');
  t.same(breachedSignals({ ...healthy, memoryAvailableBytes: 0 }, {}), [], 'no thresholds: no pressure');
});

t.test('PressureTracker: True on a breach, False only after the transition period without one', async (t) => {
  const start = Date.parse('2030-01-01T00:00:00Z');
  const tracker = new PressureTracker(60_000, new Date(start).toISOString());
  const statuses = () => tracker.conditions('hb').map((c) => `${c.type}=${c.status}`);
  t.same(statuses(), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False']);
  t.match(tracker.conditions('hb')[0], { reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: 'hb', lastTransitionTime: '2030-01-01T00:00:00.000Z' });

  t.equal(tracker.observe([], start + 1000), false, 'nothing changed');
  t.equal(tracker.observe(['nodefs.inodesFree'], start + 2000), true);
  t.same(statuses(), ['MemoryPressure=False', 'DiskPressure=True', 'PIDPressure=False']);
  t.match(tracker.conditions('hb')[1], { reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure', lastTransitionTime: new Date(start + 2000).toISOString() });
  t.equal(tracker.observe([], start + 30_000), false, 'recovered, but within the transition period: still True');
  t.equal(tracker.observe(['nodefs.available'], start + 50_000), false, 'a new breach restarts the period');
  t.equal(tracker.observe([], start + 100_000), false);
  t.equal(tracker.observe([], start + 110_000), true, 'a full period without a breach: False');
  t.match(tracker.conditions('hb')[1], { status: 'False', reason: 'KubeletHasNoDiskPressure', lastTransitionTime: new Date(start + 110_000).toISOString() });
  t.equal(tracker.observe(['memory.available', 'pid.available'], start + 120_000), true);
  t.match(tracker.conditions('hb'), [{ reason: 'KubeletHasInsufficientMemory' }, { status: 'False' }, { reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available' }]);
});

t.test('parsing /proc/meminfo and /proc/loadavg', async (t) => {
  t.same(parseMeminfo('MemTotal:        1000 kB\nMemFree:          100 kB\nMemAvailable:     500 kB\n'), { availableBytes: 500 * 1024, totalBytes: 1000 * 1024, freeBytes: 100 * 1024 });
  t.same(parseMeminfo('MemTotal: 1000 kB\n'), { totalBytes: 1000 * 1024 }, 'an old kernel without MemAvailable: not observed');
  t.equal(parseLoadavgTasks('0.00 0.01 0.05 1/234 5678\n'), 234);
  t.equal(parseLoadavgTasks('garbage'), undefined);
});

t.test('NodeSampler reads a proc tree and the data dir filesystem', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'skiff-proc-'));
  mkdirSync(join(root, 'sys/kernel'), { recursive: true });
  writeFileSync(join(root, 'meminfo'), 'MemTotal: 2048 kB\nMemAvailable: 1024 kB\n');
  writeFileSync(join(root, 'sys/kernel/pid_max'), '32768\n');
  writeFileSync(join(root, 'sys/kernel/threads-max'), '15000\n');
  writeFileSync(join(root, 'loadavg'), '0.10 0.20 0.30 2/500 999\n');
  const sample = await new NodeSampler(root, 2048 * 1024, createLogger('agent', 'silent'), root).sample();
  t.equal(sample.memoryAvailableBytes, 1024 * 1024);
  t.equal(sample.pidCapacity, 15_000, 'the lower of pid_max and threads-max');
  t.equal(sample.pidAvailable, 14_500);
  t.ok(sample.nodefsCapacityBytes! > 0 && sample.nodefsAvailableBytes! <= sample.nodefsCapacityBytes!, 'statfs of a real directory');

  const blind = await new NodeSampler(join(root, 'missing'), 1, createLogger('agent', 'silent'), join(root, 'missing')).sample();
  t.same(blind, { memoryCapacityBytes: 1 }, 'nothing readable: nothing observed, nothing guessed');
});

t.test('NodeMonitor asks for a report only when a condition changes', async (t) => {
  let now = Date.parse('2030-01-01T00:00:00Z');
  let sample: NodeObservations = healthy;
  let changes = 0;
  const monitorOf = (read: () => Promise<NodeObservations>, transitionPeriodMs: number) =>
    new NodeMonitor({ sample: read, thresholds, transitionPeriodMs, intervalMs: 60_000, onChange: () => changes++, now: () => now, log: createLogger('agent', 'silent') });
  const monitor = monitorOf(async () => sample, 10_000);
  await monitor.start();
  t.equal(changes, 0);
  t.same(monitor.latest, healthy);
  sample = { ...healthy, memoryAvailableBytes: MiB };
  await monitor.check();
  t.equal(changes, 1);
  t.equal(monitor.conditions('x')[0]!.status, 'True');
  now += 20_000;
  sample = healthy;
  await monitor.check();
  t.equal(changes, 2);
  t.equal(monitor.conditions('x')[0]!.status, 'False');
  let fail = true;
  const failing = monitorOf(async () => {
    if (fail) throw new Error('disk gone');
    return healthy;
  }, 1);
  await failing.check();
  t.equal(failing.latest, undefined, 'a failed sample is logged, not thrown');
  fail = false;
  await failing.check();
  t.same(failing.latest, healthy);
  monitor.stop();
  failing.stop();
});
