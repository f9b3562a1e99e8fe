/**
 * Issue #4's fleet figures: one real hub, 1,000 simulated nodes (test/helpers/fake-fleet.ts,
 * the real protocol, many per process). Measures joining and connecting the fleet, scheduling
 * throughput (apply to every Pod bound, and to every Pod reported Running), dispatch (until every
 * node holds exactly its Pods), the hub's RSS and CPU meanwhile, and how fast a lost node is seen:
 * killed (socket gone: the broker publishes its last will) and hung (connected, no heartbeats:
 * only --node-monitor-grace-period tells), with the default grace period and a short one. Also
 * checks that a 5 s silent link blip does not make a node NotReady with the defaults. The CI smoke
 * run (--quick) runs one small hub with a short grace period: it proves the code runs, no more.
 */
import { DEFAULTS } from '../../shared/defaults.js';
import { FakeFleet, type FakeNode, type FakeNodeSpec } from '../helpers/fake-fleet.js';
import { waitFor } from '../helpers/wait.js';
import { BenchHub, UsageMeter } from './bench-hub.js';
import { percentile } from './stats.js';

/** How a run's nodes heartbeat and how long the hub waits for them. */
export interface FleetTiming {
  /** --node-monitor-grace-period in seconds; undefined: the hub's default. */
  graceSeconds?: number;
  heartbeatMs: number;
  /** A silent link blip that must not make a node NotReady (shorter than the grace period). */
  blipMs: number;
}

/** The defaults, as a user runs the hub and agents. */
export const DEFAULT_FLEET_TIMING: FleetTiming = { heartbeatMs: DEFAULTS.heartbeatIntervalMs, blipMs: 5_000 };

export interface FleetBenchOptions {
  nodes: number;
  replicas: number;
  /** Nodes lost per measurement (median over them). */
  losses: number;
  /** The whole run's timing: the defaults in the full run. */
  timing: FleetTiming;
  /** A second, smaller run with a short grace period and the heartbeat interval that goes with it (heartbeats that often cost the hub more). */
  shortGrace?: { nodes: number; timing: FleetTiming };
  /** Write the hub's CPU profile (node --cpu-prof) into this directory. */
  cpuProfDir?: string;
  progress?: (line: string) => void;
}

interface NodeView {
  metadata: { name: string };
  spec?: { taints?: Array<{ key: string; effect: string }> };
  status?: { conditions?: Array<{ type: string; status: string }> };
}
interface PodView {
  metadata: { uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

const ready = (n: NodeView): string | undefined => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function deployment(replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'fleet' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'fleet' } },
      template: { metadata: { labels: { app: 'fleet' } }, spec: { containers: [{ name: 'web', image: 'skiff-test/web:1' }] } },
    },
  });
}

function fleetSpecs(nodes: number): FakeNodeSpec[] {
  return Array.from({ length: nodes }, (_, i) => ({ name: `sim-${i}`, arch: i % 4 === 0 ? 'arm64' : 'amd64' }));
}

async function allReady(hub: BenchHub, nodes: number): Promise<void> {
  await waitFor(`${nodes} nodes Ready`, async () => (await hub.api<{ items: NodeView[] }>('/api/v1/nodes')).items.filter((n) => ready(n) === 'True').length === nodes, {
    timeoutMs: 600_000,
    intervalMs: 500,
  });
}

