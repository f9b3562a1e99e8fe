/**
 * A simulated fleet (issue #4): one real hub schedules and dispatches for 500 fake nodes that
 * speak the real protocol (test/helpers/fake-fleet.ts: HTTP join, MQTT with the agent's session
 * options and last will, status snapshots and heartbeats). Every Pod is bound and spread as the
 * scheduler's owner-spread score guarantees, arm64-only Pods land only on arm64 nodes, every node
 * is sent exactly its Pods, the Deployments report every replica available, and a node that
 * dies abruptly goes NotReady with the unreachable taints. Figures are in test/bench/fleet.ts.
 */
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { FakeFleet, type FakeNodeSpec } from '../helpers/fake-fleet.js';
import { waitFor } from '../helpers/wait.js';

/**
 * 500 nodes prove placement, dispatch and node loss at fleet shape; the 1,000- and 10,000-node
 * figures (hub CPU, RSS, API latency) are the benchmark's job, not a test's (test/bench/fleet.ts).
 */
const NODES = 500;
/** Every fourth node is an arm64 device, the rest amd64. */
const isArm = (i: number): boolean => i % 4 === 0;
/**
 * Fewer Pods than issue #4's example of 2,000: with 2,000 the hub, sharing this 2-core machine
 * with the 1,000 fake agents of this very process, falls behind the fleet's heartbeats, nodes go
 * NotReady and placement follows (tried 2026-11-25, after taint eviction and the ReplicaSet
 * controller were indexed; docs/benchmarks.md, "Fleet scale"). Raise these with the next hot spot.
 */
const WEB_REPLICAS = 250;
const ARM_REPLICAS = 50;

interface PodView {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}
interface NodeView {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { taints?: Array<{ key: string; effect: string; timeAdded?: string }> };
  status?: { conditions?: Array<{ type: string; status: string }> };
}
interface DeploymentView {
  status?: { replicas?: number; availableReplicas?: number; readyReplicas?: number };
}

function deployment(name: string, replicas: number, nodeSelector?: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: name, image: 'skiff-test/web:1', imagePullPolicy: 'Never' }] },
      },
    },
  });
}

const ready = (n: NodeView): string | undefined => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;

/** Pods per node name. */
function perNode(pods: readonly PodView[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of pods) counts.set(p.spec.nodeName!, (counts.get(p.spec.nodeName!) ?? 0) + 1);
  return counts;
}

