import t from 'tap';
import { BatchedWrites } from '../../../hub/store/batched-writes.js';
import type { BatchOutcome, BatchWrite, Store } from '../../../hub/store/store.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { SkiffError } from '../../../shared/errors.js';
import { pod } from './fixtures.js';

const pods = resolveResource('pods')!;

/** A store that records each writeBatch call and answers per write (names starting "bad" conflict). */
function recordingStore(): { store: Store; batches: string[][] } {
  const batches: string[][] = [];
  const writeBatch = async (writes: readonly BatchWrite[]): Promise<BatchOutcome[]> => {
    batches.push(writes.map((w) => `${w.type} ${w.object.metadata.name}`));
    return writes.map((w) => (w.object.metadata.name!.startsWith('bad') ? { error: new SkiffError('SKIFF_ERR_CONFLICT', 'conflict') } : { object: { ...w.object, metadata: { ...w.object.metadata, resourceVersion: '7' } } }));
  };
  return { store: { writeBatch } as unknown as Store, batches };
}

t.test('writes issued in one turn of the event loop share one batch, in the order issued', async (t) => {
  const { store, batches } = recordingStore();
  const writes = new BatchedWrites(store);
  const results = await Promise.all([writes.update(pods, pod('a')), writes.create(pods, pod('b')), writes.update(pods, pod('c'))]);
  t.same(batches, [['update a', 'create b', 'update c']]);
  t.same(results.map((r: KubeObject) => `${r.metadata.name}@${r.metadata.resourceVersion}`), ['a@7', 'b@7', 'c@7']);
  await writes.update(pods, pod('d'));
  t.same(batches[1], ['update d'], 'a later write starts a new batch');
});

t.test('each caller gets its own outcome: a failed write rejects only its caller', async (t) => {
  const { store } = recordingStore();
  const writes = new BatchedWrites(store);
  const [ok, bad] = await Promise.allSettled([writes.update(pods, pod('fine')), writes.update(pods, pod('bad-1'))]);
  t.equal(ok.status, 'fulfilled');
  t.equal(bad.status, 'rejected');
  t.equal((bad as PromiseRejectedResult).reason.code, 'SKIFF_ERR_CONFLICT');
});

t.test('a full batch commits at once and the rest go into the next', async (t) => {
  const { store, batches } = recordingStore();
  const writes = new BatchedWrites(store, 2);
  await Promise.all(['a', 'b', 'c'].map((name) => writes.update(pods, pod(name))));
  t.same(batches, [['update a', 'update b'], ['update c']]);
});

t.test('a batch the store cannot commit rejects every caller in it', async (t) => {
  const store = { writeBatch: async () => Promise.reject(new Error('disk I/O error')) } as unknown as Store;
  const writes = new BatchedWrites(store);
  const settled = await Promise.allSettled([writes.update(pods, pod('a')), writes.create(pods, pod('b'))]);
  t.same(settled.map((s) => s.status), ['rejected', 'rejected']);
});
