/**
 * Images as Kubernetes handles them: the agent pulls a missing image from a real registry, and a
 * pull that fails shows as ErrImagePull / ImagePullBackOff with Docker's reason (issue #2).
 */
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { startRegistry } from '../helpers/registry.js';
import { waitFor } from '../helpers/wait.js';

function podManifest(name: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { test: 'pull' } },
    spec: { containers: [{ name: 'web', image }] },
  });
}

t.test('images are pulled for real, and failed pulls are reported and retried', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.close());
  const cluster = await TestCluster.start(t, { agents: ['puller'] });
  const image = `${registry.host}/web-${cluster.id}:1`;

  // Put the test image in the registry, then make sure the engine does not have it.
  t.equal((await docker(['tag', 'skiff-test/web:1', image])).code, 0);
  t.equal((await docker(['push', image])).code, 0, 'pushed to the local registry');
  t.equal((await docker(['rmi', image])).code, 0);
  t.teardown(() => docker(['rmi', '-f', image]));

  await t.test('a missing image is pulled and the pod runs', async (t) => {
    const apply = await cluster.skiff(['apply', '-f', '-'], { input: podManifest('pulled', image) });
    t.equal(apply.code, 0, apply.stderr);
    t.equal(apply.stdout.trim(), 'pod/pulled created');
    const pod = await waitFor('the pulled pod to run', async () => (await listPods(cluster, 'test=pull')).find((p) => p.metadata.name === 'pulled' && isRunningAndReady(p)), { timeoutMs: 90_000 });
    t.equal(pod.status!.containerStatuses![0]!.image, image);
    t.equal((await docker(['image', 'inspect', image])).code, 0, 'the engine now has the image');
  });

  await t.test('an image that cannot be pulled shows ErrImagePull, then ImagePullBackOff', async (t) => {
    const missing = `${registry.host}/does-not-exist-${cluster.id}:1`;
    const apply = await cluster.skiff(['apply', '-f', '-'], { input: podManifest('broken', missing) });
    t.equal(apply.code, 0, apply.stderr);
    const seen = new Set<string>();
    const waiting = await waitFor(
      'ImagePullBackOff',
      async () => {
        const pod = (await listPods(cluster, 'test=pull')).find((p) => p.metadata.name === 'broken');
        const state = pod?.status?.containerStatuses?.[0]?.state.waiting;
        if (state?.reason) seen.add(state.reason);
        return state?.reason === 'ImagePullBackOff' ? state : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    t.ok(seen.has('ErrImagePull') || seen.has('ImagePullBackOff'), `reasons seen: ${[...seen].join(', ')}`);
    t.match(waiting.message, /does-not-exist|not found|manifest unknown/i, 'carries the registry’s reason');
    const table = await cluster.skiff(['get', 'pod', 'broken']);
    t.match(table.stdout, /broken\s+0\/1\s+(ErrImagePull|ImagePullBackOff)\s+0/);
  });

  await t.test('imagePullPolicy Never with a missing image says ErrImageNeverPull', async (t) => {
    const manifest = JSON.parse(podManifest('never', `${registry.host}/absent-${cluster.id}:1`)) as { spec: { containers: Array<Record<string, unknown>> } };
    manifest.spec.containers[0]!.imagePullPolicy = 'Never';
    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(manifest) })).code, 0);
    const state = await waitFor('ErrImageNeverPull', async () => {
      const pod = (await listPods(cluster, 'test=pull')).find((p) => p.metadata.name === 'never');
      const waiting = pod?.status?.containerStatuses?.[0]?.state.waiting;
      return waiting?.reason === 'ErrImageNeverPull' ? waiting : undefined;
    });
    t.ok(state.message);
  });
});
