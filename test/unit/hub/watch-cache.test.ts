import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Change } from '../../../hub/store/store.js';
import { WatchCache, type CachedChange } from '../../../hub/api/watch-cache.js';
import { pod } from './fixtures.js';

const pods = resolveResource('pods')!;

/** A MODIFIED change of pod `name` committed at `revision`. */
function change(revision: number, name = 'p'): Change {
  const object: KubeObject = { ...pod(name), metadata: { ...pod(name).metadata, resourceVersion: String(revision) } };
  return { type: 'MODIFIED', resource: pods, object, previous: object };
}

const revisions = (changes: CachedChange[]): number[] => changes.map((c) => c.revision);

function replay(cache: WatchCache, from: number, current: number): number[] | string {
  const result = cache.since(from, current);
  return result.ok ? revisions(result.changes) : result.error.message;
}

t.test('an empty cache replays nothing from the current revision and expires anything older', async (t) => {
  const cache = new WatchCache(3);
  t.same(replay(cache, 7, 7), []);
  t.same(replay(cache, 9, 7), [], 'a future revision waits for changes');
  t.equal(replay(cache, 6, 7), 'too old resource version: 6 (7)');
  const expired = cache.since(6, 7);
  t.equal(!expired.ok && expired.error.code, 'SKIFF_ERR_EXPIRED');
  t.equal(!expired.ok && expired.error.reason, 'Expired');
  t.equal(!expired.ok && expired.error.httpStatus, 410);
});

t.test('replays exactly the changes after a resourceVersion, oldest first', async (t) => {
  const cache = new WatchCache(5);
  for (const rv of [8, 9, 10]) cache.add(change(rv));
  t.same(replay(cache, 7, 10), [8, 9, 10], 'the revision just before the first change is still complete');
  t.same(replay(cache, 8, 10), [9, 10]);
  t.same(replay(cache, 10, 10), []);
  t.equal(replay(cache, 6, 10), 'too old resource version: 6 (7)', 'what came before the cache started is unknown');
});

t.test('the ring keeps the newest `capacity` changes; older resourceVersions expire', async (t) => {
  const cache = new WatchCache(3);
  for (let rv = 1; rv <= 7; rv++) cache.add(change(rv));
  t.same(replay(cache, 4, 7), [5, 6, 7]);
  t.equal(replay(cache, 3, 7), 'too old resource version: 3 (4)');
  cache.add(change(8));
  t.same(replay(cache, 5, 8), [6, 7, 8]);
  t.equal(replay(cache, 4, 8), 'too old resource version: 4 (5)');
});

t.test('subscribers get every change after it is recorded, until they unsubscribe', async (t) => {
  const cache = new WatchCache(2);
  const seen: number[] = [];
  const unsubscribe = cache.subscribe((c) => {
    seen.push(c.revision);
    // a subscriber that replays from inside its callback already finds its change there
    t.ok(revisions((cache.since(c.revision - 1, c.revision) as { changes: CachedChange[] }).changes).includes(c.revision));
  });
  t.equal(cache.subscriberCount, 1);
  cache.add(change(3));
  cache.add(change(4));
  unsubscribe();
  cache.add(change(5));
  t.same(seen, [3, 4]);
  t.equal(cache.subscriberCount, 0);
});

t.test('a capacity that is not a positive integer is refused', async (t) => {
  t.throws(() => new WatchCache(0), { code: 'SKIFF_ERR_CONFIG' });
  t.throws(() => new WatchCache(1.5), { code: 'SKIFF_ERR_CONFIG' });
});

t.test('a gap in the revisions (changes the hub never got) restarts the ring and tells every watcher', async (t) => {
  const cache = new WatchCache(5);
  const gaps: Array<[number, number]> = [];
  const seen: number[] = [];
  cache.subscribe((c) => void seen.push(c.revision), (from, to) => void gaps.push([from, to]));
  for (const rv of [3, 4]) cache.add(change(rv));
  cache.add(change(9)); // 5..8 were compacted away before this hub read them
  t.same(gaps, [[5, 9]]);
  t.same(seen, [3, 4, 9], 'the change after the gap is still delivered');
  t.equal(replay(cache, 4, 9), 'too old resource version: 4 (8)', 'a watch from before the gap must list again');
  t.same(replay(cache, 8, 9), [9]);
  cache.add(change(10));
  t.same(gaps.length, 1, 'consecutive revisions are no gap');
});
