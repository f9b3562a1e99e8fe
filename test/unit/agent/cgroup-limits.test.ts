import t from 'tap';
import { locateCgroup, controllerDir } from '../../../agent/cgroup/cgroup-location.js';
import { compareLimits, readLimits, sharesToWeight, type CgroupFileReader } from '../../../agent/cgroup/cgroup-limits.js';

const ID = 'f00d';
const MiB = 2 ** 20;

/** A fixture tree: path -> file text. */
function tree(files: Record<string, string>): CgroupFileReader {
  return async (dir, file) => files[`${dir}/${file}`];
}

const V1_PROC = [
  '12:pids:/docker/f00d',
  '11:name=systemd:/docker/f00d',
  '4:memory:/docker/f00d',
  '3:cpu,cpuacct:/docker/f00d',
  '0::/',
].join('\n');

const V2_PROC = '0::/system.slice/docker-f00d.scope\n';

t.test('locating a container cgroup, v1 and v2, any driver', async (t) => {
  const v1 = locateCgroup(V1_PROC)!;
  t.equal(v1.version, 1, 'v1 controllers win over the systemd compat 0::/ line');
  t.equal(controllerDir(v1, 'memory'), `/sys/fs/cgroup/memory/docker/${ID}`);
  t.equal(controllerDir(v1, 'cpu'), `/sys/fs/cgroup/cpu,cpuacct/docker/${ID}`);
  t.equal(controllerDir(v1, 'cpuacct'), `/sys/fs/cgroup/cpu,cpuacct/docker/${ID}`);
  t.equal(controllerDir(v1, 'pids'), `/sys/fs/cgroup/pids/docker/${ID}`);
  t.equal(controllerDir(v1, 'name=systemd'), undefined, 'a named hierarchy is no controller');
  const v2 = locateCgroup(V2_PROC)!;
  t.same(v2, { version: 2, dir: `/sys/fs/cgroup/system.slice/docker-${ID}.scope` });
  t.equal(controllerDir(v2, 'memory'), controllerDir(v2, 'pids'), 'v2: one directory for all');
  t.same(locateCgroup('0::/\n', '/host/cgroup'), { version: 2, dir: '/host/cgroup' });
  t.equal(locateCgroup('garbage\n'), undefined);
  t.equal(controllerDir(locateCgroup('4:memory:/\n')!, 'memory'), '/sys/fs/cgroup/memory', 'the root cgroup');
});

t.test('cgroup v1 limits read back', async (t) => {
  const dir = (c: string) => `/sys/fs/cgroup/${c}/docker/${ID}`;
  const limited = tree({
    [`${dir('memory')}/memory.limit_in_bytes`]: `${128 * MiB}\n`,
    [`${dir('memory')}/memory.memsw.limit_in_bytes`]: `${128 * MiB}\n`,
    [`${dir('cpu,cpuacct')}/cpu.cfs_quota_us`]: '50000\n',
    [`${dir('cpu,cpuacct')}/cpu.cfs_period_us`]: '100000\n',
    [`${dir('cpu,cpuacct')}/cpu.shares`]: '256\n',
    [`${dir('pids')}/pids.max`]: '512\n',
  });
  const limits = await readLimits(locateCgroup(V1_PROC)!, limited);
  t.same(limits, { memoryBytes: 128 * MiB, memorySwapBytes: 128 * MiB, cpuMillicores: 500, cpuShares: 256, pidsMax: 512 });
  t.same(compareLimits({ memoryBytes: 128 * MiB, cpuMillicores: 500, cpuShares: 256, pidsMax: 512 }, limits, 1), []);

  const unlimited = tree({
    [`${dir('memory')}/memory.limit_in_bytes`]: '9223372036854771712\n',
    [`${dir('cpu,cpuacct')}/cpu.cfs_quota_us`]: '-1\n',
    [`${dir('cpu,cpuacct')}/cpu.cfs_period_us`]: '100000\n',
    [`${dir('cpu,cpuacct')}/cpu.shares`]: '1024\n',
    [`${dir('pids')}/pids.max`]: 'max\n',
  });
  const none = await readLimits(locateCgroup(V1_PROC)!, unlimited);
  t.same(none, { cpuShares: 1024 }, 'unlimited reads as no limit; no memsw file (swap not accounted) is no check');
  t.same(compareLimits({ memoryBytes: 128 * MiB, cpuMillicores: 500, cpuShares: 256, pidsMax: 512 }, none, 1), [
    { limit: 'memory', expected: 128 * MiB, actual: undefined },
    { limit: 'cpu', expected: 500, actual: undefined },
    { limit: 'cpu.shares', expected: 256, actual: 1024 },
    { limit: 'pids', expected: 512, actual: undefined },
  ]);
});

t.test('cgroup v2 limits read back', async (t) => {
  const dir = `/sys/fs/cgroup/system.slice/docker-${ID}.scope`;
  const files = tree({
    [`${dir}/memory.max`]: `${64 * MiB}\n`,
    [`${dir}/memory.swap.max`]: '0\n',
    [`${dir}/cpu.max`]: '25000 100000\n',
    [`${dir}/cpu.weight`]: `${sharesToWeight(102)}\n`,
    [`${dir}/pids.max`]: '100\n',
  });
  const limits = await readLimits(locateCgroup(V2_PROC)!, files);
  t.same(limits, { memoryBytes: 64 * MiB, memorySwapBytes: 64 * MiB, cpuMillicores: 250, cpuWeight: sharesToWeight(102), pidsMax: 100 });
  t.same(compareLimits({ memoryBytes: 64 * MiB, cpuMillicores: 250, cpuShares: 102, pidsMax: 100 }, limits, 2), []);
  const open = tree({ [`${dir}/memory.max`]: 'max\n', [`${dir}/memory.swap.max`]: 'max\n', [`${dir}/cpu.max`]: 'max 100000\n', [`${dir}/cpu.weight`]: '100\n' });
  const none = await readLimits(locateCgroup(V2_PROC)!, open);
  t.same(none, { cpuWeight: 100 });
  t.same(compareLimits({ cpuShares: 1024 }, none, 2), [{ limit: 'cpu.shares', expected: 39, actual: 100 }], 'runc writes 1024 shares as weight 39; systemd\'s default 100 means they were not applied');
});

t.test('swap beyond the memory limit is a mismatch; page rounding is not', async (t) => {
  t.same(compareLimits({ memoryBytes: 100 * MiB + 1 }, { memoryBytes: 100 * MiB }, 1), [], 'rounded down to a page');
  t.same(compareLimits({ memoryBytes: 100 * MiB }, { memoryBytes: 100 * MiB, memorySwapBytes: 200 * MiB }, 2), [{ limit: 'memory+swap', expected: 100 * MiB, actual: 200 * MiB }]);
  t.same(compareLimits({}, { memoryBytes: 1 }, 1), [], 'nothing expected, nothing checked');
});

t.test("runc's shares to weight", async (t) => {
  t.equal(sharesToWeight(2), 1);
  t.equal(sharesToWeight(262144), 10000);
  t.equal(sharesToWeight(1024), 39);
});
