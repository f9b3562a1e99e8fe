/**
 * The cgroup readback (agent/cgroup/) against the REAL engine and kernel: a container started
 * with the limits the agent asks Docker for (Memory with equal MemorySwap, NanoCpus, CpuShares,
 * PidsLimit) shows exactly those in its cgroup files, found through /proc/<pid>/cgroup; one
 * started without them shows none, and the comparison names every missing limit.
 */
import { execFileSync } from 'node:child_process';
import t, { type Test } from 'tap';
import { readCgroupFile, readProcCgroup } from '../../agent/cgroup/cgroup-files.js';
import { compareLimits, readLimits } from '../../agent/cgroup/cgroup-limits.js';
import { readStats } from '../../agent/cgroup/cgroup-stats.js';
import { locateCgroup } from '../../agent/cgroup/cgroup-location.js';
import { LimitAudit } from '../../agent/cgroup/limit-audit.js';
import { EngineApi } from '../../agent/runtime/engine-api.js';
import { LABELS } from '../../agent/runtime/labels.js';
import type { NodeEvent } from '../../shared/mqtt/messages.js';
import { pino } from 'pino';

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim();

async function limitsOf(t: Test, runArgs: string[], command: string[] = []) {
  const id = docker('run', '-d', '--label', 'skiff.test=cgroup-readback', ...runArgs, 'skiff-test/web:1', ...command);
  t.teardown(() => void docker('rm', '-f', id));
  const pid = docker('inspect', '-f', '{{.State.Pid}}', id);
  const location = locateCgroup(await readProcCgroup(Number(pid)));
  t.ok(location, 'the container cgroup is found');
  return { location: location!, limits: await readLimits(location!, readCgroupFile) };
}

const MiB = 2 ** 20;

/** The pod identity labels the agent puts on its containers (so the audit can name the Pod). */
function labelsOf(pod: string): string[] {
  const labels = { [LABELS.namespace]: 'default', [LABELS.podName]: pod, [LABELS.podUid]: `uid-${pod}`, [LABELS.container]: 'web', [LABELS.hash]: 'h', [LABELS.attempt]: '1' };
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}
const expected = { memoryBytes: 64 * MiB, cpuMillicores: 500, cpuShares: 256, pidsMax: 100 };

t.test('limits the agent asks for are the limits the kernel enforces', async (t) => {
  const { location, limits } = await limitsOf(t, ['--memory', '64m', '--memory-swap', '64m', '--cpus', '0.5', '--cpu-shares', '256', '--pids-limit', '100']);
  t.match(limits, { memoryBytes: 64 * MiB, cpuMillicores: 500, pidsMax: 100 });
  t.same(compareLimits(expected, limits, location.version), [], `cgroup v${location.version}: nothing missing`);
  if (limits.memorySwapBytes !== undefined) t.equal(limits.memorySwapBytes, 64 * MiB, 'no swap beyond the memory limit');
});

t.test('a container started without limits is reported, limit by limit', async (t) => {
  const { location, limits } = await limitsOf(t, []);
  const mismatches = compareLimits(expected, limits, location.version);
  t.same(
    mismatches.map((m) => m.limit),
    ['memory', 'cpu', 'cpu.shares', 'pids'],
  );
  t.ok(mismatches.every((m) => m.limit === 'cpu.shares' || m.actual === undefined), 'no limit at all reads as undefined');
});

t.test("the agent's audit reads a real container's inspect and cgroup", async (t) => {
  const id = docker('run', '-d', '--label', 'skiff.test=cgroup-readback', ...labelsOf('audited'), '--memory', '32m', '--memory-swap', '32m', '--pids-limit', '64', 'skiff-test/web:1');
  t.teardown(() => void docker('rm', '-f', id));
  const api = new EngineApi();
  t.teardown(() => api.close?.());
  const details = await api.inspectContainer(id);
  t.ok(details?.pid, 'inspect gives the main process');
  t.same(details?.requestedLimits, { memoryBytes: 32 * MiB, pidsMax: 64 }, 'and the limits Docker was asked for');
  const events: NodeEvent[] = [];
  const auditOf = () =>
    new LimitAudit({ readProcCgroup, readFile: readCgroupFile, emit: (e) => events.push(e), now: Date.now, log: pino({ level: 'silent' }) });
  await auditOf().audit([details!]);
  t.same(events, [], 'enforced as asked: nothing to say');
  await auditOf().audit([{ ...details!, requestedLimits: { pidsMax: 50 } }]);
  t.match(events, [{ reason: 'LimitsNotEnforced', message: /pids: asked 50, cgroup has 64/, involvedObject: { name: 'audited' } }], 'a difference is reported');
});

t.test('a CPU burner is held at its quota, as its own cgroup counters show', async (t) => {
  const { location, limits } = await limitsOf(t, ['--cpus', '0.2'], ['sh', '-c', 'while true; do :; done']);
  t.equal(limits.cpuMillicores, 200);
  const before = await readStats(location, readCgroupFile);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const after = await readStats(location, readCgroupFile);
  const periods = after.cpuPeriods! - before.cpuPeriods!;
  const throttled = after.cpuThrottledPeriods! - before.cpuThrottledPeriods!;
  // CPU time per 100 ms CFS period in which it ran: the quota is 20 ms, so never above 0.2 (10% slack).
  const perPeriod = (after.cpuUsageNs! - before.cpuUsageNs!) / (periods * 100_000_000);
  t.ok(periods > 0, `${periods} CFS periods elapsed`);
  t.ok(perPeriod <= 0.22, `used ${perPeriod.toFixed(3)} of each period, quota 0.2`);
  t.ok(throttled > periods / 2, `throttled in ${throttled} of ${periods} periods`);
  t.ok(after.cpuThrottledNs! > before.cpuThrottledNs!, 'throttled time grows');
  t.ok(after.memoryWorkingSetBytes! > 0 && after.memoryWorkingSetBytes! <= after.memoryUsageBytes!, 'a working set no larger than usage');
});
