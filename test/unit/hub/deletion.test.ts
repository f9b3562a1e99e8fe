import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { deleteObject, orphanDependents } from '../../../hub/objects/deletion.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { pod } from './fixtures.js';

const pods = resolveResource('pods')!;
const NOW = new Date('2030-01-01T00:00:00Z');
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString().replace('.000Z', 'Z');

function store(t: Test): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-deletion-'));
  const s = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(() => {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

t.test('a bound Pod is deleted gracefully: its own grace, or the one the delete asks for', async (t) => {
  const s = store(t);
  const bound = pod('web', { nodeName: 'n1' });
  (bound.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds = 30;
  await s.create(pods, bound);
  const first = await deleteObject(s, pods, bound, NOW, { gracePeriodSeconds: 10 });
  t.match(first?.metadata, { deletionTimestamp: later(10), deletionGracePeriodSeconds: 10 });
  const again = await deleteObject(s, pods, first!, NOW);
  t.equal(again?.metadata.resourceVersion, first?.metadata.resourceVersion, 'deleting again with its own (longer) grace changes nothing');
  const shorter = await deleteObject(s, pods, first!, new Date(NOW.getTime() + 2000), { gracePeriodSeconds: 1 });
  t.match(shorter?.metadata, { deletionTimestamp: later(3), deletionGracePeriodSeconds: 1 }, 'a shorter grace shortens it');
  await deleteObject(s, pods, shorter!, NOW, { gracePeriodSeconds: 0 });
  t.equal(await s.get(pods, 'default', 'web'), undefined, 'grace 0: gone at once (a forced delete)');
});

t.test('an unbound Pod goes at once, and a plain delete uses the Pod’s own grace', async (t) => {
  const s = store(t);
  await s.create(pods, pod('pending'));
  await deleteObject(s, pods, pod('pending'), NOW, { gracePeriodSeconds: 30 });
  t.equal(await s.get(pods, 'default', 'pending'), undefined);
  const bound = pod('plain', { nodeName: 'n1' });
  await s.create(pods, bound);
  t.match((await deleteObject(s, pods, bound, NOW))?.metadata, { deletionTimestamp: later(30), deletionGracePeriodSeconds: 30 }, 'the default grace when the Pod names none');
});

t.test('propagationPolicy Orphan: dependents lose their reference to the owner, and stay', async (t) => {
  const s = store(t);
  const replicaSets = resolveResource('replicasets')!;
  const owner = await s.create(resolveResource('deployments')!, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  });
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner.metadata.uid!, controller: true };
  const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'keep', uid: 'other-uid' };
  const rs = (name: string, namespace: string, refs: object[]) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace, ownerReferences: refs }, spec: {} });
  await s.create(replicaSets, rs('web-1', 'default', [ref]) as never);
  await s.create(replicaSets, rs('web-2', 'default', [ref, other]) as never);
  await s.create(replicaSets, rs('elsewhere', 'other', [ref]) as never);
  await s.create(replicaSets, rs('unrelated', 'default', [other]) as never);

  await deleteObject(s, resolveResource('deployments')!, owner, NOW, { propagationPolicy: 'Orphan' });
  t.equal(await s.get(resolveResource('deployments')!, 'default', 'web'), undefined, 'the owner is gone');
  t.equal((await s.get(replicaSets, 'default', 'web-1'))?.metadata.ownerReferences, undefined, 'its only reference is dropped');
  t.same((await s.get(replicaSets, 'default', 'web-2'))?.metadata.ownerReferences, [other], 'other owners stay');
  t.same((await s.get(replicaSets, 'other', 'elsewhere'))?.metadata.ownerReferences, [ref], 'a namespaced owner owns nothing in another namespace');
  t.same((await s.get(replicaSets, 'default', 'unrelated'))?.metadata.ownerReferences, [other]);

  const node = await s.create(resolveResource('nodes')!, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  const nodeRef = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.metadata.uid! };
  await s.create(replicaSets, rs('on-node', 'other', [nodeRef]) as never);
  t.equal(await orphanDependents(s, node), 1, 'a cluster-scoped owner may own objects in any namespace');
});
