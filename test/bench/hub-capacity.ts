/**
 * Issue #10, targets 5 and 6: what one hub carries on this 2-core machine. A real `skiff hub`
 * (bench-hub.ts) and a simulated fleet in child processes (fleet-workers.ts: fake agents speaking
 * the real protocol, no Docker) that heartbeat every 10 s. Measures, in one run:
 *
 * - join: every node joins (HTTP) and connects (MQTT); then all Ready;
 * - a DaemonSet over the whole fleet: apply -> every Pod Running (from a Pod watch);
 * - idle: hub RSS and CPU while the fleet heartbeats, the DaemonSet's Pods present;
 * - API latency under that load: `GET /api/v1/pods` (all namespaces, every daemon Pod) and a
 *   namespaced list with a labelSelector matching 3 Pods, one request at a time;
 * - fan-out: the DaemonSet's image changes -> every node has been sent a desired state holding
 *   the new image (time noted by each fake node) -> every Pod reported Running on the new image
 *   (the hub knows) -> the old Pods gone.
 *
 * The DaemonSet rolls with maxSurge 100% (maxUnavailable 0): the new Pod of every node is created
 * next to the old one at once. Kubernetes' default (maxUnavailable 1) would replace one node's Pod
 * at a time, which no fleet of 10,000 can wait for; fan-out here is the hub's speed, not a policy's.
 */
import { DEFAULTS } from '../../shared/defaults.js';
import { waitFor } from '../helpers/wait.js';
import { BenchHub, UsageMeter } from './bench-hub.js';
import { FleetWorkers, type FleetCounts } from './fleet-workers.js';
import { PodTally } from './pod-tally.js';
import { percentile } from './stats.js';

export interface HubCapacityOptions {
  nodes: number;
  /** CI smoke sizes: a short idle window and few latency samples (the node count is the caller's). */
  quick: boolean;
  /** Worker processes for the fake fleet (default 2: one per core). */
  workers?: number;
  /** Write the hub's CPU profile (node --cpu-prof) into this directory. */
  cpuProfDir?: string;
  /** Leave the hub's data dir and log (its path is said at the end). */
  keepHubDir?: boolean;
  progress?: (line: string) => void;
}

const DAEMONSET = 'capacity';
const OLD_IMAGE = 'skiff-test/web:1';
const NEW_IMAGE = 'skiff-test/web:2';
/** The few Pods the labelSelector list finds. */
const PROBE_REPLICAS = 3;

interface NodeView {
  status?: { conditions?: Array<{ type: string; status: string }> };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const latency = (samples: number[]): string =>
  `p50 ${percentile(samples, 50).toFixed(0)} ms, p99 ${percentile(samples, 99).toFixed(0)} ms, max ${Math.max(...samples).toFixed(0)} ms (n=${samples.length})`;

function daemonSet(image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: DAEMONSET },
    spec: {
      selector: { matchLabels: { app: DAEMONSET } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '100%', maxUnavailable: 0 } },
      template: { metadata: { labels: { app: DAEMONSET } }, spec: { containers: [{ name: 'web', image }] } },
    },
  });
}

function probeDeployment(): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'probe' },
    spec: {
      replicas: PROBE_REPLICAS,
      selector: { matchLabels: { app: 'probe' } },
      template: { metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'web', image: OLD_IMAGE }] } },
    },
  });
}

/** Sequential GETs, each timed to the last byte of its body. */
async function timeGets(hub: BenchHub, path: string, samples: number): Promise<{ ms: number[]; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    const res = await fetch(`${hub.apiUrl}${path}`, { headers: { Authorization: hub.authorization } });
    const body = await res.arrayBuffer();
    ms.push(performance.now() - start);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    bytes = body.byteLength;
  }
  return { ms, bytes };
}

/** CPU% of the worker processes between two counts (of one core; 200% is the whole machine). */
function workersCpuPercent(before: FleetCounts, after: FleetCounts, elapsedMs: number): string {
  const used = after.workers.reduce((sum, w) => sum + w.cpuMs, 0) - before.workers.reduce((sum, w) => sum + w.cpuMs, 0);
  return `${((used * 100) / elapsedMs).toFixed(0)}%`;
}

