/**
 * Live updates for the dashboard: the hub's watch in server-sent-events framing (hub/api/watch.ts,
 * `Accept: text/event-stream`) and the browser's informer (hub/dashboard/assets/watch.js) run
 * against a real API server: list then watch, resume from the last resourceVersion when a
 * stream ends, relist on 410 Expired, report failures and retry.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { frame, wantsEventStream } from '../../../hub/api/watch.js';
import { repoRoot } from '../../helpers/repo.js';
import { waitFor } from '../../helpers/wait.js';
import { ADMIN_TOKEN, pods, startApi } from './watch-fixtures.js';

const assets = join(repoRoot(), 'hub', 'dashboard', 'assets');
// The browser's modules, loaded as the browser loads them (plain ES modules, untyped here).
const { Api, ApiError } = await import(pathToFileURL(join(assets, 'api.js')).href);
const { Informer, objectKey, parseServerSentEvents, withQuery } = await import(pathToFileURL(join(assets, 'watch.js')).href);

const PODS = '/api/v1/namespaces/default/pods';

interface Named {
  metadata: { name: string; labels?: Record<string, string> };
}

/** Reads a streaming body until `until` holds for the text so far. */
async function readUntil(res: Response, until: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!until(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

t.test('Accept: text/event-stream gets the same watch events as SSE frames', async (t) => {
  const api = await startApi(t);
  await api.addPod('a');
  const res = await fetch(`${api.url}${PODS}?watch=true`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/event-stream' } });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'text/event-stream');
  const pending = readUntil(res, (text) => text.split('\n\n').length > 2);
  await api.addPod('b');
  const text = await pending;
  const { data, rest } = parseServerSentEvents(text);
  t.same(
    data.map((d: string) => JSON.parse(d) as { type: string; object: Named }).map((e: { type: string; object: Named }) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED a', 'ADDED b'],
  );
  t.equal(rest, '');
  t.match(text, /^data: \{"type":"ADDED","object":\{/);
});

t.test('SSE framing of a 410: one ERROR event, then the end', async (t) => {
  const api = await startApi(t);
  await api.addPod('a');
  const res = await fetch(`${api.url}${PODS}?watch=true&resourceVersion=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/event-stream' } });
  const text = await res.text();
  t.match(text, /^data: \{"type":"ERROR","object":\{"kind":"Status".*"code":410\}\}\n\n$/s);
});

t.test('frame and wantsEventStream', async (t) => {
  const event = { type: 'ADDED' as const, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } } };
  t.equal(frame(event, false), `${JSON.stringify(event)}\n`);
  t.equal(frame(event, true), `data: ${JSON.stringify(event)}\n\n`);
  t.ok(wantsEventStream('text/event-stream'));
  t.notOk(wantsEventStream('application/json'));
  t.notOk(wantsEventStream(undefined));
});

t.test('parseServerSentEvents: WHATWG framing, partial events kept for the next chunk', async (t) => {
  t.same(parseServerSentEvents('data: a\n\ndata: b\n'), { data: ['a'], rest: 'data: b\n' });
  t.same(parseServerSentEvents('data:x\r\ndata: y\r\n\r\n: comment\n\nevent: e\nid: 1\n\n'), { data: ['x\ny'], rest: '' });
  t.same(parseServerSentEvents(''), { data: [], rest: '' });
});

t.test('withQuery and objectKey', async (t) => {
  t.equal(withQuery('/p', { a: '1', b: 'x y' }), '/p?a=1&b=x+y');
  t.equal(withQuery('/p?z=1', { a: '1' }), '/p?z=1&a=1');
  t.equal(withQuery('/p', {}), '/p');
  t.equal(objectKey({ metadata: { namespace: 'ns', name: 'n' } }), 'ns/n');
  t.equal(objectKey({ metadata: { name: 'node' } }), '/node');
  t.equal(objectKey({ metadata: {} }), '/');
});

t.test('an informer lists, then follows adds, changes and deletes; streams that end are resumed, not relisted', async (t) => {
  // Watches end after 0.2-0.4 s and bookmarks come every 50 ms: several reconnects within the test.
  const api = await startApi(t, { minRequestTimeoutSeconds: 0.2, bookmarkIntervalMs: 50 });
  await api.addPod('a');
  const statuses: unknown[] = [];
  let changes = 0;
  const informer = new Informer(new Api(ADMIN_TOKEN, { baseUrl: api.url }), PODS, { onChange: () => changes++, onStatus: (err: unknown) => statuses.push(err) });
  t.teardown(() => informer.stop());
  t.equal(informer.start(), informer);
  t.equal(informer.start(), informer, 'starting twice runs one loop');
  const names = (): string[] => (informer.items() as Named[]).map((p) => p.metadata.name).sort();
  await waitFor('the listed Pod', () => names().join() === 'a');
  await api.addPod('b');
  await waitFor('the added Pod', () => names().join() === 'a,b');
  await api.relabel('b', { tier: 'x' });
  await waitFor('the change', () => (informer.items() as Named[]).some((p) => p.metadata.labels?.tier === 'x'));
  const seen = statuses.length;
  await waitFor('a few watches ended and resumed', () => statuses.length >= seen + 3);
  await api.store.delete(pods, 'default', 'a');
  await waitFor('the deletion', () => names().join() === 'b');
  t.equal(informer.lists, 1, 'resumed from the last resourceVersion each time, never relisted');
  t.ok(statuses.every((s) => s === undefined), 'no failure reported');
  t.equal(informer.resourceVersion, String(await api.store.revision()), 'the newest resourceVersion is remembered');
  t.ok(changes >= 4);
});

t.test('a 410 Expired makes the informer list again', async (t) => {
  const api = await startApi(t);
  for (const name of ['a', 'b']) await api.addPod(name);
  const informer = new Informer(new Api(ADMIN_TOKEN, { baseUrl: api.url }), PODS, { onChange: () => undefined });
  t.teardown(() => informer.stop());
  informer.resourceVersion = '1'; // older than the watch cache remembers
  informer.start();
  await waitFor('the relist', () => informer.lists === 1 && informer.items().length === 2);
  await api.addPod('c');
  await waitFor('live again after it', () => informer.items().length === 3);
  t.equal(informer.lists, 1);
});

t.test('failures are reported, retried with a growing delay, and cleared when it works again', async (t) => {
  const api = await startApi(t);
  const statuses: unknown[] = [];
  const delays: number[] = [];
  const client = new Api('wrong-token', { baseUrl: api.url });
  const informer = new Informer(client, PODS, {
    onChange: () => undefined,
    onStatus: (err: unknown) => statuses.push(err),
    retryMs: 100,
    maxRetryMs: 250,
    sleep: async (ms: number) => {
      delays.push(ms);
      if (delays.length === 3) client.token = ADMIN_TOKEN; // the token becomes valid: the next round works
    },
  });
  t.teardown(() => informer.stop());
  informer.start();
  await waitFor('working again', () => statuses.at(-1) === undefined && statuses.length > 3);
  const failures = statuses.filter((s) => s !== undefined) as Array<InstanceType<typeof ApiError>>;
  t.equal(failures.length, 3);
  t.same(delays, [100, 200, 250], 'doubling, capped');
  t.ok(failures.every((f) => f instanceof ApiError && f.code === 401 && f.reason === 'Unauthorized'));
});

t.test('the default sleep waits, and stop() ends a sleeping informer at once', async (t) => {
  const statuses: unknown[] = [];
  // Nothing listens on port 9 (discard) on the loopback: the hub is unreachable.
  const informer = new Informer(new Api(ADMIN_TOKEN, { baseUrl: 'http://127.0.0.1:9' }), PODS, { onChange: () => undefined, onStatus: (err: unknown) => statuses.push(err), retryMs: 20, maxRetryMs: 40 });
  informer.start();
  await waitFor('three failures', () => statuses.length >= 3);
  t.ok(statuses.every((s) => s instanceof ApiError && (s as { code: number }).code === 0 && (s as { reason: string }).reason === 'Unreachable'));
  informer.stop();
  await informer.running;
  const count = statuses.length;
  t.equal(statuses.length, count, 'no more attempts after stop');
});

t.test('an ERROR event other than 410 fails the watch with its Status', async (t) => {
  const informer = new Informer(new Api(ADMIN_TOKEN), PODS, { onChange: () => undefined });
  t.throws(() => informer.apply({ type: 'ERROR', object: { code: 500, reason: 'InternalError', message: 'boom' } }), { code: 500, reason: 'InternalError', message: 'boom' });
  t.throws(() => informer.apply({ type: 'ERROR', object: {} }), { code: 500, reason: 'Error', message: 'watch failed' });
  t.equal(informer.apply({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } }), true);
  t.equal(informer.resourceVersion, '7');
  t.equal(informer.apply({ type: 'BOOKMARK', object: {} }), true);
  t.equal(informer.resourceVersion, '7', 'kept when an event has none');
});
