import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createLogger } from '../../../shared/log.js';
import { DEFAULT_WATCH_SETTINGS, WatchServer } from '../../../hub/api/watch.js';
import { WatchCache } from '../../../hub/api/watch-cache.js';
import { printTable } from '../../../hub/printers/registry.js';
import { TABLE_ACCEPT } from '../../../hub/printers/table.js';
import { waitFor } from '../../helpers/wait.js';
import { brief, pods, startApi, WatchReader } from './watch-fixtures.js';

const PODS = '/api/v1/namespaces/default/pods';

t.test('without a resourceVersion a watch starts with the current state, then follows every change', async (t) => {
  const api = await startApi(t);
  await api.addPod('web-1');
  const watch = await WatchReader.open(api, `${PODS}?watch=true`);
  t.teardown(() => watch.close());
  t.equal(watch.status, 200);
  t.equal(watch.contentType, 'application/json');
  t.same((await watch.take(1)).map(brief), ['ADDED web-1@3']);
  await api.relabel('web-1', { app: 'web' });
  await api.store.delete(pods, 'default', 'web-1');
  t.same((await watch.take(3)).map(brief), ['ADDED web-1@3', 'MODIFIED web-1@4', 'DELETED web-1@5']);
  t.equal((watch.events[1]!.object as { metadata: { labels: unknown } }).metadata.labels !== undefined, true, 'objects come whole');
});

t.test('from a resourceVersion a watch replays only the changes after it, then live ones', async (t) => {
  const api = await startApi(t);
  for (const name of ['a', 'b', 'c']) await api.addPod(name);
  const watch = await WatchReader.open(api, `${PODS}?watch=1&resourceVersion=4`);
  t.teardown(() => watch.close());
  t.same((await watch.take(1)).map(brief), ['ADDED c@5']);
  await api.addPod('d');
  t.same((await watch.take(2)).map(brief), ['ADDED c@5', 'ADDED d@6']);
});

t.test('a resourceVersion older than the watch cache gets one ERROR event: 410 Expired, as Kubernetes', async (t) => {
  const api = await startApi(t);
  await api.addPod('a');
  const watch = await WatchReader.open(api, `${PODS}?watch=true&resourceVersion=1`);
  await watch.end();
  t.equal(watch.status, 200, 'the apiserver reports it inside the stream, past authentication');
  t.same(watch.events, [
    {
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (2)', reason: 'Expired', code: 410 },
    },
  ]);
});

t.test('Table watches: one row per event; only the first event carries the columns', async (t) => {
  const api = await startApi(t);
  await api.addPod('a');
  const watch = await WatchReader.open(api, `${PODS}?watch=true`, { accept: TABLE_ACCEPT });
  t.teardown(() => watch.close());
  await watch.take(1);
  await api.addPod('b');
  const [first, second] = await watch.take(2);
  t.same([first, second].map((e) => brief(e!)), ['ADDED a@3', 'ADDED b@4']);
  const table = (e: typeof first) => e!.object as { kind: string; columnDefinitions: Array<{ name: string }> | null; rows: Array<{ cells: unknown[]; object: { kind: string } }> };
  t.equal(table(first).kind, 'Table');
  t.same(table(first).columnDefinitions!.slice(0, 3).map((c) => c.name), ['Name', 'Ready', 'Status']);
  t.equal(table(second).columnDefinitions, null);
  t.equal(table(second).rows.length, 1);
  t.equal(table(second).rows[0]!.object.kind, 'PartialObjectMetadata');
});

t.test('selectors: an object that starts matching is ADDED, one that stops is DELETED', async (t) => {
  const api = await startApi(t);
  await api.addPod('web-1', { labels: { app: 'web' } });
  await api.addPod('db-1', { labels: { app: 'db' } });
  const watch = await WatchReader.open(api, `${PODS}?watch=true&labelSelector=app%3Dweb`);
  t.teardown(() => watch.close());
  await watch.take(1);
  await api.relabel('web-1', { app: 'old' });
  await api.relabel('db-1', { app: 'web' });
  await api.relabel('db-1', { app: 'web', tier: 'x' });
  t.same((await watch.take(4)).map(brief), ['ADDED web-1@3', 'DELETED web-1@5', 'ADDED db-1@6', 'MODIFIED db-1@7']);

  const one = await WatchReader.open(api, `${PODS}?watch=true&fieldSelector=metadata.name%3Ddb-1`);
  t.teardown(() => one.close());
  await api.relabel('web-1', { app: 'web' });
  await api.relabel('db-1', { app: 'db' });
  t.same((await one.take(2)).map(brief), ['ADDED db-1@7', 'MODIFIED db-1@9'], 'one object, by name');
});