const totalRss = (counts: FleetCounts): number => counts.workers.reduce((sum, w) => sum + w.rssBytes, 0);

/** Each worker's RSS, and what a node adds to it: over the RSS of the same workers before any node started. */
const workersRss = (counts: FleetCounts, empty: FleetCounts, nodes: number): string =>
  `${counts.workers.map((w) => mib(w.rssBytes)).join(' + ')} (${mib(totalRss(empty))} before any node: ${((totalRss(counts) - totalRss(empty)) / nodes / 1024).toFixed(0)} KiB per node)`;

export async function benchHubCapacity(options: HubCapacityOptions): Promise<string[]> {
  const say = options.progress ?? (() => undefined);
  const lines: string[] = [];
  const emit = (line: string): void => {
    lines.push(line);
    say(line);
  };
  const { nodes } = options;
  // Issue #10 asks for 10 s heartbeats; the agent's default lease (DEFAULTS.heartbeatIntervalMs,
  // 5 s) is twice as many messages, so the fleet runs on the agent's defaults, hub's too.
  const heartbeatIntervalMs = DEFAULTS.heartbeatIntervalMs;
  const idleMs = options.quick ? 2_000 : 60_000;
  const listSamples = options.quick ? 5 : 40;
  const selectorSamples = options.quick ? 20 : 300;
  const pollMs = Math.max(250, Math.min(2_000, nodes / 5)); // a 10,000-node list is itself a load
  const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const hub = await BenchHub.start([], nodeArgs, 'capacity'); // the hub's defaults: what a user runs
  const workers = FleetWorkers.start(options.workers ?? 2);
  let tally: PodTally | undefined;
  const progress = setInterval(() => {
    workers.counts().then(
      (c) => say(`... ${c.started} started, ${c.connected} connected; hub RSS ${mib(hub.usage().rssBytes)}`),
      () => undefined, // a worker that is gone shows in the phase that waits on it
    );
  }, 10_000);
  try {
    emit(`| what (${nodes} simulated nodes in ${workers.pids.length} worker processes, lease heartbeats every ${heartbeatIntervalMs / 1000} s, default --node-monitor-grace-period ${DEFAULTS.nodeMonitorGracePeriodMs / 1000} s) | figure |`);
    emit('|---|---|');

    // Join.
    const empty = await workers.counts();
    let meter = new UsageMeter(hub);
    const joinStart = performance.now();
    await workers.startNodes({ server: hub.apiUrl, joinToken: hub.joinToken, heartbeatIntervalMs }, nodes, 'sim-');
    const connectedMs = performance.now() - joinStart;
    say(`${nodes} nodes joined and connected in ${seconds(connectedMs)}`);
    await waitFor(`${nodes} nodes Ready`, async () => {
      const items = (await hub.api<{ items: NodeView[] }>('/api/v1/nodes')).items;
      return items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === nodes;
    }, { timeoutMs: 900_000, intervalMs: pollMs });
    const readyMs = performance.now() - joinStart;
    let usage = meter.end();
    const joined = await workers.counts();
    emit(
      `| ${nodes} nodes join (HTTP) and connect (MQTT), 50 at a time per worker | ${seconds(connectedMs)} (${(nodes / (connectedMs / 1000)).toFixed(0)} nodes/s), all Ready ${seconds(readyMs)}; hub peak RSS ${usage.peakRssMiB.toFixed(0)} MiB, CPU ${usage.cpuPercent.toFixed(0)}% (of 200%) |`,
    );
    emit(`| fake fleet workers after joining (${joined.connected} connected) | RSS ${workersRss(joined, empty, nodes)} |`);

    // The DaemonSet (and the few Pods the selector finds).
    tally = await PodTally.start(hub, 'default', `app=${DAEMONSET}`);
    meter = new UsageMeter(hub);
    const applyStart = performance.now();
    await hub.apply(daemonSet(OLD_IMAGE));
    await hub.apply(probeDeployment());
    const running = tally;
    await waitFor(`${nodes} daemon Pods Running`, () => running.runningWith(OLD_IMAGE) === nodes, { timeoutMs: 900_000, intervalMs: 100 });
    const dsRunningMs = performance.now() - applyStart;
    await waitFor(`every node sent its daemon Pod`, async () => (await workers.counts(OLD_IMAGE)).acked >= nodes, { timeoutMs: 60_000, intervalMs: 250 });
    usage = meter.end();
    emit(`| DaemonSet created → a Pod Running on each of ${nodes} nodes (hub knows) | ${seconds(dsRunningMs)}; hub peak RSS ${usage.peakRssMiB.toFixed(0)} MiB, CPU ${usage.cpuPercent.toFixed(0)}% |`);

    // Idle with the Pods present.
    const before = await workers.counts();
    meter = new UsageMeter(hub);
    const idleStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    usage = meter.end();
    const after = await workers.counts();
    const idleElapsed = performance.now() - idleStart;
    emit(
      `| idle over ${seconds(idleElapsed)}: ${after.connected} nodes heartbeating, ${nodes + PROBE_REPLICAS} Pods | hub RSS ${usage.peakRssMiB.toFixed(0)} MiB (peak), CPU ${usage.cpuPercent.toFixed(0)}%; fake fleet CPU ${workersCpuPercent(before, after, idleElapsed)}, RSS ${workersRss(after, empty, nodes)} |`,
    );

    // API latency under that load.
    meter = new UsageMeter(hub);
    const all = await timeGets(hub, '/api/v1/pods', listSamples);
    const few = await timeGets(hub, `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent('app=probe')}`, selectorSamples);
    usage = meter.end();
    emit(`| GET /api/v1/pods (all namespaces, ${nodes + PROBE_REPLICAS} Pods, ${mib(all.bytes)} = ${(all.bytes / (nodes + PROBE_REPLICAS) / 1024).toFixed(1)} KiB per Pod) | ${latency(all.ms)} |`);
    emit(`| GET /api/v1/namespaces/default/pods?labelSelector=app=probe (${PROBE_REPLICAS} of ${nodes + PROBE_REPLICAS} Pods, ${(few.bytes / 1024).toFixed(1)} KiB) | ${latency(few.ms)}; hub CPU meanwhile ${usage.cpuPercent.toFixed(0)}% |`);

    // Fan-out.
    meter = new UsageMeter(hub);
    const changeAt = Date.now();
    const changeStart = performance.now();
    await hub.patch(`/apis/apps/v1/namespaces/default/daemonsets/${DAEMONSET}`, { spec: { template: { spec: { containers: [{ name: 'web', image: NEW_IMAGE }] } } } });
    let acked: FleetCounts | undefined;
    let hubKnowsMs = 0;
    await waitFor('every node sent the new image and every Pod Running on it', async () => {
      if (!acked) {
        const counts = await workers.counts(NEW_IMAGE);
        if (counts.acked >= nodes) acked = counts;
      }
      if (!hubKnowsMs && running.runningWith(NEW_IMAGE) === nodes) hubKnowsMs = performance.now() - changeStart;
      return acked !== undefined && hubKnowsMs > 0;
    }, { timeoutMs: 900_000, intervalMs: 100 });
    await waitFor('the old Pods gone', () => running.total === nodes, { timeoutMs: 900_000, intervalMs: 100 });
    const oldGoneMs = performance.now() - changeStart;
    usage = meter.end();
    emit(
      `| fan-out: DaemonSet image changed → first node / every node sent the new desired state | ${seconds(acked!.firstAckAt! - changeAt)} / ${seconds(acked!.lastAckAt! - changeAt)} |`,
    );
    emit(`| fan-out → every Pod Running on the new image (hub knows) / old Pods gone | ${seconds(hubKnowsMs)} / ${seconds(oldGoneMs)}; hub peak RSS ${usage.peakRssMiB.toFixed(0)} MiB, CPU ${usage.cpuPercent.toFixed(0)}% |`);
  } finally {
    clearInterval(progress);
    tally?.stop();
    // The hub first: it exits normally (its CPU profile is written) rather than under 10,000 last wills.
    await hub.stop(options.keepHubDir);
    await workers.stop();
    if (options.keepHubDir) say(`hub data dir and log kept in ${hub.dir}`);
  }
  return lines;
}
