/**
 * Rolling updates on real Docker (issue #3, first part): a template change replaces Pods one step
 * at a time within maxSurge / maxUnavailable, and a rollout to an image that cannot be pulled
 * stalls with the old Pods still serving.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { fixture, isRunningAndReady, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

const manifest = readFileSync(fixture('web-deployment.yaml'), 'utf8');
const withImage = (image: string, deadlineSeconds?: number) => {
  const text = manifest.replace('image: skiff-test/web:1', `image: ${image}`);
  return deadlineSeconds === undefined ? text : text.replace('  replicas: 3\n', `  replicas: 3\n  progressDeadlineSeconds: ${deadlineSeconds}\n`);
};

interface DeploymentView {
  status: { conditions?: Array<{ type: string; status: string; reason?: string }> };
}

/** Samples the Deployment's Pods through the API every 100 ms until stopped. */
function sampler(cluster: TestCluster) {
  let stopped = false;
  const samples: Array<{ ready: number; live: number }> = [];
  const done = (async () => {
    while (!stopped) {
      const { items } = await cluster.api<{ items: PodView[] }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
      const live = items.filter((p) => !p.metadata.deletionTimestamp);
      samples.push({ ready: live.filter(isRunningAndReady).length, live: live.length });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function webPods(cluster: TestCluster): Promise<PodView[]> {
  return (await cluster.api<{ items: PodView[] }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).items;
}

t.test('rolling updates hold the availability floor and stall on a broken image', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['roll'] });
  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: manifest })).code, 0);
  const first = await waitFor('3 web:1 pods ready', async () => {
    const pods = await webPods(cluster);
    return pods.length === 3 && pods.every(isRunningAndReady) ? pods : undefined;
  });

  await t.test('web:1 -> web:2 replaces every Pod within maxSurge 1 and maxUnavailable 0', async (t) => {
    const watch = sampler(cluster);
    const started = Date.now();
    const apply = await cluster.skiff(['apply', '-f', '-'], { input: withImage('skiff-test/web:2') });
    t.equal(apply.stdout.trim(), 'deployment.apps/web configured');
    const after = await waitFor('3 web:2 pods ready and no web:1 left', async () => {
      const pods = await webPods(cluster);
      const live = pods.filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === 3 && live.every((p) => isRunningAndReady(p) && p.spec.containers[0]!.image === 'skiff-test/web:2') ? live : undefined;
    }, { timeoutMs: 120_000 });
    await watch.stop();
    t.comment(`measured: 3-replica rolling update took ${Date.now() - started} ms (${watch.samples.length} samples)`);
    t.ok(watch.samples.length > 10, 'sampled throughout');
    t.equal(Math.min(...watch.samples.map((s) => s.ready)), 3, 'never fewer than replicas - maxUnavailable (3) ready');
    t.ok(Math.max(...watch.samples.map((s) => s.live)) <= 4, 'never more than replicas + maxSurge (4) Pods');
    t.notOk(after.some((p) => first.some((f) => f.metadata.name === p.metadata.name)), 'every Pod was replaced');
    for (const pod of after) t.equal((await (await fetch(`http://${pod.status!.podIP}/`)).text()).trim(), 'v2');
    const rs = await cluster.getJson<{ items: Array<{ metadata: { annotations: Record<string, string> }; spec: { replicas: number } }> }>(['get', 'rs']);
    t.same(rs.items.map((r) => [r.metadata.annotations['deployment.kubernetes.io/revision'], r.spec.replicas]).sort(), [['1', 0], ['2', 3]], 'revision 1 kept at 0 replicas');
  });

  await t.test('a rollout to an image that cannot be pulled stalls with the old Pods serving', async (t) => {
    const before = (await webPods(cluster)).filter((p) => !p.metadata.deletionTimestamp);
    const apply = await cluster.skiff(['apply', '-f', '-'], { input: withImage('127.0.0.1:1/skiff-missing:1', 6) });
    t.equal(apply.code, 0);
    const broken = await waitFor('the new Pod failing to pull', async () => {
      const pods = await webPods(cluster);
      return pods.find((p) => ['ErrImagePull', 'ImagePullBackOff'].includes(p.status?.containerStatuses?.[0]?.state.waiting?.reason ?? ''));
    });
    t.ok(broken, 'one surge Pod, stuck pulling');
    // Give the controllers several chances to (wrongly) take more old Pods down.
    const watch = sampler(cluster);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await watch.stop();
    t.equal(Math.min(...watch.samples.map((s) => s.ready)), 3, 'the three old Pods keep serving');
    const now = await webPods(cluster);
    t.equal(now.filter((p) => before.some((b) => b.metadata.name === p.metadata.name) && isRunningAndReady(p)).length, 3);

    const exceeded = await waitFor('Progressing=False ProgressDeadlineExceeded', async () => {
      const d = await cluster.getJson<DeploymentView>(['get', 'deployment', 'web']);
      return d.status.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
    }, { timeoutMs: 30_000 });
    t.equal(exceeded.status, 'False', 'the stalled rollout is reported after progressDeadlineSeconds');

    // Resized while stalled, Kubernetes scales both ReplicaSets in proportion (sync.go scale()):
    // old 3 + new 1, maxSurge 25% of 6 = 2 -> 8 allowed: old round(3*8/4) = 6, new round(1*8/4) = 2.
    // (The rollout then goes on from there, so the sizes right after are read from the events.)
    const rsNames = await cluster.getJson<{ items: Array<{ metadata: { name: string }; spec: { template: { spec: { containers: Array<{ image: string }> } } } }> }>(['get', 'rs']);
    const nameOf = (image: string) => rsNames.items.find((r) => r.spec.template.spec.containers[0]!.image === image)!.metadata.name;
    t.equal((await cluster.skiff(['scale', 'deployment/web', '--replicas=6'])).code, 0);
    const scaling = await waitFor('both ReplicaSets scaled up in proportion', async () => {
      const events = (await cluster.api<{ items: Array<{ reason: string; message: string }> }>('/api/v1/namespaces/default/events')).items.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
      const wanted = [`Scaled up replica set ${nameOf('skiff-test/web:2')} from 3 to 6`, `Scaled up replica set ${nameOf('127.0.0.1:1/skiff-missing:1')} from 1 to 2`];
      return wanted.every((w) => events.includes(w)) ? wanted : undefined;
    });
    t.equal(scaling.length, 2, 'the serving revision went 3 -> 6 and the stalled one 1 -> 2, in one step');
    const d6 = await cluster.getJson<DeploymentView & { spec: { replicas: number } }>(['get', 'deployment', 'web']);
    t.equal(d6.spec.replicas, 6);
    await waitFor('at least 5 serving Pods (6 - maxUnavailable 1)', async () => (await webPods(cluster)).filter((p) => isRunningAndReady(p)).length >= 5);
    t.equal((await cluster.skiff(['scale', 'deployment/web', '--replicas=3'])).code, 0);

    const fix = await cluster.skiff(['apply', '-f', '-'], { input: withImage('skiff-test/web:2') });
    t.equal(fix.stdout.trim(), 'deployment.apps/web configured');
    await waitFor('back to 3 web:2 pods and no broken one', async () => {
      const pods = await webPods(cluster);
      return pods.length === 3 && pods.every((p) => isRunningAndReady(p) && p.spec.containers[0]!.image === 'skiff-test/web:2');
    });
    const recovered = await waitFor('Progressing=True again', async () => {
      const d = await cluster.getJson<DeploymentView>(['get', 'deployment', 'web']);
      return d.status.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable');
    });
    t.equal(recovered.status, 'True', 'recovered by applying the working template again');
  });
});
