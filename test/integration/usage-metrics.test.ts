/**
 * Usage measured end to end on a real hub, agent and Docker engine (issue #5): a CPU burner is
 * held at its quota by the kernel (from its cgroup's own counters: never above it, throttled while
 * the test watched; on a loaded machine it may get less than its quota, never more), its
 * limits read back from the cgroup files, and what `skiff top` shows agrees with `docker stats`
 * for the same containers. The hub also keeps the samples as time series (CPU throttling
 * included) and answers the metrics.k8s.io API that kubectl top reads.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { TestCluster, type ContainerInfo } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const QUOTA_MILLICORES = 200;

function pod(name: string, command: string, resources: object): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'usage' } },
    spec: { containers: [{ name, image: 'skiff-test/web:1', imagePullPolicy: 'Never', command: ['sh', '-c', command], resources }] },
  };
}

/** cgroup v1 directory of one controller for a container's main process (these machines are v1). */
function cgroupDir(pid: number, controller: string): string {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, list, path] = line.split(':');
    if (list?.split(',').includes(controller)) return `/sys/fs/cgroup/${list}${path}`;
  }
  throw new Error(`no ${controller} cgroup for pid ${pid}`);
}

function cgroupNumber(dir: string, file: string): number {
  return Number(readFileSync(`${dir}/${file}`, 'utf8').trim());
}

async function pidOf(container: ContainerInfo): Promise<number> {
  const result = await docker(['inspect', '--format', '{{.State.Pid}}', container.id]);
  return Number(result.stdout.trim());
}

/** `docker stats` for one container: CPU in millicores and memory in MiB, as Docker computes them. */
async function dockerStats(id: string): Promise<{ milliCpu: number; memoryMi: number }> {
  const result = await docker(['stats', '--no-stream', '--format', '{{.CPUPerc}} {{.MemUsage}}', id]);
  const [cpu, memory] = result.stdout.trim().split(' ');
  const mem = /^([\d.]+)(B|KiB|MiB|GiB)$/.exec(memory ?? '');
  const factor = { B: 1 / 2 ** 20, KiB: 1 / 1024, MiB: 1, GiB: 1024 }[mem?.[2] as 'B'] ?? NaN;
  return { milliCpu: Number.parseFloat(cpu ?? '') * 10, memoryMi: Number(mem?.[1]) * factor };
}

