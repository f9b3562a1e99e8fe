/**
 * The per-workload disconnect policy (issue #7): on a node that is lost for longer than its Pods'
 * tolerations (SIGKILL of the agent: the broker publishes its last will, the node turns NotReady
 * and is tainted unreachable; its containers keep running in Docker, as they do on a device cut
 * off from the hub), a Deployment with the default policy has its Pod evicted and replaced on the
 * other node (here after 5 s, its own tolerationSeconds), while a Deployment annotated
 * `skiff.io/node-lost: keep` keeps its Pod bound to the node (shown not Ready meanwhile). When the
 * agent comes back, the kept Pod is Running and Ready on its node with the same uid, the same
 * container and no restart; the evicted one is stopped there and gone, and each Deployment has
 * exactly one Pod.
 */
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods, restarts, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';
import { webDeployment } from '../helpers/manifests.js';

/** A Deployment with the keep policy, or the default one with a 5 s toleration instead of 300 s (to keep the test short). */
function deployment(name: string, keep: boolean): string {
  return webDeployment(name, {
    ...(keep ? { annotations: { 'skiff.io/node-lost': 'keep' } } : {}),
    spec: {
      terminationGracePeriodSeconds: 5,
      ...(keep ? {} : { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] }),
    },
    container: { command: ['sleep', '3600'] },
  });
}

interface Toleration {
  key: string;
  effect?: string;
  tolerationSeconds?: number;
}

const tolerationsOf = (pod: PodView) => ((pod.spec as { tolerations?: Toleration[] }).tolerations ?? []).filter((x) => x.effect === 'NoExecute');

t.test('a lost node: the default Pod is replaced elsewhere, the kept Pod stays and runs on untouched when the node returns', async (t) => {
  // Only the node that will be lost at first, so that both Deployments' Pods land on it.
  const cluster = await TestCluster.start(t, { agents: ['lost'] });
  const lost = cluster.nodeName('lost');
  for (const [name, keep] of [['kept', true], ['moved', false]] as const) {
    const applied = await cluster.skiff(['apply', '-f', '-'], { input: deployment(name, keep) });
    t.equal(applied.code, 0, applied.stderr);
  }
  const [kept, moved] = await waitFor('both Pods running on the node', async () => {
    const [k, m] = [(await listPods(cluster, 'app=kept'))[0], (await listPods(cluster, 'app=moved'))[0]];
    return k && m && isRunningAndReady(k) && isRunningAndReady(m) ? ([k, m] as const) : undefined;
  });
  t.equal(kept.spec.nodeName, lost);
  t.equal(moved.spec.nodeName, lost);
  t.same(
    tolerationsOf(kept).map((x) => [x.key, x.tolerationSeconds]).sort(),
    [
      ['node.kubernetes.io/not-ready', undefined],
      ['node.kubernetes.io/unreachable', undefined],
    ],
    'keep: admission gave it not-ready and unreachable tolerations without a time limit',
  );
  const keptContainer = (await cluster.containers(lost)).find((c) => c.labels['skiff.pod.uid'] === kept.metadata.uid && c.state === 'running');
  t.ok(keptContainer, 'the kept Pod’s container runs');
  const stay = await cluster.startAgent('stay');

  await cluster.stopAgent(lost, 'SIGKILL');
  const replaced = await waitFor(
    'the default Pod evicted and replaced on the other node',
    async () => {
      const pods = await listPods(cluster, 'app=moved');
      const evicted = pods.find((p) => p.metadata.uid === moved.metadata.uid);
      const replacement = pods.find((p) => p.metadata.uid !== moved.metadata.uid && p.spec.nodeName === stay && isRunningAndReady(p));
      return evicted?.metadata.deletionTimestamp && replacement ? replacement : undefined;
    },
    { timeoutMs: 60_000 },
  );
  t.ok(replaced, 'replace (the default): a new Pod runs on the other node');
  // The eviction controller has judged every Pod of the node past the 5 s mark by now.
  const keptDuring = await listPods(cluster, 'app=kept');
  t.same(
    keptDuring.map((p) => [p.metadata.uid, p.spec.nodeName, p.metadata.deletionTimestamp]),
    [[kept.metadata.uid, lost, undefined]],
    'keep: the same Pod, still bound to the lost node, not evicted, no replacement',
  );
  t.notOk(isRunningAndReady(keptDuring[0]!), 'and not Ready while nobody hears from its node (MarkPodsNotReady)');
  const events = (await cluster.api<{ items: Array<{ reason: string; involvedObject: { name: string } }> }>('/api/v1/namespaces/default/events')).items;
  t.ok(events.some((e) => e.reason === 'TaintManagerEviction' && e.involvedObject.name === moved.metadata.name), 'the default Pod was evicted by the taint manager');
  t.notOk(events.some((e) => e.reason === 'TaintManagerEviction' && e.involvedObject.name === kept.metadata.name), 'the kept Pod was not');

  // The node comes back.
  await cluster.startAgent('lost');
  const settled = await waitFor(
    'the evicted Pod stopped and gone, the kept Pod Running on its node',
    async () => {
      const [k, m] = [await listPods(cluster, 'app=kept'), await listPods(cluster, 'app=moved')];
      const running = (await cluster.containers(lost)).filter((c) => c.state === 'running');
      const done = k.length === 1 && isRunningAndReady(k[0]!) && m.length === 1 && !m[0]!.metadata.deletionTimestamp && running.length === 1;
      return done ? { kept: k[0]!, moved: m[0]!, running } : undefined;
    },
    { timeoutMs: 60_000 },
  );
  t.equal(settled.kept.metadata.uid, kept.metadata.uid, 'the kept Pod has the same uid');
  t.equal(settled.kept.spec.nodeName, lost, 'on the same node');
  t.equal(restarts(settled.kept), 0, 'and no restart');
  t.equal(settled.running[0]!.id, keptContainer!.id, 'its container is the one that ran through the outage');
  t.equal(settled.moved.metadata.uid, replaced.metadata.uid, 'the replaced Deployment has only its replacement: nothing re-created on the returning node');
  t.equal(settled.moved.spec.nodeName, stay);
});
