/**
 * The contract every Store implementation passes (SQLite now, PostgreSQL in issue #11), as
 * aedes' abstract persistence suite does for its backends.
 */
import type { Test } from 'tap';
import { resolveResource } from '../../../shared/api/resources.js';
import { rejectsWithCode } from '../../helpers/errors.js';
import type { Change, Store } from '../../../hub/store/store.js';

const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;

function pod(name: string, namespace = 'default') {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'c', image: 'i' }] } };
}

/** Every change the store emits from here on, in order. */
function recordChanges(store: Store): Change[] {
  const changes: Change[] = [];
  store.onChange((c) => changes.push(c));
  return changes;
}

export function storeContract(t: Test, open: () => Promise<{ store: Store; reopen?: () => Promise<Store> }>): void {
  t.test('create assigns uid, generation, creationTimestamp and increasing resourceVersions', async (t) => {
    const { store } = await open();
    const a = await store.create(pods, pod('a'));
    const b = await store.create(pods, pod('b'));
    t.match(a.metadata.uid, /^[0-9a-f-]{36}$/);
    t.equal(a.metadata.generation, 1);
    t.ok(a.metadata.creationTimestamp);
    t.ok(Number(b.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
    t.equal(await store.revision(), Number(b.metadata.resourceVersion));
    await store.close();
  });

  t.test('create refuses a duplicate name with AlreadyExists', async (t) => {
    const { store } = await open();
    await store.create(pods, pod('a'));
    await rejectsWithCode(t, store.create(pods, pod('a')), 'SKIFF_ERR_ALREADY_EXISTS');
    await store.close();
  });

  t.test('the same name may exist in two namespaces; cluster-scoped objects have none', async (t) => {
    const { store } = await open();
    await store.create(pods, pod('a', 'one'));
    await store.create(pods, pod('a', 'two'));
    t.same((await store.list(pods)).map((p) => p.metadata.namespace), ['one', 'two']);
    t.same((await store.list(pods, 'two')).length, 1);
    const node = await store.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: 'ignored' } });
    t.equal(node.metadata.namespace, undefined);
    t.ok(await store.get(nodes, undefined, 'n1'));
    await store.close();
  });

  t.test('update enforces resourceVersion, keeps uid and bumps generation only on spec change', async (t) => {
    const { store } = await open();
    const created = await store.create(pods, pod('a'));
    const relabelled = await store.update(pods, { ...created, metadata: { ...created.metadata, labels: { x: 'y' } } });
    t.equal(relabelled.metadata.generation, 1);
    t.equal(relabelled.metadata.uid, created.metadata.uid);
    const respecced = await store.update(pods, { ...relabelled, spec: { containers: [{ name: 'c', image: 'j' }] } });
    t.equal(respecced.metadata.generation, 2);
    await rejectsWithCode(t, store.update(pods, created), 'SKIFF_ERR_CONFLICT');
    await rejectsWithCode(t, store.update(pods, pod('missing')), 'SKIFF_ERR_NOT_FOUND');
    await store.close();
  });

  t.test('delete returns the object once, then undefined', async (t) => {
    const { store } = await open();
    await store.create(pods, pod('a'));
    t.equal((await store.delete(pods, 'default', 'a'))?.metadata.name, 'a');
    t.equal(await store.delete(pods, 'default', 'a'), undefined);
    t.equal(await store.get(pods, 'default', 'a'), undefined);
    await store.close();
  });

  t.test('listeners see every committed change in order', async (t) => {
    const { store } = await open();
    const seen: string[] = [];
    store.onChange((c: Change) => seen.push(`${c.type} ${c.object.metadata.name} ${c.previous ? 'prev' : ''}`.trim()));
    const a = await store.create(pods, pod('a'));
    await store.update(pods, a);
    await store.delete(pods, 'default', 'a');
    t.same(seen, ['ADDED a', 'MODIFIED a prev', 'DELETED a']);
    await store.close();
  });

  t.test('node credentials and dispatch records round-trip', async (t) => {
    const { store } = await open();
    await store.putNodeCredential({ node: 'n1', passwordHash: 'salt:hash', createdAt: '2026-01-01T00:00:00Z' });
    t.same(await store.getNodeCredential('n1'), { node: 'n1', passwordHash: 'salt:hash', createdAt: '2026-01-01T00:00:00Z' });
    await store.deleteNodeCredential('n1');
    t.equal(await store.getNodeCredential('n1'), undefined);
    await store.putDispatch({ node: 'n1', generation: 3, contentHash: 'abc' });
    t.same(await store.getDispatch('n1'), { node: 'n1', generation: 3, contentHash: 'abc' });
    await store.close();
  });

  t.test('everything written survives closing and reopening', async (t) => {
    const { store, reopen } = await open();
    if (!reopen) return;
    await store.create(pods, pod('a'));
    const rv = await store.revision();
    await store.close();
    const again = await reopen();
    t.ok(await again.get(pods, 'default', 'a'));
    t.equal(await again.revision(), rv);
    const next = await again.create(pods, pod('b'));
    t.ok(Number(next.metadata.resourceVersion) > rv, 'revisions keep increasing after a restart');
    await again.close();
  });
  t.test('writeBatch commits creates and updates with a revision each, and emits them in order after the commit', async (t) => {
    const { store } = await open();
    const changes = recordChanges(store);
    const a = await store.create(pods, pod('a'));
    changes.length = 0;
    const outcomes = await store.writeBatch([
      { type: 'create', resource: pods, object: pod('b') },
      { type: 'update', resource: pods, object: { ...a, metadata: { ...a.metadata, labels: { x: '1' } } } },
    ]);
    t.same(outcomes.map((o) => o.object?.metadata.resourceVersion), [String(Number(a.metadata.resourceVersion) + 1), String(Number(a.metadata.resourceVersion) + 2)]);
    t.same(changes.map((c) => `${c.type} ${c.object.metadata.name}`), ['ADDED b', 'MODIFIED a']);
    t.same(changes[1]!.previous?.metadata.labels, undefined, 'the MODIFIED change carries the object before the write');
    t.equal(await store.revision(), Number(a.metadata.resourceVersion) + 2);
    t.same((await store.get(pods, 'default', 'a'))?.metadata.labels, { x: '1' });
    await store.close();
  });

  t.test('a failing write of a batch writes nothing and reports why; the others commit', async (t) => {
    const { store } = await open();
    const changes = recordChanges(store);
    const a = await store.create(pods, pod('a'));
    await store.create(pods, pod('dup'));
    const before = await store.revision();
    changes.length = 0;
    const outcomes = await store.writeBatch([
      { type: 'update', resource: pods, object: { ...a, metadata: { ...a.metadata, resourceVersion: '999', labels: { stale: 'yes' } } } },
      { type: 'create', resource: pods, object: pod('dup') },
      { type: 'update', resource: pods, object: pod('missing') },
      { type: 'create', resource: pods, object: pod('c') },
    ]);
    t.same(
      outcomes.map((o) => o.error?.code ?? 'ok'),
      ['SKIFF_ERR_CONFLICT', 'SKIFF_ERR_ALREADY_EXISTS', 'SKIFF_ERR_NOT_FOUND', 'ok'],
    );
    t.equal(await store.revision(), before + 1, 'only the write that succeeded took a revision');
    t.equal(outcomes[3]!.object?.metadata.resourceVersion, String(before + 1));
    t.same(changes.map((c) => `${c.type} ${c.object.metadata.name}`), ['ADDED c']);
    t.same((await store.get(pods, 'default', 'a'))?.metadata.labels, undefined);
    await store.close();
  });

  t.test('a committed batch survives reopening', async (t) => {
    const { store, reopen } = await open();
    if (!reopen) return;
    await store.writeBatch(['x', 'y', 'z'].map((name) => ({ type: 'create' as const, resource: pods, object: pod(name) })));
    await store.close();
    const again = await reopen();
    t.same((await again.list(pods)).map((p) => p.metadata.name), ['x', 'y', 'z']);
    await again.close();
  });

  t.test('an empty batch writes nothing', async (t) => {
    const { store } = await open();
    const changes = recordChanges(store);
    const before = await store.revision();
    t.same(await store.writeBatch([]), []);
    t.equal(await store.revision(), before);
    t.equal(changes.length, 0);
    await store.close();
  });
}
