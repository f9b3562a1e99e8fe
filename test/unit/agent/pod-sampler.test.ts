/**
 * PodSampler with fake /proc and cgroup readers: containers grouped per Pod, counters in the wire
 * format's units, containers that exited since they were observed skipped, cgroup locations cached
 * only for containers still present, and network left out when a Pod's net/dev cannot be read.
 */
import { pino } from 'pino';
import t from 'tap';
import { containerSample, PodSampler, type PodSamplerDeps } from '../../../agent/metrics/pod-sampler.js';
import type { ObservedContainer } from '../../../agent/runtime/observe.js';
import { observed, pod, silentLog } from './fixtures/builders.js';

const V1_ROOT = '/sys/fs/cgroup';

/** cgroup v1 files of one Docker container (cgroupfs driver). */
function v1Files(id: string, o: { cpuNs: number; usage: number; inactive: number; read: number; write: number }): Record<string, string> {
  const cpu = `${V1_ROOT}/cpu,cpuacct/docker/${id}`;
  const mem = `${V1_ROOT}/memory/docker/${id}`;
  const blkio = `${V1_ROOT}/blkio/docker/${id}`;
  return {
    [`${cpu}/cpuacct.usage`]: `${o.cpuNs}\n`,
    [`${cpu}/cpu.stat`]: 'nr_periods 50\nnr_throttled 5\nthrottled_time 250000000\n',
    [`${mem}/memory.usage_in_bytes`]: `${o.usage}\n`,
    [`${mem}/memory.stat`]: `cache 0\ntotal_inactive_file ${o.inactive}\n`,
    [`${mem}/memory.oom_control`]: 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
    [`${blkio}/blkio.throttle.io_service_bytes`]: `8:0 Read ${o.read}\n8:0 Write ${o.write}\n8:0 Sync 0\nTotal ${o.read + o.write}\n`,
  };
}

const v1ProcCgroup = (id: string): string => `12:memory:/docker/${id}\n8:blkio:/docker/${id}\n4:cpu,cpuacct:/docker/${id}\n1:name=systemd:/docker/${id}\n0::/\n`;

/** cgroup v2 files of one container (systemd driver). */
function v2Files(id: string): Record<string, string> {
  const dir = `${V1_ROOT}/system.slice/docker-${id}.scope`;
  return {
    [`${dir}/cpu.stat`]: 'usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\nnr_periods 10\nnr_throttled 1\nthrottled_usec 20000\n',
    [`${dir}/memory.current`]: '8388608\n',
    [`${dir}/memory.stat`]: 'anon 4194304\ninactive_file 1048576\n',
    [`${dir}/memory.events`]: 'low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n',
    [`${dir}/io.stat`]: '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n179:0 rbytes=100 wbytes=0 rios=1 wios=0\n',
  };
}

const v2ProcCgroup = (id: string): string => `0::/system.slice/docker-${id}.scope\n`;

const netDev = (rx: number, tx: number): string =>
  `Inter-| Receive | Transmit\n face |bytes ...|bytes ...\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n  eth0: ${rx} 1 0 0 0 0 0 0 ${tx} 1 0 0 0 0 0 0\n`;

interface Fake {
  deps: PodSamplerDeps;
  /** Files by "dir/name"; tests change them between samples. */
  files: Record<string, string>;
  /** /proc/<pid>/cgroup by pid; a missing pid throws ENOENT as /proc does. */
  procCgroup: Map<number, string>;
  netDev: Map<number, string>;
  procReads: number[];
  netReads: number[];
  debug: Array<Record<string, unknown>>;
  clock: { ms: number };
}

function fake(): Fake {
  const f: Omit<Fake, 'deps'> = { files: {}, procCgroup: new Map(), netDev: new Map(), procReads: [], netReads: [], debug: [], clock: { ms: Date.parse('2030-01-01T00:00:00.000Z') } };
  const gone = (path: string): Error => Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  const log = pino({ level: 'debug' }, { write: (s: string) => void f.debug.push(JSON.parse(s) as Record<string, unknown>) });
  const deps: PodSamplerDeps = {
    now: () => (f.clock.ms += 5),
    readProcCgroup: async (pid) => {
      f.procReads.push(pid);
      const text = f.procCgroup.get(pid);
      if (text === undefined) throw gone(`/proc/${pid}/cgroup`);
      return text;
    },
    readFile: async (dir, name) => {
      if (f.files[`${dir}/__gone__`] !== undefined) throw gone(`${dir}/${name}`);
      return f.files[`${dir}/${name}`];
    },
    readNetDev: async (pid) => {
      f.netReads.push(pid);
      const text = f.netDev.get(pid);
      if (text === undefined) throw gone(`/proc/${pid}/net/dev`);
      return text;
    },
    log,
  };
  return Object.assign(f, { deps });
}

