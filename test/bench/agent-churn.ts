/**
 * The agent's drift under churn (issue #10, target 1): one agent sampling usage every 10 s while a
 * Deployment is scaled from 0 to `pods` Pods and back, once every `cycleMs`, for `durationMs`. Every
 * cycle creates and deletes `pods` Pods (new names, new UIDs, new containers): whatever the agent
 * keeps per Pod or per container and never lets go shows as RSS that grows cycle by cycle. RSS is
 * compared at the same point of each cycle (all Pods gone), and its slope is fitted over the
 * second half of the run, when V8's heap has found its size. Cycles are paced, not back to back:
 * creating containers nonstop loads a 2-core machine (dockerd, runc) past anything an edge node
 * sees, and the figure sought is memory kept, not throughput.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';
import { MIB, processUsage } from './proc-usage.js';
import { percentile } from './stats.js';
import { webDeployment } from '../helpers/manifests.js';

const quietTap = { teardown: () => undefined, passing: () => true, comment: () => undefined };
const APP = 'churn';

export interface AgentChurnOptions {
  durationMs: number;
  /** Pods created and deleted per cycle. */
  pods: number;
  /** A cycle starts this long after the previous one started (at once when it took longer). */
  cycleMs: number;
  progress: (line: string) => void;
}

/** The local web image, limited as an edge workload would be. */
const deployment = (replicas: number): string => webDeployment(APP, { container: { resources: { limits: { cpu: '100m', memory: '32Mi' } } } }, { replicas });

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
}

const fileMiB = (path: string): number => {
  try {
    return statSync(path).size / MIB;
  } catch {
    return 0; // no WAL file: nothing written since the last checkpoint
  }
};

export async function benchAgentChurn(options: AgentChurnOptions): Promise<string[]> {
  const cluster = await TestCluster.start(quietTap, {});
  try {
    const node = await cluster.startAgent('churn', ['--metrics-interval', '10s']);
    const pid = cluster.agentPid(node)!;
    const db = join(cluster.dir, 'agent-churn', 'agent.db');
    const running = async (): Promise<number> => (await cluster.containers(node)).filter((c) => c.labels['skiff.pod.name']?.startsWith(`${APP}-`) && c.state === 'running').length;
    const anyLeft = async (): Promise<number> => (await cluster.containers(node, { sandboxes: true })).filter((c) => c.labels['skiff.pod.name']?.startsWith(`${APP}-`)).length;
    const scale = async (replicas: number): Promise<void> => {
      const result = await cluster.skiff(['scale', `deployment/${APP}`, '--replicas', String(replicas)]);
      if (result.code !== 0) throw new Error(`skiff scale --replicas ${replicas}: ${result.stderr}`);
    };
    const applied = await cluster.skiff(['apply', '-f', '-'], { input: deployment(0) });
    if (applied.code !== 0) throw new Error(`skiff apply: ${applied.stderr}`);

    const rss: number[] = [];
    let agentGone: unknown;
    const sampler = setInterval(() => {
      try {
        rss.push(processUsage(pid).rssBytes / MIB);
      } catch (err) {
        agentGone ??= err; // the agent exited: the cycle in progress fails on it
      }
    }, 10_000);
    const empties: Array<{ x: number; y: number }> = []; // hours since the start, RSS MiB with no Pods
    const cpuStart = processUsage(pid).cpuMs;
    const dbStart = fileMiB(db) + fileMiB(`${db}-wal`);
    const start = performance.now();
    const hours = (): number => (performance.now() - start) / 3_600_000;
    let cycles = 0;
    try {
      do {
        const cycleStart = performance.now();
        await scale(options.pods);
        await waitFor(`${options.pods} pods running`, async () => (await running()) === options.pods, { timeoutMs: 180_000, intervalMs: 250 });
        await scale(0);
        await waitFor('every pod and sandbox removed', async () => (await anyLeft()) === 0, { timeoutMs: 180_000, intervalMs: 250 });
        if (agentGone !== undefined) throw new Error(`the agent (pid ${pid}) went away during the churn`, { cause: agentGone });
        cycles++;
        empties.push({ x: hours(), y: processUsage(pid).rssBytes / MIB });
        if (cycles % 10 === 0) options.progress(`${cycles} cycles in ${(hours() * 60).toFixed(1)} min, RSS with no pods ${empties.at(-1)!.y.toFixed(1)} MiB`);
        const rest = options.cycleMs - (performance.now() - cycleStart);
        if (rest > 0 && performance.now() - start + rest < options.durationMs) await new Promise((resolve) => setTimeout(resolve, rest));
      } while (performance.now() - start < options.durationMs);
    } finally {
      clearInterval(sampler);
    }
    const elapsedHours = hours();
    const cpuPercent = ((processUsage(pid).cpuMs - cpuStart) / (elapsedHours * 3_600_000)) * 100;
    const first = empties[0]!;
    const last = empties.at(-1)!;
    const secondHalf = empties.filter((p) => p.x >= elapsedHours / 2);
    const fitted = secondHalf.length >= 3 ? `${slope(secondHalf).toFixed(2)} MiB/h (fitted over the second half, ${secondHalf.length} cycles)` : 'too few cycles to fit';
    return [
      `agent churn, ${options.pods} pods created and deleted per cycle, a cycle every ${options.cycleMs / 1000} s, metrics every 10 s: ${cycles} cycle(s) (${cycles * options.pods} pods) in ${(elapsedHours * 60).toFixed(1)} min; command: npm run bench -- --only agent-churn`,
      `RSS with no pods after cycle 1: ${first.y.toFixed(1)} MiB; after cycle ${cycles}: ${last.y.toFixed(1)} MiB (${last.y - first.y >= 0 ? '+' : ''}${(last.y - first.y).toFixed(1)} MiB); drift ${fitted}`,
      `RSS over the run (every 10 s, pods up and down): p50 ${rss.length ? percentile(rss, 50).toFixed(1) : '-'} MiB, max ${rss.length ? Math.max(...rss).toFixed(1) : '-'} MiB; agent CPU ${cpuPercent.toFixed(2)}% of one core`,
      `agent.db + WAL: ${dbStart.toFixed(2)} MiB at the start, ${(fileMiB(db) + fileMiB(`${db}-wal`)).toFixed(2)} MiB at the end`,
    ];
  } finally {
    await cluster.destroy();
  }
}
