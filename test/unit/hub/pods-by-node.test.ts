import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test as Tap } from 'tap';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { PodsByNode } from '../../../hub/objects/pods-by-node.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { pod } from './fixtures.js';

const pods = resolveResource('pods')!;

function storeFor(t: Tap): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-pbn-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

const names = (list: KubeObject[]): string[] => list.map((p) => p.metadata.name!).sort();
const onNode = (p: KubeObject, nodeName: string): KubeObject => ({ ...p, spec: { ...(p.spec as object), nodeName } });

/** What a full listing says: the index must always agree with it. */
async function truth(store: SqliteStore, node: string): Promise<string[]> {
  return names((await store.list(pods)).filter((p) => (p.spec as { nodeName?: string }).nodeName === node));
}

t.test('follows Pods as they are bound, moved, rebound and deleted', async (t) => {
  const store = storeFor(t);
  const index = new PodsByNode(store);
  store.onChange((c) => index.onChange(c));
  await store.create(pods, pod('before', { nodeName: 'n1' }));
  await index.load();
  t.ok(index.ready);
  t.same(names(index.podsOn('n1')), ['before'], 'loaded from the listing');
  const unbound = await store.create(pods, pod('a'));
  t.same(index.podsOn('n1').length, 1, 'an unbound Pod is on no node');
  const bound = await store.update(pods, onNode(unbound, 'n1'));
  t.same(names(index.podsOn('n1')), ['a', 'before']);
  await store.update(pods, onNode(bound, 'n2'));
  t.same(names(index.podsOn('n1')), ['before']);
  t.same(names(index.podsOn('n2')), ['a']);
  await store.delete(pods, 'default', 'a');
  t.same(index.podsOn('n2'), []);
  for (const node of ['n1', 'n2']) t.same(names(index.podsOn(node)), await truth(store, node), `${node} agrees with the store`);
});

t.test('a change committed while the listing is awaited is not lost', async (t) => {
  const store = storeFor(t);
  const index = new PodsByNode(store);
  store.onChange((c) => index.onChange(c));
  const loading = index.load(); // the listing ran; its continuation has not
  await store.create(pods, pod('late', { nodeName: 'n1' }));
  await loading;
  t.same(names(index.podsOn('n1')), ['late']);
  t.same(names(index.podsOn('n1')), await truth(store, 'n1'));
});

t.test('a terminating Pod stays on its node until deleted; other resources are ignored', async (t) => {
  const store = storeFor(t);
  const index = new PodsByNode(store);
  store.onChange((c) => index.onChange(c));
  await index.load();
  await store.create(pods, pod('leaving', { nodeName: 'n1', deletionTimestamp: '2026-01-01T00:00:00Z' }));
  t.same(names(index.podsOn('n1')), ['leaving']);
  await store.create(resolveResource('nodes')!, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} });
  t.same(names(index.podsOn('n1')), ['leaving']);
});