const web = pod('web', {}, [{ name: 'app' }, { name: 'sidecar' }]);
const db = pod('db', {}, [{ name: 'postgres' }]);

function running(p: typeof web, container: string, id: string, pid: number): ObservedContainer {
  return { ...observed(p, { container, id }), pid };
}

t.test('containerSample: nanoseconds become seconds, other counters pass through, absent ones stay absent', async (t) => {
  t.same(containerSample('app', {}), { name: 'app' });
  t.same(
    containerSample('app', {
      cpuUsageNs: 1_500_000_000,
      cpuPeriods: 10,
      cpuThrottledPeriods: 2,
      cpuThrottledNs: 250_000_000,
      memoryUsageBytes: 100,
      memoryWorkingSetBytes: 60,
      oomKills: 1,
      fsReadBytes: 7,
      fsWriteBytes: 9,
    }),
    { name: 'app', cpuUsageSeconds: 1.5, cpuPeriods: 10, cpuThrottledPeriods: 2, cpuThrottledSeconds: 0.25, memoryUsageBytes: 100, memoryWorkingSetBytes: 60, oomKills: 1, fsReadBytes: 7, fsWriteBytes: 9 },
  );
});

t.test('containers grouped per Pod, on cgroup v1 and v2, with the Pod network from its first container', async (t) => {
  const f = fake();
  Object.assign(f.files, v1Files('a1', { cpuNs: 2_000_000_000, usage: 10_000, inactive: 4_000, read: 300, write: 700 }));
  Object.assign(f.files, v1Files('a2', { cpuNs: 500_000_000, usage: 2_000, inactive: 0, read: 0, write: 0 }));
  Object.assign(f.files, v2Files('b1'));
  f.procCgroup.set(101, v1ProcCgroup('a1')).set(102, v1ProcCgroup('a2')).set(201, v2ProcCgroup('b1'));
  f.netDev.set(101, netDev(5000, 6000)).set(201, netDev(10, 20));
  const sampler = new PodSampler(f.deps);
  const pods = await sampler.sample([running(web, 'app', 'a1', 101), running(db, 'postgres', 'b1', 201), running(web, 'sidecar', 'a2', 102)]);
  t.same(pods, [
    {
      namespace: 'default',
      name: 'web',
      uid: web.metadata.uid,
      timestamp: '2030-01-01T00:00:00.005Z',
      containers: [
        { name: 'app', cpuUsageSeconds: 2, cpuPeriods: 50, cpuThrottledPeriods: 5, cpuThrottledSeconds: 0.25, memoryUsageBytes: 10_000, memoryWorkingSetBytes: 6_000, oomKills: 0, fsReadBytes: 300, fsWriteBytes: 700 },
        { name: 'sidecar', cpuUsageSeconds: 0.5, cpuPeriods: 50, cpuThrottledPeriods: 5, cpuThrottledSeconds: 0.25, memoryUsageBytes: 2_000, memoryWorkingSetBytes: 2_000, oomKills: 0, fsReadBytes: 0, fsWriteBytes: 0 },
      ],
      network: [{ device: 'eth0', receiveBytes: 5000, transmitBytes: 6000 }],
    },
    {
      namespace: 'default',
      name: 'db',
      uid: db.metadata.uid,
      timestamp: '2030-01-01T00:00:00.010Z',
      containers: [
        { name: 'postgres', cpuUsageSeconds: 3, cpuPeriods: 10, cpuThrottledPeriods: 1, cpuThrottledSeconds: 0.02, memoryUsageBytes: 8388608, memoryWorkingSetBytes: 7340032, oomKills: 1, fsReadBytes: 4196, fsWriteBytes: 8192 },
      ],
      network: [{ device: 'eth0', receiveBytes: 10, transmitBytes: 20 }],
    },
  ]);
  t.same(f.netReads, [101, 201], "one net/dev read per Pod, from its first container's pid");
});

t.test('only running containers with a pid and a Skiff identity are sampled', async (t) => {
  const f = fake();
  Object.assign(f.files, v2Files('b1'));
  f.procCgroup.set(201, v2ProcCgroup('b1'));
  f.netDev.set(201, netDev(1, 2));
  const exited: ObservedContainer = { ...observed(db, { state: 'exited', id: 'x1' }), pid: 301 };
  const noPid = observed(db, { id: 'x2' });
  const foreign: ObservedContainer = { ...observed(db, { id: 'x3' }), labels: { 'com.example': 'not ours' }, pid: 302 };
  const pods = await new PodSampler(f.deps).sample([exited, noPid, foreign, running(db, 'postgres', 'b1', 201)]);
  t.same(
    pods.map((p) => p.containers.map((c) => c.name)),
    [['postgres']],
  );
  t.same(f.procReads, [201], 'nothing read for the others');
});

