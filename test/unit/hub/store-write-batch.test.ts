import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import type { Change } from '../../../hub/store/store.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { pod } from './fixtures.js';

const pods = resolveResource('pods')!;

function openStore(t: Test): { store: SqliteStore; changes: Change[]; reopen(): SqliteStore } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-store-batch-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  const changes: Change[] = [];
  store.onChange((c) => changes.push(c));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, changes, reopen: () => new SqliteStore(join(dir, 'hub.db')) };
}

t.test('writeBatch commits creates and updates with a revision each, and emits them in order after the commit', async (t) => {
  const { store, changes } = openStore(t);
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
});

t.test('a failing write of a batch writes nothing and reports why; the others commit', async (t) => {
  const { store, changes } = openStore(t);
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
});

t.test('a committed batch survives reopening the file', async (t) => {
  const { store, reopen } = openStore(t);
  await store.writeBatch(['x', 'y', 'z'].map((name) => ({ type: 'create' as const, resource: pods, object: pod(name) })));
  const again = reopen();
  t.teardown(() => again.close());
  t.same((await again.list(pods)).map((p) => p.metadata.name), ['x', 'y', 'z']);
});

t.test('an empty batch writes nothing', async (t) => {
  const { store, changes } = openStore(t);
  const before = await store.revision();
  t.same(await store.writeBatch([]), []);
  t.equal(await store.revision(), before);
  t.equal(changes.length, 0);
});