t.test('one hub schedules and dispatches 300 Pods over 500 simulated nodes, and sees one die', async (t) => {
  // Plain ports: the fake nodes are raw MQTT clients (test/helpers/fake-fleet.ts).
  const cluster = await TestCluster.start(t, { plain: true });
  const fleet = new FakeFleet({ server: cluster.apiUrl, joinToken: cluster.joinToken });
  t.teardown(() => fleet.stopAll());
  const specs: FakeNodeSpec[] = Array.from({ length: NODES }, (_, i) => ({ name: cluster.nodeName(`sim-${i}`), arch: isArm(i) ? 'arm64' : 'amd64', labels: { 'skiff.test/fleet': 'simulated' } }));
  const armNodes = new Set(specs.filter((_, i) => isArm(i)).map((s) => s.name));
  await fleet.start(specs);
  t.equal(fleet.nodes.size, NODES, 'every fake node joined and connected');

  await waitFor(`all ${NODES} nodes Ready`, async () => {
    const nodes = (await cluster.api<{ items: NodeView[] }>('/api/v1/nodes')).items;
    return nodes.filter((n) => ready(n) === 'True').length === NODES;
  }, { timeoutMs: 120_000, intervalMs: 1_000 });
  const nodes = (await cluster.api<{ items: NodeView[] }>('/api/v1/nodes')).items;
  t.equal(nodes.filter((n) => n.metadata.labels?.['kubernetes.io/arch'] === 'arm64').length, armNodes.size, 'the arm64 nodes carry kubernetes.io/arch=arm64');

  for (const manifest of [deployment('web', WEB_REPLICAS), deployment('arm', ARM_REPLICAS, { 'kubernetes.io/arch': 'arm64' })]) {
    const applied = await cluster.skiff(['apply', '-f', '-'], { input: manifest });
    t.equal(applied.code, 0, applied.stderr);
  }

  const listPods = async (): Promise<PodView[]> => (await cluster.api<{ items: PodView[] }>('/api/v1/namespaces/default/pods')).items.filter((p) => !p.metadata.deletionTimestamp);
  const all = await waitFor('every Pod created and bound', async () => {
    const pods = await listPods();
    return pods.length === WEB_REPLICAS + ARM_REPLICAS && pods.every((p) => p.spec.nodeName) ? pods : undefined;
  }, { timeoutMs: 150_000, intervalMs: 1_000 });
  const web = all.filter((p) => p.metadata.labels?.app === 'web');
  const arm = all.filter((p) => p.metadata.labels?.app === 'arm');
  t.equal(web.length, WEB_REPLICAS);
  t.equal(arm.length, ARM_REPLICAS);

  // The scheduler binds one Pod at a time and ranks nodes by fewest Pods of the same owner first
  // (hub/scheduler/scoring.ts), so every eligible node gets floor or ceil of replicas/eligible.
  const spread = (pods: readonly PodView[], eligible: readonly string[]): [number, number] => {
    const counts = perNode(pods);
    const all = eligible.map((n) => counts.get(n) ?? 0);
    return [Math.min(...all), Math.max(...all)];
  };
  const allNames = specs.map((s) => s.name);
  t.same(spread(web, allNames), [Math.floor(WEB_REPLICAS / NODES), Math.ceil(WEB_REPLICAS / NODES)], 'web: spread evenly over every node');
  t.same([...perNode(arm).keys()].filter((n) => !armNodes.has(n)), [], 'arm: only on arm64 nodes');
  t.same(spread(arm, [...armNodes]), [Math.floor(ARM_REPLICAS / armNodes.size), Math.ceil(ARM_REPLICAS / armNodes.size)], 'arm: spread evenly over the arm64 nodes');

  // Every node's desired state holds exactly the Pods bound to it, no more, no fewer.
  const expected = new Map<string, string[]>();
  for (const p of all) expected.set(p.spec.nodeName!, [...(expected.get(p.spec.nodeName!) ?? []), p.metadata.uid]);
  const mismatched = await waitFor('every node sent exactly its Pods', () => {
    const wrong = [...fleet.nodes.values()].filter((n) => [...n.desiredUids].sort().join() !== [...(expected.get(n.name) ?? [])].sort().join());
    return wrong.length === 0 ? wrong : undefined;
  }, { timeoutMs: 120_000, intervalMs: 1_000 }).catch((err: unknown) => {
    t.fail(String(err));
    return [];
  });
  t.same(mismatched, [], 'each fake node’s desired state is exactly the Pods bound to it');

  for (const [name, replicas] of [['web', WEB_REPLICAS], ['arm', ARM_REPLICAS]] as const) {
    const status = await waitFor(`deployment ${name} all available`, async () => {
      const d = await cluster.api<DeploymentView>(`/apis/apps/v1/namespaces/default/deployments/${name}`);
      return d.status?.availableReplicas === replicas ? d.status : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1_000 });
    t.match(status, { replicas, readyReplicas: replicas, availableReplicas: replicas }, `${name}: ${replicas}/${replicas} available`);
  }
  const running = (await listPods()).filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  t.equal(running.length, WEB_REPLICAS + ARM_REPLICAS, 'every Pod reported Running and Ready');

  // One node dies abruptly: the broker publishes its last will and the hub marks it NotReady.
  const victim = fleet.get(specs[1]!.name);
  victim.kill();
  const lost = await waitFor('the killed node NotReady and tainted unreachable', async () => {
    const n = await cluster.api<NodeView>(`/api/v1/nodes/${victim.name}`);
    return ready(n) !== 'True' && (n.spec?.taints ?? []).length === 2 ? n : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  t.equal(ready(lost), 'Unknown', 'Ready=Unknown, as the node controller sets it');
  t.same(
    lost.spec!.taints!.map((x) => `${x.key}:${x.effect}`).sort(),
    ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'],
    'tainted unreachable, NoSchedule and NoExecute',
  );
  const others = (await cluster.api<{ items: NodeView[] }>('/api/v1/nodes')).items.filter((n) => n.metadata.name !== victim.name);
  t.equal(others.filter((n) => ready(n) === 'True').length, NODES - 1, 'every other node stays Ready');
});
