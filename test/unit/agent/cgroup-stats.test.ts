import t from 'tap';
import { locateCgroup } from '../../../agent/cgroup/cgroup-location.js';
import { flatKeyed, parseBlockIo, readStats } from '../../../agent/cgroup/cgroup-stats.js';
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

t.test('block I/O, cgroup v1: Read and Write summed over devices; Total and other operations ignored', async (t) => {
  const text = [
    '8:0 Read 4096',
    '8:0 Write 8192',
    '8:0 Sync 12288',
    '8:0 Async 0',
    '8:0 Discard 0',
    '8:0 Total 12288',
    '179:0 Read 1000',
    '179:0 Write 24',
    'Total 13312',
    '',
  ].join('\n');
  t.same(parseBlockIo(text, 1), { readBytes: 5096, writeBytes: 8216 });
});

t.test('block I/O, cgroup v2: rbytes and wbytes summed over devices; other keys ignored', async (t) => {
  const text = '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=512 dios=1\n179:0 rbytes=100 wbytes=28 rios=1 wios=1 dbytes=0 dios=0\n';
  t.same(parseBlockIo(text, 2), { readBytes: 4196, writeBytes: 8220 });
});

t.test('block I/O: an absent file gives nothing; an empty one (no I/O yet) gives zeros', async (t) => {
  t.equal(parseBlockIo(undefined, 1), undefined);
  t.equal(parseBlockIo(undefined, 2), undefined);
  t.same(parseBlockIo('', 1), { readBytes: 0, writeBytes: 0 });
  t.same(parseBlockIo('', 2), { readBytes: 0, writeBytes: 0 });
  t.same(parseBlockIo('Total 0\n', 1), { readBytes: 0, writeBytes: 0 }, 'v1 with no devices prints only Total');
});

t.test('block I/O: a value that is not a number counts as zero instead of poisoning the sum', async (t) => {
  t.same(parseBlockIo('8:0 Read x\n8:16 Read 10\n8:0 Write 5\n', 1), { readBytes: 10, writeBytes: 5 });
  t.same(parseBlockIo('8:0 rbytes= wbytes=abc\n8:16 rbytes=7 wbytes=3 garbage\n', 2), { readBytes: 7, writeBytes: 3 });
});

t.test('cgroup v1 counters include block I/O bytes from the blkio controller', async (t) => {
  const location = locateCgroup('8:blkio:/docker/x\n4:memory:/docker/x\n3:cpu,cpuacct:/docker/x\n')!;
  const stats = await readStats(
    location,
    tree({
      '/sys/fs/cgroup/cpu,cpuacct/docker/x/cpuacct.usage': '1000\n',
      '/sys/fs/cgroup/blkio/docker/x/blkio.throttle.io_service_bytes': '8:0 Read 1048576\n8:0 Write 2097152\n8:0 Total 3145728\nTotal 3145728\n',
    }),
  );
  t.same(stats, { cpuUsageNs: 1000, fsReadBytes: 1048576, fsWriteBytes: 2097152 });
});

t.test('cgroup v1 without a blkio controller in /proc/<pid>/cgroup leaves block I/O out', async (t) => {
  const reads: string[] = [];
  const stats = await readStats(locateCgroup('3:cpu,cpuacct:/docker/x\n')!, async (dir, file) => {
    reads.push(`${dir}/${file}`);
    return undefined;
  });
  t.same(stats, {});
  t.notOk(reads.some((r) => r.includes('blkio')), 'no blkio directory to read');
});

t.test('cgroup v2 counters include block I/O bytes from io.stat', async (t) => {
  const dir = '/sys/fs/cgroup/system.slice/docker-x.scope';
  const stats = await readStats(
    locateCgroup('0::/system.slice/docker-x.scope\n')!,
    tree({
      [`${dir}/io.stat`]: '8:0 rbytes=512 wbytes=1024 rios=1 wios=1 dbytes=0 dios=0\n',
      [`${dir}/memory.current`]: '4096\n',
    }),
  );
  t.same(stats, { fsReadBytes: 512, fsWriteBytes: 1024, memoryUsageBytes: 4096, memoryWorkingSetBytes: 4096 }, 'no memory.stat: nothing inactive to subtract');
});

t.test('cgroup v2 with an empty io.stat (no block I/O yet) reports zero bytes, not nothing', async (t) => {
  const dir = '/sys/fs/cgroup/x';
  t.same(await readStats(locateCgroup('0::/x\n')!, tree({ [`${dir}/io.stat`]: '' })), { fsReadBytes: 0, fsWriteBytes: 0 });
});
