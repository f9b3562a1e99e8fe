import t from 'tap';
import { contentHash, desiredPodsFor, terminatingPodsFor } from '../../../hub/dispatch/desired-state.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { pod } from './fixtures.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const keys = (pods: DesiredPod[]) => pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

t.test('a node gets exactly the Pods bound to it that are not terminating', async (t) => {
  const pods = [
    pod('mine', { nodeName: 'n1' }),
    pod('other', { nodeName: 'n2' }),
    pod('unbound'),
    pod('leaving', { nodeName: 'n1', deletionTimestamp: '2026-01-01T00:00:00Z' }),
    pod('mine-too', { nodeName: 'n1', namespace: 'edge' }),
  ];
  t.same(keys(desiredPodsFor('n1', pods)), ['default/mine', 'edge/mine-too']);
  t.same(keys(desiredPodsFor('n2', pods)), ['default/other']);
  t.same(desiredPodsFor('n3', pods), []);
});

t.test('Pods are sorted by namespace and name whatever the input order', async (t) => {
  const pods = [pod('b', { nodeName: 'n1' }), pod('a', { nodeName: 'n1', namespace: 'zeta' }), pod('c', { nodeName: 'n1' }), pod('a', { nodeName: 'n1' })];
  const want = ['default/a', 'default/b', 'default/c', 'zeta/a'];
  t.same(keys(desiredPodsFor('n1', pods)), want);
  t.same(keys(desiredPodsFor('n1', [...pods].reverse())), want);
});

t.test('each Pod is reduced to identity, labels, annotations and spec', async (t) => {
  const source = pod('web', { nodeName: 'n1', labels: { app: 'web' }, annotations: { note: 'keep', [LAST_APPLIED]: '{"huge":"manifest"}' }, phase: 'Running' });
  source.metadata.resourceVersion = '17';
  const [desired] = desiredPodsFor('n1', [source]);
  t.same(desired, {
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', labels: { app: 'web' }, annotations: { note: 'keep' } },
    spec: source.spec,
  });
  t.equal(source.metadata.annotations?.[LAST_APPLIED], '{"huge":"manifest"}', 'the stored object keeps its annotation');
});

t.test('contentHash is stable under key order and changes with content', async (t) => {
  const one = desiredPodsFor('n1', [pod('web', { nodeName: 'n1', labels: { app: 'web', tier: 'front' } })]);
  const reordered: DesiredPod[] = one.map((p) => ({
    spec: Object.fromEntries(Object.entries(p.spec).reverse()) as DesiredPod['spec'],
    metadata: { labels: { tier: 'front', app: 'web' }, uid: p.metadata.uid, namespace: p.metadata.namespace, name: p.metadata.name },
  }));
  t.equal(contentHash(reordered), contentHash(one));
  t.match(contentHash(one), /^[0-9a-f]{32}$/);

  const newImage = desiredPodsFor('n1', [pod('web', { nodeName: 'n1', labels: { app: 'web', tier: 'front' } })]);
  newImage[0]!.spec.containers[0]!.image = 'nginx:1.16.1';
  const renamed = desiredPodsFor('n1', [pod('web-2', { nodeName: 'n1', labels: { app: 'web', tier: 'front' } })]);
  const hashes = [contentHash(one), contentHash(newImage), contentHash(renamed), contentHash([])];
  t.equal(new Set(hashes).size, hashes.length, hashes.join(' '));
});

t.test('a last-applied annotation alone does not change the content hash', async (t) => {
  const plain = desiredPodsFor('n1', [pod('web', { nodeName: 'n1', annotations: {} })]);
  const applied = desiredPodsFor('n1', [pod('web', { nodeName: 'n1', annotations: { [LAST_APPLIED]: '{"v":2}' } })]);
  t.equal(contentHash(applied), contentHash(plain));
});

t.test('terminating Pods are sent only when deleted with a grace other than their own', async (t) => {
  const deleting = (name: string, grace: number | undefined, own?: number) => {
    const p = pod(name, { nodeName: 'n1', deletionTimestamp: '2026-01-01T00:00:00Z' });
    if (grace !== undefined) p.metadata.deletionGracePeriodSeconds = grace;
    if (own !== undefined) (p.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds = own;
    return p;
  };
  const pods = [deleting('fast', 1, 30), deleting('plain', 30, 30), deleting('legacy', undefined, 30), deleting('elsewhere', 2), pod('alive', { nodeName: 'n1' })];
  pods[3]!.spec = { ...(pods[3]!.spec as object), nodeName: 'n2' };
  t.same(terminatingPodsFor('n1', pods), [{ uid: 'uid-fast', gracePeriodSeconds: 1 }]);
  t.same(terminatingPodsFor('n2', pods), [{ uid: 'uid-elsewhere', gracePeriodSeconds: 2 }]);
  const desired = desiredPodsFor('n1', pods);
  t.equal(contentHash(desired, []), contentHash(desired), 'no terminating Pods: the same hash as before they existed');
  t.not(contentHash(desired, terminatingPodsFor('n1', pods)), contentHash(desired), 'a new grace is a new state for the node');
});
