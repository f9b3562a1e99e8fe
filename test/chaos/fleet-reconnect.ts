/**
 * Chaos scenario "500 simulated agents reconnecting after a hub restart" (issue #7). A fleet of
 * fake agents in this process (test/helpers/fake-fleet.ts) speaks the real protocol and, with
 * `reconnect: true`, reconnects on the agent's own backoff (agent/session/mqtt-reconnect-backoff.ts
 * over reconnect-delay.ts: exponential with full jitter between reconnectMinMs and reconnectMaxMs).
 * The hub is killed -9 under the whole fleet and started again on the same data dir; each fake
 * node stamps every CONNACK with the client's clock.
 *
 * Pass criteria: every node reconnects and shows Ready in the API with a heartbeat from after the
 * kill; the reconnects are spread (no one-second window holds more than MAX_SHARE_PER_SECOND of
 * them) and follow the backoff (see backoffBounds); every API request made during the storm, each
 * on a connection of its own as a CLI's would be, succeeds (latencies are reported, not asserted: speed is the benchmarks'
 * job); and the hub re-creates none of the Pods the fleet kept running.
 */
import type { Test } from 'tap';
import { request } from 'node:http';
import { DEFAULTS } from '../../shared/defaults.js';
import { TestCluster } from '../helpers/cluster.js';
import { FakeFleet, type FakeNode } from '../helpers/fake-fleet.js';
import { waitFor } from '../helpers/wait.js';

const NODES = 500;
/** A modest workload, so that the storm includes desired states and the pod list has rows. */
const REPLICAS = 100;
/** A fleet arriving at once would put (nearly) all of its reconnects in one second. */
const MAX_SHARE_PER_SECOND = 0.6;
const SECOND_MS = 1_000;
/**
 * How late a timer of this test process may fire: 500 MQTT clients share its one event loop on a
 * shared 2-core machine. Generous on purpose: the bound is about the backoff's shape, not speed.
 */
const EVENT_LOOP_LAG_MS = 10_000;
/**
 * A node stamps a close in its own listener, after MQTT.js armed its timer in an earlier one, so a
 * measured wait can look shorter than the armed one (by up to 26 ms, measured under load 12).
 */
const TIMER_EARLY_MS = 100;
/** Deadline for the whole fleet to be back: a poll's limit, not a pass criterion on speed. */
const STORM_DEADLINE_MS = 240_000;

interface NodeView {
  metadata: { name: string };
  status?: { conditions?: Array<{ type: string; status: string; lastHeartbeatTime?: string }> };
}
interface PodView {
  metadata: { uid: string; deletionTimestamp?: string };
}

/**
 * What the backoff allows, measured on the client (agent/session/reconnect-delay.ts): attempt n
 * waits reconnectMinMs + U[0, min(reconnectMaxMs, reconnectMinMs * 2^(n+1)) - reconnectMinMs),
 * so no node is back before killedAt + reconnectMinMs, and every wait between a failed attempt and
 * the next lies in [reconnectMinMs, reconnectMaxMs] (give or take the timer slack above). Wall time from the kill to the CONNACK is not bounded here: it also holds the
 * hub's start-up and its time to answer 500 CONNECTs, which is the hub's speed, not the backoff's.
 */
export function backoffBounds(killedAt: number): { earliestBack: number; minWaitMs: number; maxWaitMs: number } {
  return { earliestBack: killedAt + DEFAULTS.reconnectMinMs, minWaitMs: DEFAULTS.reconnectMinMs - TIMER_EARLY_MS, maxWaitMs: DEFAULTS.reconnectMaxMs + EVENT_LOOP_LAG_MS };
}