t.test('a watch of every namespace sees all of them; a namespaced one only its own', async (t) => {
  const api = await startApi(t);
  const all = await WatchReader.open(api, '/api/v1/pods?watch=true');
  const edge = await WatchReader.open(api, '/api/v1/namespaces/edge/pods?watch=true');
  t.teardown(() => all.close());
  t.teardown(() => edge.close());
  await api.addPod('a');
  await api.addPod('b', { namespace: 'edge' });
  t.same((await all.take(2)).map(brief), ['ADDED a@3', 'ADDED b@4']);
  t.same((await edge.take(1)).map(brief), ['ADDED b@4']);
  await api.addPod('c');
  await all.take(3);
  t.equal(edge.events.length, 1);
});

t.test('the watch ends at timeoutSeconds, and when the hub stops', async (t) => {
  const api = await startApi(t);
  const timed = await WatchReader.open(api, `${PODS}?watch=true&timeoutSeconds=1`);
  await timed.end();
  t.equal(timed.failure, undefined, 'a clean end of the stream');
  const open = await WatchReader.open(api, `${PODS}?watch=true`);
  await api.addPod('a');
  await open.take(1);
  await api.stop();
  await open.end();
  t.pass('the stream ended when the server closed');
});

t.test('allowWatchBookmarks: BOOKMARKs carry the newest revision', async (t) => {
  const api = await startApi(t, { bookmarkIntervalMs: 20 });
  await api.addPod('a');
  await api.store.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere', namespace: 'edge' }, spec: {} });
  const watch = await WatchReader.open(api, `${PODS}?watch=true&allowWatchBookmarks=true`);
  t.teardown(() => watch.close());
  const bookmark = await waitFor('a bookmark', () => watch.events.find((e) => e.type === 'BOOKMARK'), { intervalMs: 5 });
  t.same(bookmark.object, { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '4' } }, 'changes the watcher does not see still move it on');
  const plain = await WatchReader.open(api, `${PODS}?watch=true&timeoutSeconds=1`);
  await plain.end();
  t.notOk(plain.events.some((e) => e.type === 'BOOKMARK'), 'none unless asked for');
});

t.test('bad parameters and missing credentials fail before the stream starts', async (t) => {
  const api = await startApi(t);
  const badRv = await WatchReader.open(api, `${PODS}?watch=true&resourceVersion=x`);
  t.equal(badRv.status, 400);
  t.match(badRv.failure, { kind: 'Status', reason: 'BadRequest', message: 'invalid resource version: "x"' });
  const badSelector = await WatchReader.open(api, `${PODS}?watch=true&fieldSelector=spec.x%3D1`);
  t.equal(badSelector.status, 400);
  const anonymous = await WatchReader.open(api, `${PODS}?watch=true`, { token: 'wrong' });
  t.equal(anonymous.status, 401);
});

/** The WatchServer on its own, to see its subscriptions come and go. */
async function bareWatchServer(t: { teardown(fn: () => unknown): void }, printRow = (r: typeof pods, o: Parameters<typeof printTable>[1][number], now: Date) => ({ ...printTable(r, [o], now) })) {
  const api = await startApi(t);
  const cache = new WatchCache(10);
  t.teardown(api.store.onChange((change) => cache.add(change)));
  const watches = new WatchServer(api.store, cache, printRow, createLogger('hub', 'silent'), DEFAULT_WATCH_SETTINGS);
  const server = createServer((req, res) => void watches.serve(req, res, { resource: pods, namespace: 'default', matches: () => true }, req.headers.accept === TABLE_ACCEPT));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { api, cache, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

t.test('a client that goes away leaves no listener behind', async (t) => {
  const { api, cache, url } = await bareWatchServer(t);
  const watch = await WatchReader.open({ url }, '/?watch=true');
  await waitFor('the watch to subscribe', () => cache.subscriberCount === 1, { intervalMs: 5 });
  await api.addPod('a');
  await watch.take(1);
  watch.close();
  await waitFor('the watch to unsubscribe', () => cache.subscriberCount === 0, { intervalMs: 5 });
  t.equal(cache.subscriberCount, 0);
});

t.test('a watch that fails to encode ends itself and never fails the write that fed it', async (t) => {
  const { api, cache, url } = await bareWatchServer(t, (r, o, now) => {
    if (o.metadata.name === 'bad') throw new Error('cannot print');
    return { ...printTable(r, [o], now) };
  });
  const watch = await WatchReader.open({ url }, '/?watch=true', { accept: TABLE_ACCEPT });
  await waitFor('the watch to subscribe', () => cache.subscriberCount === 1, { intervalMs: 5 });
  await api.addPod('good');
  await watch.take(1);
  const stored = await api.addPod('bad');
  t.equal(stored.metadata.name, 'bad', 'the write succeeded');
  await watch.end();
  await waitFor('the watch to unsubscribe', () => cache.subscriberCount === 0, { intervalMs: 5 });
  t.same(watch.events.map((e) => brief(e).split('@')[0]), ['ADDED good']);
});