t.test('a container that exited since it was observed (its /proc entry is gone) is skipped and logged at debug', async (t) => {
  const f = fake();
  Object.assign(f.files, v1Files('a2', { cpuNs: 1e9, usage: 1, inactive: 0, read: 0, write: 0 }));
  f.procCgroup.set(102, v1ProcCgroup('a2'));
  f.netDev.set(101, netDev(1, 1)).set(102, netDev(7, 8));
  const pods = await new PodSampler(f.deps).sample([running(web, 'app', 'a1', 101), running(web, 'sidecar', 'a2', 102), running(db, 'postgres', 'b1', 201)]);
  t.same(
    pods.map((p) => [p.name, p.containers.map((c) => c.name)]),
    [['web', ['sidecar']]],
    'a Pod none of whose containers could be read is not sent at all',
  );
  t.same(pods[0]!.network, [{ device: 'eth0', receiveBytes: 7, transmitBytes: 8 }], "network from the first container that was read, not the exited one's");
  t.same(
    f.debug.filter((l) => l.msg === 'container usage not sampled').map((l) => l.container),
    [running(web, 'app', 'a1', 101).name, running(db, 'postgres', 'b1', 201).name],
  );
});

t.test('an unparseable /proc/<pid>/cgroup skips the container without caching anything', async (t) => {
  const f = fake();
  f.procCgroup.set(201, 'garbage\n');
  const sampler = new PodSampler(f.deps);
  t.same(await sampler.sample([running(db, 'postgres', 'b1', 201)]), []);
  t.same(await sampler.sample([running(db, 'postgres', 'b1', 201)]), []);
  t.same(f.procReads, [201, 201], 'looked up again on the next sample');
});

t.test('cgroup locations are cached per container and dropped when the container is gone', async (t) => {
  const f = fake();
  Object.assign(f.files, v2Files('b1'));
  f.procCgroup.set(201, v2ProcCgroup('b1'));
  f.netDev.set(201, netDev(1, 2));
  const sampler = new PodSampler(f.deps);
  const c = running(db, 'postgres', 'b1', 201);
  await sampler.sample([c]);
  await sampler.sample([c]);
  t.same(f.procReads, [201], 'the second sample reuses the location');
  await sampler.sample([]);
  await sampler.sample([c]);
  t.same(f.procReads, [201, 201], 'a container absent from one sample is located afresh');
});

t.test('a cgroup read failure drops the cached location, so a restarted process is located again', async (t) => {
  const f = fake();
  Object.assign(f.files, v2Files('b1'));
  f.procCgroup.set(201, v2ProcCgroup('b1'));
  f.netDev.set(201, netDev(1, 2));
  const sampler = new PodSampler(f.deps);
  const c = running(db, 'postgres', 'b1', 201);
  t.equal((await sampler.sample([c])).length, 1);
  f.files[`${V1_ROOT}/system.slice/docker-b1.scope/__gone__`] = '';
  t.same(await sampler.sample([c]), [], 'cgroup directory removed');
  delete f.files[`${V1_ROOT}/system.slice/docker-b1.scope/__gone__`];
  t.equal((await sampler.sample([c])).length, 1);
  t.same(f.procReads, [201, 201]);
});

t.test('network is left out when the Pod net/dev cannot be read; its usage is still sent', async (t) => {
  const f = fake();
  Object.assign(f.files, v2Files('b1'));
  f.procCgroup.set(201, v2ProcCgroup('b1'));
  const pods = await new PodSampler(f.deps).sample([running(db, 'postgres', 'b1', 201)]);
  t.equal(pods.length, 1);
  t.notOk('network' in pods[0]!);
  t.equal(pods[0]!.containers[0]!.cpuUsageSeconds, 3);
  t.ok(f.debug.some((l) => l.msg === 'pod network not sampled' && l.pid === 201));
});

t.test('a Pod with an empty network namespace (no interfaces but lo) reports an empty list', async (t) => {
  const f = fake();
  Object.assign(f.files, v2Files('b1'));
  f.procCgroup.set(201, v2ProcCgroup('b1'));
  f.netDev.set(201, 'Inter-|\n face |\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n');
  const pods = await new PodSampler({ ...f.deps, log: silentLog }).sample([running(db, 'postgres', 'b1', 201)]);
  t.same(pods[0]!.network, []);
});