/** Loses `victims` at once and returns, per node, the time until the hub showed it NotReady and tainted. */
async function detectionTimes(hub: BenchHub, victims: FakeNode[], lose: (n: FakeNode) => void): Promise<number[]> {
  const start = performance.now();
  for (const v of victims) lose(v);
  const seen = new Map<string, number>();
  await waitFor('every lost node NotReady and tainted', async () => {
    const nodes = (await hub.api<{ items: NodeView[] }>('/api/v1/nodes')).items;
    for (const n of nodes) {
      if (seen.has(n.metadata.name) || !victims.some((v) => v.name === n.metadata.name)) continue;
      if (ready(n) !== 'True' && (n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable')) seen.set(n.metadata.name, performance.now() - start);
    }
    return seen.size === victims.length;
  }, { timeoutMs: 180_000, intervalMs: 100 });
  return [...seen.values()];
}

const median = (samples: number[]): string => `median ${seconds(percentile(samples, 50))}, max ${seconds(Math.max(...samples))} (n=${samples.length})`;

/** One hub, the whole fleet, scheduling and dispatch, then node losses. */
async function fleetRun(options: FleetBenchOptions, timing: FleetTiming, measureScheduling: boolean): Promise<string[]> {
  const say = options.progress ?? (() => undefined);
  const nodeArgs = options.cpuProfDir && measureScheduling ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const graceArgs = timing.graceSeconds === undefined ? [] : ['--node-monitor-grace-period', `${timing.graceSeconds}s`];
  const hub = await BenchHub.start(graceArgs, nodeArgs);
  const fleet = new FakeFleet({ server: hub.apiUrl, joinToken: hub.joinToken, heartbeatIntervalMs: timing.heartbeatMs });
  const lines: string[] = [];
  const emit = (line: string): void => {
    lines.push(line);
    say(line);
  };
  const label = `${options.nodes} nodes, heartbeats every ${timing.heartbeatMs / 1000}s, ${graceArgs.length > 0 ? graceArgs.join(' ') : `default --node-monitor-grace-period (${DEFAULTS.nodeMonitorGracePeriodMs / 1000}s)`}`;
  try {
    let meter = new UsageMeter(hub);
    const joinStart = performance.now();
    await fleet.start(fleetSpecs(options.nodes));
    const connectedMs = performance.now() - joinStart;
    say(`${options.nodes} nodes joined and connected in ${seconds(connectedMs)}`);
    await allReady(hub, options.nodes);
    const readyMs = performance.now() - joinStart;
    let usage = meter.end();
    say(`all Ready after ${seconds(readyMs)}`);
    if (measureScheduling) {
      emit(
        `fleet of ${options.nodes} fake nodes: joined+connected ${seconds(connectedMs)} (${(options.nodes / (connectedMs / 1000)).toFixed(0)} nodes/s), all Ready ${seconds(readyMs)}; hub peak RSS ${usage.peakRssMiB.toFixed(0)} MiB, CPU ${usage.cpuPercent.toFixed(0)}%`,
      );
      meter = new UsageMeter(hub);
      const idleStart = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 2 * timing.heartbeatMs));
      usage = meter.end();
      emit(`idle fleet (heartbeats every ${timing.heartbeatMs / 1000}s) over ${seconds(performance.now() - idleStart)}: hub RSS ${usage.peakRssMiB.toFixed(0)} MiB, CPU ${usage.cpuPercent.toFixed(0)}%`);

      meter = new UsageMeter(hub);
      const applyStart = performance.now();
      await hub.apply(deployment(options.replicas));
      const pods = async (): Promise<PodView[]> => (await hub.api<{ items: PodView[] }>('/api/v1/namespaces/default/pods')).items.filter((p) => !p.metadata.deletionTimestamp);
      let boundMs = 0;
      let dispatchedMs = 0;
      let runningMs = 0;
      let bound: PodView[] = [];
      await waitFor('every pod bound, dispatched and Running', async () => {
        const now = performance.now() - applyStart;
        if (!boundMs) {
          const list = await pods();
          if (list.length === options.replicas && list.every((p) => p.spec.nodeName)) {
            boundMs = now;
            bound = list;
            say(`all ${options.replicas} bound after ${seconds(boundMs)}`);
          } else return false;
        }
        if (!dispatchedMs) {
          const expected = new Map<string, string[]>();
          for (const p of bound) expected.set(p.spec.nodeName!, [...(expected.get(p.spec.nodeName!) ?? []), p.metadata.uid]);
          const wrong = [...fleet.nodes.values()].filter((n) => [...n.desiredUids].sort().join() !== [...(expected.get(n.name) ?? [])].sort().join()).length;
          if (wrong > 0) return false;
          dispatchedMs = performance.now() - applyStart;
          say(`every node holds its pods after ${seconds(dispatchedMs)}`);
        }
        const running = (await pods()).filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
        if (running < options.replicas) return false;
        runningMs = performance.now() - applyStart;
        return true;
      }, { timeoutMs: 900_000, intervalMs: 250 });
      usage = meter.end();
      emit(
        `${options.replicas} replicas over ${options.nodes} nodes: all bound ${seconds(boundMs)} (${(options.replicas / (boundMs / 1000)).toFixed(0)} pods/s), every node holds its pods ${seconds(dispatchedMs)}, all Running ${seconds(runningMs)} (${(options.replicas / (runningMs / 1000)).toFixed(0)} pods/s); hub peak RSS ${usage.peakRssMiB.toFixed(0)} MiB, CPU ${usage.cpuPercent.toFixed(0)}%`,
      );
    }

    const lost = new Set<string>();
    /** Nodes not lost yet (a hung node is still connected, so `connected` alone does not say). */
    const alive = (count: number): FakeNode[] => {
      const picked = [...fleet.nodes.values()].filter((n) => !lost.has(n.name)).slice(0, count);
      for (const n of picked) lost.add(n.name);
      return picked;
    };
    const killed = await detectionTimes(hub, alive(options.losses), (n) => n.kill());
    emit(`node killed (socket closed, last will) -> NotReady+tainted, ${label}: ${median(killed)}`);
    const hung = await detectionTimes(hub, alive(options.losses), (n) => n.stopHeartbeats());
    emit(`node hung (connected, heartbeats stop) -> NotReady+tainted, ${label}: ${median(hung)}`);

    if (measureScheduling) {
      const blipped = alive(options.losses);
      let notReadySeen = 0;
      const watchStart = performance.now();
      for (const n of blipped) n.silence();
      setTimeout(() => blipped.forEach((n) => n.resume()), timing.blipMs);
      // Watch for the blip, a heartbeat interval after it and as long again: not one may turn NotReady.
      while (performance.now() - watchStart < timing.blipMs + timing.heartbeatMs + timing.blipMs) {
        const nodes = (await hub.api<{ items: NodeView[] }>('/api/v1/nodes')).items;
        notReadySeen = Math.max(notReadySeen, nodes.filter((n) => blipped.some((b) => b.name === n.metadata.name) && ready(n) !== 'True').length);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      emit(`${timing.blipMs / 1000} s silent link blip on ${blipped.length} nodes, ${label}: ${notReadySeen === 0 ? 'none went NotReady' : `${notReadySeen} went NotReady (unexpected)`}`);
      }
  } finally {
    await fleet.stopAll();
    await hub.stop();
  }
  return lines;
}

export async function benchFleet(options: FleetBenchOptions): Promise<string[]> {
  const main = await fleetRun(options, options.timing, true);
  if (!options.shortGrace) return main;
  return [...main, ...(await fleetRun({ ...options, nodes: options.shortGrace.nodes }, options.shortGrace.timing, false))];
}
