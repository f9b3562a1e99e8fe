/**
 * Several agents sharing one Docker engine, as the tests build a fleet: placement, namespaces,
 * bare Pods, node labels, and hub and agent restarts that keep everything without churn.
 */
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { fixture, isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

interface NodeView {
  metadata: { name: string; labels: Record<string, string> };
  status: { nodeInfo: { architecture: string; kubeletVersion: string; containerRuntimeVersion: string }; capacity: Record<string, string> };
}

t.test('a small fleet on one engine', async (t) => {
  const cluster = await TestCluster.start(t);
  const a = await cluster.startAgent('a');
  const b = await cluster.startAgent('b', ['--node-label', 'tier=edge']);

  await t.test('nodes register with kubernetes.io labels, --node-label and system info', async (t) => {
    const node = await cluster.getJson<NodeView>(['get', 'node', b]);
    t.equal(node.metadata.labels['kubernetes.io/hostname'], b);
    t.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
    t.match(node.metadata.labels['kubernetes.io/arch'], /^(amd64|arm64|arm)$/);
    t.equal(node.metadata.labels.tier, 'edge');
    t.match(node.status.nodeInfo.containerRuntimeVersion, /^docker:\/\//);
    t.ok(Number(node.status.capacity.cpu) >= 1);
    const other = await cluster.getJson<NodeView>(['get', 'node', a]);
    t.notOk(other.metadata.labels.tier, 'labels are per node');
  });

  const apply = await cluster.skiff(['apply', '-f', fixture('shop.yaml')]);
  t.equal(apply.code, 0, apply.stderr);
  t.equal(apply.stdout, 'namespace/shop created\ndeployment.apps/front created\npod/edge-only created\n');

  const pods = await waitFor('5 pods running in shop', async () => {
    const list = await listPods(cluster, 'app in (front,edge-only)', 'shop');
    return list.length === 5 && list.every(isRunningAndReady) ? list : undefined;
  });

  await t.test('replicas spread over nodes and the node selector is honoured', async (t) => {
    const front = pods.filter((p) => p.metadata.labels?.app === 'front');
    t.equal(front.filter((p) => p.spec.nodeName === a).length, 2);
    t.equal(front.filter((p) => p.spec.nodeName === b).length, 2);
    t.equal(pods.find((p) => p.metadata.name === 'edge-only')!.spec.nodeName, b);
  });

  await t.test('each agent runs exactly the containers of its own pods, with limits applied', async (t) => {
    for (const node of [a, b]) {
      const containers = await cluster.containers(node);
      const expected = pods.filter((p) => p.spec.nodeName === node).map((p) => p.metadata.name).sort();
      t.same(containers.map((c) => c.labels['skiff.pod.name']).sort(), expected, `containers of ${node}`);
    }
    const frontContainer = (await cluster.containers(a))[0]!;
    const inspect = JSON.parse((await docker(['inspect', frontContainer.id])).stdout) as Array<{ HostConfig: { Memory: number; MemorySwap: number; NanoCpus: number; PidsLimit: number } }>;
    t.equal(inspect[0]!.HostConfig.Memory, 64 * 1024 * 1024, 'limits.memory becomes the cgroup memory limit');
    t.equal(inspect[0]!.HostConfig.MemorySwap, 64 * 1024 * 1024, 'no swap beyond it');
    t.equal(inspect[0]!.HostConfig.NanoCpus, 250_000_000, 'limits.cpu becomes NanoCpus');
    t.equal(inspect[0]!.HostConfig.PidsLimit, 1024, 'the default --pod-max-pids');
    // The agent reads the limits back from the cgroup files: all enforced here, so no warning.
    const events = await cluster.api<{ items: Array<{ reason: string; message: string }> }>('/api/v1/namespaces/shop/events');
    t.same(events.items.filter((e) => e.reason === 'LimitsNotEnforced'), [], 'the kernel enforces every limit asked for');
  });

  await t.test('-A lists every namespace with a NAMESPACE column', async (t) => {
    const all = await cluster.skiff(['get', 'pods', '-A']);
    t.match(all.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    t.equal(all.stdout.trim().split('\n').filter((l) => l.startsWith('shop ')).length, 5);
    const namespaces = await cluster.skiff(['get', 'ns']);
    t.match(namespaces.stdout, /shop\s+Active/);
    t.match(namespaces.stdout, /default\s+Active/);
  });

  const containerIds = async () => (await Promise.all([a, b].map((n) => cluster.containers(n)))).flat().map((c) => c.id).sort();
  const before = await containerIds();
  const podNames = (list: PodView[]) => list.map((p) => p.metadata.name).sort();

  await t.test('a hub restart keeps every object and disturbs no container', async (t) => {
    await cluster.stopHub('SIGTERM');
    await cluster.startHub();
    await waitFor('nodes Ready again', async () => {
      const nodes = await cluster.getJson<{ items: Array<{ status: { conditions: Array<{ type: string; status: string }> } }> }>(['get', 'nodes']);
      return nodes.items.length === 2 && nodes.items.every((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
    });
    const after = await listPods(cluster, 'app in (front,edge-only)', 'shop');
    t.same(podNames(after), podNames(pods), 'same pods');
    t.same(await containerIds(), before, 'same containers');
  });

  await t.test('a hub killed with SIGKILL comes back with everything it acknowledged', async (t) => {
    const extra = await cluster.skiff(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `acked-${cluster.id}` } }),
    });
    t.equal(extra.code, 0);
    await cluster.stopHub('SIGKILL');
    await cluster.startHub();
    const ns = await cluster.getJson<{ metadata: { name: string } }>(['get', 'namespace', `acked-${cluster.id}`]);
    t.equal(ns.metadata.name, `acked-${cluster.id}`);
    t.same(podNames(await listPods(cluster, 'app in (front,edge-only)', 'shop')), podNames(pods));
  });

  await t.test('an agent restart keeps its containers running (no churn)', async (t) => {
    await cluster.stopAgent(b, 'SIGTERM');
    t.same(await containerIds(), before, 'containers survive the agent stopping');
    await cluster.startAgent('b');
    // Give the restarted agent a full reconcile pass, then check nothing was recreated.
    await waitFor('the agent to report again', async () => {
      const list = await listPods(cluster, 'app in (front,edge-only)', 'shop');
      return list.length === 5 && list.every(isRunningAndReady);
    });
    t.same(await containerIds(), before, 'same containers after the agent is back');
  });

  await t.test('delete -f removes what the file created', async (t) => {
    const del = await cluster.skiff(['delete', '-f', fixture('shop.yaml')]);
    t.equal(del.code, 0, del.stderr);
    t.match(del.stdout, /namespace "shop" deleted/);
    t.match(del.stdout, /deployment\.apps "front" deleted/);
    await waitFor('all shop containers gone', async () => (await containerIds()).length === 0);
    const left = await cluster.skiff(['get', 'pods', '-n', 'shop']);
    t.match(left.stderr, /No resources found in shop namespace\./);
  });
});