/** GET on a connection of its own (no keep-alive socket to race the server's idle timeout): the status code. */
function getOnFreshConnection(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

/** The largest number of instants in any half-open window [x, x + widthMs). */
export function densestWindow(instants: readonly number[], widthMs: number): number {
  const sorted = [...instants].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= widthMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Reconnects per second after `origin` (index = whole seconds since origin), for the report. */
function histogram(instants: readonly number[], origin: number): number[] {
  const bins: number[] = [];
  for (const at of instants) {
    const bin = Math.floor((at - origin) / SECOND_MS);
    while (bins.length <= bin) bins.push(0);
    bins[bin]!++;
  }
  return bins;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

const readyAfter = (n: NodeView, since: number): boolean => {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' && ready.lastHeartbeatTime !== undefined && Date.parse(ready.lastHeartbeatTime) >= since;
};

/** The node's first CONNACK after `since` (undefined: not back yet). */
const backAt = (node: FakeNode, since: number): number | undefined => node.connectedAt.find((at) => at > since);

export async function fleetReconnect(t: Test): Promise<void> {
  // Plain ports: the fake nodes are raw MQTT clients (test/helpers/fake-fleet.ts).
  const cluster = await TestCluster.start(t, { plain: true });
  const fleet = new FakeFleet({ server: cluster.apiUrl, joinToken: cluster.joinToken, reconnect: true });
  t.teardown(() => fleet.stopAll());
  const joinStarted = Date.now();
  await fleet.start(Array.from({ length: NODES }, (_, i) => ({ name: cluster.nodeName(`storm-${i}`) })));
  await waitFor(`all ${NODES} nodes Ready`, async () => {
    const nodes = (await cluster.api<{ items: NodeView[] }>('/api/v1/nodes')).items;
    return nodes.filter((n) => readyAfter(n, 0)).length === NODES;
  }, { timeoutMs: 120_000, intervalMs: 1_000 });
  t.comment(`${NODES} fake nodes joined and Ready in ${Date.now() - joinStarted} ms`);

  const deployStarted = Date.now();
  const applied = await cluster.skiff(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'storm' },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'storm' } },
        template: { metadata: { labels: { app: 'storm' } }, spec: { containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never' }] } },
      },
    }),
  });
  t.equal(applied.code, 0, applied.stderr);
  await waitFor(`deployment storm ${REPLICAS}/${REPLICAS} available`, async () => {
    const d = await cluster.api<{ status?: { availableReplicas?: number } }>('/apis/apps/v1/namespaces/default/deployments/storm');
    return d.status?.availableReplicas === REPLICAS;
  }, { timeoutMs: 120_000, intervalMs: 1_000 });
  const listPodUids = async (): Promise<string[]> =>
    (await cluster.api<{ items: PodView[] }>('/api/v1/namespaces/default/pods')).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.uid).sort();
  const podsBefore = await listPodUids();
  t.comment(`deployment of ${REPLICAS} Pods available in ${Date.now() - deployStarted} ms`);

  const killedAt = Date.now();
  await cluster.stopHub('SIGKILL');
  await cluster.startHub();
  const hubUpAt = Date.now();
  t.comment(`hub down and back (answering /healthz) in ${hubUpAt - killedAt} ms`);

  // During the storm: /healthz and a pod list, one after the other, until every node is back.
  const latencies = { healthz: [] as number[], pods: [] as number[] };
  const failures: string[] = [];
  const timed = async (kind: keyof typeof latencies, path: string, headers?: Record<string, string>): Promise<void> => {
    const started = performance.now();
    try {
      const status = await getOnFreshConnection(`${cluster.apiUrl}${path}`, headers);
      latencies[kind].push(performance.now() - started);
      if (status !== 200) failures.push(`${kind}: HTTP ${status}`);
    } catch (err) {
      failures.push(`${kind}: ${String(err)}`);
    }
  };
  const admin = { authorization: `Bearer ${cluster.adminToken}` };
  const nodes = [...fleet.nodes.values()];
  const allBack = (): boolean => nodes.every((n) => backAt(n, killedAt) !== undefined);
  for (let round = 0; round < 3 || !allBack(); round++) {
    if (Date.now() - hubUpAt > STORM_DEADLINE_MS) break; // the assertions below say who is missing
    await timed('healthz', '/healthz');
    await timed('pods', '/api/v1/namespaces/default/pods', admin);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const back = nodes.map((n) => backAt(n, killedAt)).filter((at): at is number => at !== undefined);
  t.equal(back.length, NODES, `every fake node reconnected (missing: ${nodes.filter((n) => backAt(n, killedAt) === undefined).slice(0, 5).map((n) => n.name).join(', ')})`);
  await waitFor(`all ${NODES} nodes Ready with a heartbeat from after the kill`, async () => {
    const listed = (await cluster.api<{ items: NodeView[] }>('/api/v1/nodes')).items;
    return listed.filter((n) => readyAfter(n, killedAt)).length === NODES;
  }, { timeoutMs: 60_000, intervalMs: 1_000 });
  t.pass(`all ${NODES} nodes Ready in the API, on heartbeats sent after the restart`);

  t.same(failures, [], 'every API request during the reconnect storm succeeded');
  for (const [kind, values] of Object.entries(latencies)) {
    const sorted = [...values].sort((a, b) => a - b);
    t.comment(`${kind} during the storm: ${sorted.length} requests, p50 ${percentile(sorted, 0.5).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`);
  }

  const bins = histogram(back, killedAt);
  t.comment(`reconnects per second after the kill: ${bins.map((count, s) => `${s}s:${count}`).join(' ')}`);
  const attempts = nodes.map((n) => n.reconnectAttempts).sort((a, b) => a - b);
  t.comment(`reconnect attempts per node: min ${attempts[0]}, median ${percentile(attempts, 0.5)}, max ${attempts.at(-1)}`);
  const densest = densestWindow(back, SECOND_MS);
  t.ok(densest <= MAX_SHARE_PER_SECOND * NODES, `spread out: at most ${densest} of ${NODES} reconnects (${((100 * densest) / NODES).toFixed(0)}%) in any one second, no more than ${100 * MAX_SHARE_PER_SECOND}% allowed`);
  const bounds = backoffBounds(killedAt);
  const first = Math.min(...back);
  t.comment(`first node back ${first - killedAt} ms after the kill, last ${Math.max(...back) - killedAt} ms (${Math.max(...back) - hubUpAt} ms after /healthz answered)`);
  t.ok(first >= bounds.earliestBack, `no node back before the first backoff wait (reconnectMinMs ${DEFAULTS.reconnectMinMs})`);
  const waits = nodes.flatMap((n) => n.backoffWaitsMs).sort((a, b) => a - b);
  t.comment(`${waits.length} backoff waits: min ${waits[0]} ms, p50 ${percentile(waits, 0.5)} ms, max ${waits.at(-1)} ms; ${waits.filter((w) => w < DEFAULTS.reconnectMinMs + 50).length} at the minimum`);
  t.ok(waits.length >= NODES, 'every node waited on the backoff at least once');
  t.same(waits.filter((w) => w < bounds.minWaitMs || w > bounds.maxWaitMs), [], `every wait between attempts within [reconnectMinMs, reconnectMaxMs] = [${DEFAULTS.reconnectMinMs}, ${DEFAULTS.reconnectMaxMs}] ms (timer slack aside)`);

  t.same(await listPodUids(), podsBefore, 'the hub re-created none of the Pods the fleet kept running');
}
