import t from 'tap';
import { locateCgroup } from '../../../agent/cgroup/cgroup-location.js';
import { flatKeyed, readStats } from '../../../agent/cgroup/cgroup-stats.js';
import type { CgroupFileReader } from '../../../agent/cgroup/cgroup-limits.js';

const tree = (files: Record<string, string>): CgroupFileReader => async (dir, file) => files[`${dir}/${file}`];

t.test('flat keyed files', async (t) => {
  t.same([...flatKeyed('nr_periods 10\nnr_throttled 2\n\nbad\nthrottled_time 5\n')], [['nr_periods', 10], ['nr_throttled', 2], ['throttled_time', 5]]);
  t.same([...flatKeyed(undefined)], []);
});

t.test('cgroup v1 counters', async (t) => {
  const location = locateCgroup('4:memory:/docker/x\n3:cpu,cpuacct:/docker/x\n')!;
  const cpu = '/sys/fs/cgroup/cpu,cpuacct/docker/x';
  const mem = '/sys/fs/cgroup/memory/docker/x';
  const stats = await readStats(
    location,
    tree({
      [`${cpu}/cpuacct.usage`]: '123456789\n',
      [`${cpu}/cpu.stat`]: 'nr_periods 100\nnr_throttled 40\nthrottled_time 2000000000\n',
      [`${mem}/memory.usage_in_bytes`]: '10485760\n',
      [`${mem}/memory.stat`]: 'cache 4194304\ntotal_inactive_file 3145728\n',
      [`${mem}/memory.oom_control`]: 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    }),
  );
  t.same(stats, { cpuPeriods: 100, cpuThrottledPeriods: 40, cpuUsageNs: 123456789, cpuThrottledNs: 2e9, oomKills: 2, memoryUsageBytes: 10485760, memoryWorkingSetBytes: 7340032 });
});

t.test('cgroup v2 counters, in microseconds turned to nanoseconds', async (t) => {
  const dir = '/sys/fs/cgroup/system.slice/docker-x.scope';
  const stats = await readStats(
    locateCgroup('0::/system.slice/docker-x.scope\n')!,
    tree({
      [`${dir}/cpu.stat`]: 'usage_usec 5000\nuser_usec 4000\nsystem_usec 1000\nnr_periods 7\nnr_throttled 3\nthrottled_usec 900\n',
      [`${dir}/memory.current`]: '2048\n',
      [`${dir}/memory.stat`]: 'anon 1024\ninactive_file 4096\n',
      [`${dir}/memory.events`]: 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n',
    }),
  );
  t.same(stats, { cpuPeriods: 7, cpuThrottledPeriods: 3, cpuUsageNs: 5_000_000, cpuThrottledNs: 900_000, memoryUsageBytes: 2048, memoryWorkingSetBytes: 0, oomKills: 1 }, 'working set never below zero');
});

t.test('a kernel without a counter leaves it out', async (t) => {
  t.same(await readStats(locateCgroup('0::/x\n')!, tree({})), {});
});
