/**
 * Losing a node (issue #4): an agent killed with SIGKILL makes its node NotReady at once (the
 * broker sees the TCP connection drop and publishes the last will), the node is tainted
 * unreachable, its Pods are evicted once their toleration runs out (5 s here, 300 s by default)
 * and replaced on the other node; when the agent comes back it is told at once to stop the evicted
 * Pods, so the Deployment ends with exactly its replicas. Deleting a node revokes its credentials.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DEFAULTS } from '../../shared/defaults.js';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

interface NodeView {
  spec?: { taints?: Array<{ key: string; effect: string; timeAdded?: string }> };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

function deployment(): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 5,
          tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
          containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never' }],
        },
      },
    },
  });
}

t.test('a lost node: NotReady, tainted, Pods replaced after their toleration, no duplicates on return', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['stay', 'lost'] });
  const [stay, lost] = [cluster.nodeName('stay'), cluster.nodeName('lost')];
  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: deployment() })).code, 0);
  const placed = await waitFor('one web pod on each node', async () => {
    const pods = (await listPods(cluster, 'app=web')).filter(isRunningAndReady);
    return pods.length === 2 && new Set(pods.map((p) => p.spec.nodeName)).size === 2 ? pods : undefined;
  });
  const onLost = placed.find((p) => p.spec.nodeName === lost)!;
  t.match(onLost.spec as object, { tolerations: [{ key: 'node.kubernetes.io/unreachable', tolerationSeconds: 5 }, { key: 'node.kubernetes.io/not-ready', tolerationSeconds: 300 }] }, 'the default not-ready toleration was added at admission');

  const killedAt = Date.now();
  await cluster.stopAgent(lost, 'SIGKILL');
  const node = await waitFor('the lost node to be NotReady and tainted', async () => {
    const n = await cluster.api<NodeView>(`/api/v1/nodes/${lost}`);
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    return ready !== 'True' && (n.spec?.taints ?? []).some((x) => x.effect === 'NoExecute') ? n : undefined;
  }, { intervalMs: 100 });
  t.comment(`measured: SIGKILL -> node NotReady and tainted in ${Date.now() - killedAt} ms`);
  t.same(
    node.spec!.taints!.map((x) => `${x.key}:${x.effect}`).sort(),
    ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'],
    'unreachable, NoSchedule and NoExecute',
  );
  t.ok(node.spec!.taints!.find((x) => x.effect === 'NoExecute')?.timeAdded, 'the NoExecute taint has timeAdded (tolerationSeconds count from it)');

  const replaced = await waitFor('a replacement running on the other node', async () => {
    const pods = await listPods(cluster, 'app=web');
    const evicted = pods.find((p) => p.metadata.name === onLost.metadata.name);
    const live = pods.filter((p) => !p.metadata.deletionTimestamp && p.spec.nodeName === stay && isRunningAndReady(p));
    return evicted?.metadata.deletionTimestamp && live.length === 2 ? { evicted, live } : undefined;
  }, { timeoutMs: 60_000 });
  t.ok(replaced.evicted.metadata.deletionTimestamp, 'the lost node’s Pod is Terminating (its node cannot confirm yet)');
  const events = (await cluster.api<{ items: Array<{ reason: string; involvedObject: { name: string } }> }>('/api/v1/namespaces/default/events')).items;
  t.ok(events.some((e) => e.reason === 'TaintManagerEviction' && e.involvedObject.name === onLost.metadata.name), 'TaintManagerEviction recorded');

  // The node comes back: it is told to stop the evicted Pod, and the Deployment ends with exactly 2.
  await cluster.startAgent('lost');
  await waitFor('the evicted Pod gone and its container stopped', async () => {
    const pods = await listPods(cluster, 'app=web');
    const containers = (await cluster.containers(lost)).filter((c) => c.state === 'running');
    return pods.length === 2 && pods.every((p) => !p.metadata.deletionTimestamp) && containers.length === 0;
  }, { timeoutMs: 60_000 });
  const back = await cluster.api<NodeView>(`/api/v1/nodes/${lost}`);
  t.same(back.spec?.taints ?? [], [], 'Ready again: the lifecycle taints are gone');
  const running = [...(await cluster.containers(stay)), ...(await cluster.containers(lost))].filter((c) => c.state === 'running' && c.labels['skiff.pod.namespace'] === 'default');
  t.equal(running.length, 2, 'exactly the Deployment’s replicas run, no duplicate left behind');
});

t.test('a hung agent (SIGSTOP: its socket open, its leases stopped): NotReady after the grace period; resumed, it is asked for its status and Ready again', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['hung'] });
  const hung = cluster.nodeName('hung');
  const readyOf = async (): Promise<string | undefined> => (await cluster.api<NodeView>(`/api/v1/nodes/${hung}`)).status?.conditions?.find((c) => c.type === 'Ready')?.status;
  await waitFor('the node Ready', async () => (await readyOf()) === 'True');
  const pid = cluster.agentPid(hung)!;
  const stoppedAt = Date.now();
  process.kill(pid, 'SIGSTOP');
  try {
    // The broker would drop the silent link only after 1.5 keepalives (22.5 s): the lease is missed first.
    await waitFor('the hung node NotReady', async () => (await readyOf()) !== 'True', { timeoutMs: 30_000, intervalMs: 100 });
    const silentMs = Date.now() - stoppedAt;
    t.comment(`measured: SIGSTOP -> node NotReady in ${silentMs} ms (grace period ${DEFAULTS.nodeMonitorGracePeriodMs} ms)`);
    t.ok(silentMs < DEFAULTS.mqttKeepaliveSeconds * 1500, 'seen by the missed lease, before the broker drops the link');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await waitFor('the node Ready again', async () => (await readyOf()) === 'True', { timeoutMs: 30_000, intervalMs: 100 });
  const hubLog = readFileSync(join(cluster.dir, 'hub.log'), 'utf8');
  t.match(hubLog, /node lease overdue; marking Unknown/, 'the hub saw the lease overdue');
  t.match(hubLog, /node marked Unknown renewed its lease; asking for its status/, 'and asked the node for its status when its lease came back');
});

t.test('deleting a node revokes its credentials', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['gone'] });
  const gone = cluster.nodeName('gone');
  const deleted = await cluster.skiff(['delete', 'node', gone]);
  t.equal(deleted.code, 0, deleted.stderr);
  t.equal(deleted.stdout.trim(), `node "${gone}" deleted`);
  // The agent keeps running but can no longer connect: its Node does not come back.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const nodes = await cluster.api<{ items: Array<{ metadata: { name: string } }> }>('/api/v1/nodes');
  t.notOk(nodes.items.some((n) => n.metadata.name === gone), 'the node stays deleted (its reports are refused)');
});
