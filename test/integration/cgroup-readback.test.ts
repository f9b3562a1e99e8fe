/**
 * The cgroup readback (agent/cgroup/) against the REAL engine and kernel: a container started
 * with the limits the agent asks Docker for (Memory with equal MemorySwap, NanoCpus, CpuShares,
 * PidsLimit) shows exactly those in its cgroup files, found through /proc/<pid>/cgroup; one
 * started without them shows none, and the comparison names every missing limit.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import t, { type Test } from 'tap';
import { compareLimits, readLimits, type CgroupFileReader } from '../../agent/cgroup/cgroup-limits.js';
import { locateCgroup } from '../../agent/cgroup/cgroup-location.js';

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim();

const readCgroupFile: CgroupFileReader = async (dir, file) => {
  try {
    return await readFile(`${dir}/${file}`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};

async function limitsOf(t: Test, runArgs: string[]) {
  const id = docker('run', '-d', '--label', 'skiff.test=cgroup-readback', ...runArgs, 'skiff-test/web:1');
  t.teardown(() => void docker('rm', '-f', id));
  const pid = docker('inspect', '-f', '{{.State.Pid}}', id);
  const location = locateCgroup(await readFile(`/proc/${pid}/cgroup`, 'utf8'));
  t.ok(location, 'the container cgroup is found');
  return { location: location!, limits: await readLimits(location!, readCgroupFile) };
}

const MiB = 2 ** 20;
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