t.test('usage: cgroup quota held, limits read back, top agrees with docker stats, series kept', async (t) => {
  const cluster = await TestCluster.start(t, { agents: [] });
  const node = await cluster.startAgent('usage', ['--metrics-interval', '1s']);
  const manifests = [
    pod('burner', 'while :; do :; done', { requests: { cpu: '100m' }, limits: { cpu: `${QUOTA_MILLICORES}m`, memory: '64Mi' } }),
    // Holds 24 MiB in tmpfs (shared memory counts in the working set): a steady figure to compare.
    pod('holder', 'head -c 25165824 /dev/zero > /dev/shm/held; exec sleep 100000', { limits: { cpu: '100m', memory: '96Mi' } }),
  ];
  const apply = await cluster.skiff(['apply', '-f', '-'], { input: manifests.map((m) => JSON.stringify(m)).join('\n---\n') });
  t.equal(apply.code, 0, apply.stderr);

  const containers = await waitFor('both containers running', async () => {
    const running = (await cluster.containers(node)).filter((c) => c.state === 'running');
    const burner = running.find((c) => c.name.includes('_burner_'));
    const holder = running.find((c) => c.name.includes('_holder_'));
    return burner && holder ? { burner, holder } : undefined;
  });

  await t.test('the kernel holds the burner at its quota, read back from the cgroup files', async (t) => {
    const pid = await pidOf(containers.burner);
    const cpu = cgroupDir(pid, 'cpu');
    const cpuacct = cgroupDir(pid, 'cpuacct');
    const memory = cgroupDir(pid, 'memory');
    t.equal(cgroupNumber(cpu, 'cpu.cfs_period_us'), 100_000, 'CFS period is the kernel default');
    t.equal(cgroupNumber(cpu, 'cpu.cfs_quota_us'), (QUOTA_MILLICORES / 1000) * 100_000, 'quota = limits.cpu x period');
    t.equal(cgroupNumber(cpu, 'cpu.shares'), 102, 'requests.cpu 100m -> 102 shares (kubelet: milli * 1024 / 1000)');
    t.equal(cgroupNumber(memory, 'memory.limit_in_bytes'), 64 * 2 ** 20, 'limits.memory');
    // Measured over a few seconds from the cgroup's own counters. The cap is what the kernel
    // guarantees; how close to it the burner gets depends on what else the 2 cores run.
    const throttledNow = (): number => Number(/nr_throttled (\d+)/.exec(readFileSync(`${cpu}/cpu.stat`, 'utf8'))?.[1]);
    const before = { ns: cgroupNumber(cpuacct, 'cpuacct.usage'), at: process.hrtime.bigint(), throttled: throttledNow() };
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const after = { ns: cgroupNumber(cpuacct, 'cpuacct.usage'), at: process.hrtime.bigint(), throttled: throttledNow() };
    const millicores = ((after.ns - before.ns) / Number(after.at - before.at)) * 1000;
    t.comment(`burner used ${millicores.toFixed(1)}m of CPU against a ${QUOTA_MILLICORES}m quota, throttled in ${after.throttled - before.throttled} of ~50 periods`);
    t.ok(millicores <= QUOTA_MILLICORES * 1.1, `CPU ${millicores.toFixed(1)}m: never above the ${QUOTA_MILLICORES}m quota (10% for the windows' edges)`);
    t.ok(millicores >= QUOTA_MILLICORES * 0.25, `CPU ${millicores.toFixed(1)}m: the burner does burn`);
    t.ok(after.throttled > before.throttled, 'the burner hit its quota and was throttled while measured');
  });

  await t.test('skiff top agrees with docker stats', async (t) => {
    // The holder fills its memory first; compare once it sleeps, over a window that began after.
    await waitFor('the holder to hold its memory', async () => (await dockerStats(containers.holder.id)).memoryMi >= 24, { timeoutMs: 60_000 });
    const settledMs = Date.now();
    await waitFor('usage measured entirely after that', async () => {
      const m = await cluster.api<{ timestamp: string; window: string }>('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/holder').catch(() => undefined);
      return m && Date.parse(m.timestamp) - Number.parseFloat(m.window) * 1000 > settledMs;
    });
    const rows = await waitFor('top pods to list both pods', async () => {
      const top = await cluster.skiff(['top', 'pods', '--no-headers']);
      if (top.code !== 0) return undefined;
      const parsed = new Map(top.stdout.trim().split('\n').map((line) => line.split(/\s+/)).map(([name, cpu, mem]) => [name!, { milliCpu: Number.parseInt(cpu!), memoryMi: Number.parseInt(mem!) }]));
      return parsed.has('burner') && parsed.has('holder') ? parsed : undefined;
    });
    const header = await cluster.skiff(['top', 'pods']);
    t.match(header.stdout, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\n/);
    const [burnerStats, holderStats] = await Promise.all([dockerStats(containers.burner.id), dockerStats(containers.holder.id)]);
    const burner = rows.get('burner')!;
    const holder = rows.get('holder')!;
    t.comment(`top: burner ${burner.milliCpu}m ${burner.memoryMi}Mi, holder ${holder.milliCpu}m ${holder.memoryMi}Mi`);
    t.comment(`docker stats: burner ${burnerStats.milliCpu.toFixed(0)}m ${burnerStats.memoryMi.toFixed(1)}MiB, holder ${holderStats.milliCpu.toFixed(0)}m ${holderStats.memoryMi.toFixed(1)}MiB`);
    // Different windows (top: the last 1 s sample pair; docker stats: its own ~1 s).
    t.ok(Math.abs(burner.milliCpu - burnerStats.milliCpu) <= QUOTA_MILLICORES * 0.2, 'burner CPU: top and docker stats within 20% of the quota');
    t.ok(burner.milliCpu <= QUOTA_MILLICORES * 1.2, 'burner CPU in top: not above its quota');
    t.ok(holder.milliCpu <= 20, 'the sleeping holder uses next to no CPU');
    // Working set = usage - inactive file, what docker stats shows as usage too; top truncates to whole MiB.
    t.ok(Math.abs(holder.memoryMi - holderStats.memoryMi) <= 2, 'holder memory: top and docker stats within 2 MiB');
    t.ok(holder.memoryMi >= 24, 'holder holds its 24 MiB');
  });

  await t.test('top nodes, metrics.k8s.io and the stored series', async (t) => {
    const top = await waitFor('top nodes to have usage', async () => {
      const result = await cluster.skiff(['top', 'nodes']);
      return result.code === 0 && !result.stdout.includes('<unknown>') ? result.stdout : undefined;
    });
    t.match(top, /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\n/);
    t.match(top, new RegExp(`^${node}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%$`, 'm'));

    const metrics = await cluster.api<{ kind: string; window: string; containers: Array<{ name: string; usage: { cpu: string; memory: string } }> }>(
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burner',
    );
    t.equal(metrics.kind, 'PodMetrics');
    t.match(metrics.window, /^\d+(\.\d+)?s$/);
    t.match(metrics.containers[0]?.usage.cpu, /^\d+n$/);
    t.match(metrics.containers[0]?.usage.memory, /^\d+Ki$/);

    const throttling = await waitFor('a throttling series for the burner', async () => {
      const list = await cluster.api<{ items: Array<{ labels: Record<string, string>; points: Array<[number, number]> }> }>(
        '/apis/metrics.skiff.io/v1alpha1/series?pod=burner&metric=cpu_throttled_ratio&since=10m',
      );
      const points = list.items[0]?.points ?? [];
      return points.length >= 2 ? points : undefined;
    });
    const ratio = throttling.at(-1)![1];
    // A busy loop is throttled in every period it gets its 20 ms in; on a busy machine not in all of them.
    t.ok(ratio > 0.1, `the burner is throttled in a good share of CFS periods (ratio ${ratio.toFixed(2)})`);
    const nodeCpu = await cluster.api<{ items: Array<{ labels: Record<string, string> }> }>(
      `/apis/metrics.skiff.io/v1alpha1/series?node=${node}&metric=cpu_usage_cores&since=10m`,
    );
    t.ok(nodeCpu.items.some((s) => s.labels.node === node && s.labels.pod === undefined), 'node CPU series kept');
    const bad = await cluster.fetch('/apis/metrics.skiff.io/v1alpha1/series?since=soon');
    t.equal(bad.status, 400, 'a bad query is refused, naming the parameter');
    t.match(((await bad.json()) as { message: string }).message, /since/);
  });
});
