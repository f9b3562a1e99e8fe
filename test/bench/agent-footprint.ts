/**
 * The agent's own cost with 10 running Pods while it samples usage every 10 s (issue #5's note,
 * issue #10's first target): RSS and CPU of the agent process over a measured window, from
 * /proc/<pid>/status and /proc/<pid>/stat; and the cost of one metrics sample (node files plus
 * the cgroup files of 10 containers), timed in this process with the agent's own samplers.
 */
import { readCgroupFile, readKernelFile, readProcCgroup } from '../../agent/cgroup/cgroup-files.js';
import { NodeMetricsSampler } from '../../agent/metrics/node-sampler.js';
import { PodSampler } from '../../agent/metrics/pod-sampler.js';
import type { ObservedContainer } from '../../agent/runtime/observe.js';
import { createLogger } from '../../shared/log.js';
import { TestCluster } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { MIB, processUsage, rssParts } from './proc-usage.js';
import { percentile } from './stats.js';
import { webDeployment } from '../helpers/manifests.js';

const quietTap = { teardown: () => undefined, passing: () => true, comment: () => undefined };
const rssMiB = (pid: number): number => processUsage(pid).rssBytes / MIB;
const cpuSeconds = (pid: number): number => processUsage(pid).cpuMs / 1000;

/** The local web image, limited as an edge workload would be. */
const deployment = (replicas: number): string => webDeployment('footprint', { container: { resources: { limits: { cpu: '100m', memory: '32Mi' } } } }, { replicas });

async function sampleCost(containers: ObservedContainer[], iterations: number): Promise<{ wallMs: number[]; cpuMs: number }> {
  const log = createLogger('agent', 'silent');
  const nodeSampler = new NodeMetricsSampler(log);
  const podSampler = new PodSampler({ now: Date.now, readProcCgroup, readFile: readCgroupFile, readNetDev: async (pid) => readKernelFile(`/proc/${pid}/net/dev`), log });
  await Promise.all([nodeSampler.sample(), podSampler.sample(containers)]); // warm: cgroup locations cached, as in the agent
  const wallMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await Promise.all([nodeSampler.sample(), podSampler.sample(containers)]);
    wallMs.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 / iterations };
}

/**
 * `settleMs`: after the Pods run, before the window; `pods`: issue #10 asks for 10 (the CI smoke
 * run shortens both: it proves the benchmark runs, its figures are not the issue's).
 */
export async function benchAgentFootprint(windowMs: number, settleMs = 20_000, pods = 10): Promise<string[]> {
  const cluster = await TestCluster.start(quietTap, {});
  try {
    const node = await cluster.startAgent('footprint', ['--metrics-interval', '10s']);
    const pid = cluster.agentPid(node)!;
    await cluster.skiffProcess(['apply', '-f', '-'], { input: deployment(pods) });
    await waitFor(`${pods} pods running`, async () => (await cluster.containers(node)).filter((c) => c.state === 'running').length === pods, { timeoutMs: 120_000 });
    // Settle, then measure over the window: every 10 s the agent samples and sends usage.
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const rss: number[] = [];
    const cpuStart = cpuSeconds(pid);
    const start = performance.now();
    const sampleEveryMs = Math.min(5_000, windowMs / 3); // at least three RSS samples in any window
    while (performance.now() - start < windowMs) {
      rss.push(rssMiB(pid));
      await new Promise((resolve) => setTimeout(resolve, sampleEveryMs));
    }
    const cpuPercent = ((cpuSeconds(pid) - cpuStart) / ((performance.now() - start) / 1000)) * 100;
    const parts = rssParts(pid);
    const usage = await cluster.api<{ items: unknown[] }>('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');

    const running = (await cluster.containers(node)).filter((c) => c.state === 'running');
    const inspected = JSON.parse((await docker(['inspect', ...running.map((c) => c.id)])).stdout) as Array<{ Id: string; State: { Pid: number }; Config: { Labels: Record<string, string> } }>;
    const observed = inspected.map((c) => ({ id: c.Id, name: c.Id, state: 'running', pid: c.State.Pid, labels: c.Config.Labels }) as unknown as ObservedContainer);
    const cost = await sampleCost(observed, 50);
    return [
      `agent with ${pods} pods, metrics every 10 s, over ${(windowMs / 1000).toFixed(0)} s: RSS p50 ${percentile(rss, 50).toFixed(1)} MiB, max ${Math.max(...rss).toFixed(1)} MiB; CPU ${cpuPercent.toFixed(2)}% of one core`,
      `of which at the end: anonymous ${parts.anonMiB.toFixed(1)} MiB (V8 heap, malloc), file-backed ${parts.fileMiB.toFixed(1)} MiB (node binary, libraries)`,
      `pods with usage at the hub (metrics.k8s.io): ${usage.items.length}`,
      `one metrics sample (node + ${observed.length} containers' cgroups): wall p50 ${percentile(cost.wallMs, 50).toFixed(2)} ms, p90 ${percentile(cost.wallMs, 90).toFixed(2)} ms; CPU ${cost.cpuMs.toFixed(2)} ms (n=50)`,
    ];
  } finally {
    await cluster.destroy();
  }
}
