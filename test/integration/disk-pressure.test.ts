/**
 * No image comes onto a node with DiskPressure (issue #7): an agent told (kubelet's --eviction-hard
 * syntax) that any free disk is too little reports DiskPressure=True and refuses the pull a new
 * Pod needs, saying why on the Pod and in a Warning event; Pods whose images are present still
 * start. Restarted with the default thresholds, the same agent pulls (here from a registry that is
 * not there: the pull is attempted and fails with the engine's own message).
 */
import t from 'tap';
import type { Event } from '../../shared/api/schema/event.js';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

t.test('under DiskPressure the agent refuses new pulls and resumes when the pressure goes', async (t) => {
  const cluster = await TestCluster.start(t);
  const full = await cluster.startAgent('full', ['--eviction-hard', 'nodefs.available<1000Ti']);
  const apply = async (manifest: object): Promise<void> => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    t.equal(result.code, 0, result.stderr);
  };
  // Bound by name: the disk-pressure NoSchedule taint keeps the scheduler away, as in Kubernetes.
  const pod = (name: string, image: string, pullPolicy: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { nodeName: full, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, imagePullPolicy: pullPolicy }] },
  });
  const waiting = (name: string, match: RegExp, unlike?: RegExp): Promise<PodView> =>
    waitFor(`${name} to wait with ${match}`, async () => {
      const [p] = await listPods(cluster, `app=${name}`);
      const message = p?.status?.containerStatuses?.[0]?.state.waiting?.message ?? '';
      return match.test(message) && !unlike?.test(message) ? p : undefined;
    }, { timeoutMs: 60_000 });

  await waitFor('DiskPressure=True', async () => {
    const node = await cluster.getJson<{ status: { conditions: Array<{ type: string; status: string }> } }>(['get', 'node', full]);
    return node.status.conditions.some((c) => c.type === 'DiskPressure' && c.status === 'True') ? true : undefined;
  });
  await apply(pod('present', 'skiff-test/web:1', 'Never'));
  await apply(pod('needs-pull', '127.0.0.1:1/skiff/absent:1', 'IfNotPresent'));

  const refused = await waiting('needs-pull', /refused: the node has DiskPressure/);
  const state = refused.status!.containerStatuses![0]!.state.waiting!;
  t.equal(state.reason, 'ErrImagePull');
  t.match(state.message, 'pull of image "127.0.0.1:1/skiff/absent:1" refused: the node has DiskPressure (nodefs.available below the eviction threshold); it resumes when space is freed');
  // Events reach the hub in batches of their own, after the status that showed the refusal.
  const failed = await waitFor('a Warning Failed event for needs-pull', async () => {
    const events = await cluster.api<{ items: Event[] }>('/api/v1/namespaces/default/events');
    return events.items.find((e) => e.involvedObject.name === 'needs-pull' && e.type === 'Warning' && e.reason === 'Failed');
  });
  t.match(failed.message, /^Failed to pull image "127\.0\.0\.1:1\/skiff\/absent:1": pull of image .* refused/, 'the Warning Failed event says why');
  const present = await waitFor('the pod whose image is present to run', async () => {
    const [p] = await listPods(cluster, 'app=present');
    return p && isRunningAndReady(p) ? p : undefined;
  }, { timeoutMs: 60_000 });
  t.equal(present.spec.nodeName, full, 'a Pod whose image is present still starts under DiskPressure');

  // Space "returns": the same node with the default thresholds pulls again.
  await cluster.stopAgent(full);
  await cluster.startAgent('full', ['--eviction-hard', 'nodefs.available<1%']);
  const attempted = await waiting('needs-pull', /127\.0\.0\.1:1/, /DiskPressure/);
  const after = attempted.status!.containerStatuses![0]!.state.waiting!;
  t.match(after.reason, /^(ErrImagePull|ImagePullBackOff)$/, 'no longer refused: the pull was attempted and failed with the engine’s message');
});
