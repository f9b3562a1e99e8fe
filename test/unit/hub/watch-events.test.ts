import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { fieldFilter, labelFilter } from '../../../hub/api/selectors.js';
import type { CachedChange } from '../../../hub/api/watch-cache.js';
import { bookmarkObject, eventForWatcher, initialEvents, type WatchScope } from '../../../hub/api/watch-events.js';
import { isWatchRequest, parseWatchRequest } from '../../../hub/api/watch.js';
import { pod } from './fixtures.js';

const pods = resolveResource('pods')!;
const deployments = resolveResource('deployments')!;

function withRv(object: KubeObject, rv: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
}

const web = (rv: number, labels: Record<string, string> = { app: 'web' }, namespace = 'default'): KubeObject => withRv(pod('web-1', { labels, namespace }), rv);

function added(object: KubeObject): CachedChange {
  return { type: 'ADDED', resource: pods, object, revision: Number(object.metadata.resourceVersion) };
}
function modified(previous: KubeObject, object: KubeObject): CachedChange {
  return { type: 'MODIFIED', resource: pods, object, previous, revision: Number(object.metadata.resourceVersion) };
}
function deleted(object: KubeObject): CachedChange {
  return { type: 'DELETED', resource: pods, object, revision: Number(object.metadata.resourceVersion) };
}

const scope = (selector: string | null, namespace?: string, fields: string | null = null): WatchScope => {
  const labels = labelFilter(selector);
  const byField = fieldFilter(fields);
  return { resource: pods, ...(namespace !== undefined ? { namespace } : {}), matches: (o) => labels(o) && byField(o) };
};

const summary = (event: ReturnType<typeof eventForWatcher>): string | undefined =>
  event && `${event.type} ${event.object.metadata.name}@${event.object.metadata.resourceVersion}`;

t.test('without selectors every change of the resource passes through as it is', async (t) => {
  const everything = scope(null);
  t.equal(summary(eventForWatcher(added(web(5)), everything)), 'ADDED web-1@5');
  t.equal(summary(eventForWatcher(modified(web(5), web(6)), everything)), 'MODIFIED web-1@6');
  t.equal(summary(eventForWatcher(deleted(web(7)), everything)), 'DELETED web-1@7');
});

t.test('changes of another resource or namespace are not seen', async (t) => {
  const deployment: CachedChange = { type: 'ADDED', resource: deployments, object: withRv({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web-1', namespace: 'default' } }, 5), revision: 5 };
  t.equal(eventForWatcher(deployment, scope(null)), undefined);
  t.equal(eventForWatcher(added(web(5, {}, 'edge')), scope(null, 'default')), undefined);
  t.equal(summary(eventForWatcher(added(web(5, {}, 'edge')), scope(null, 'edge'))), 'ADDED web-1@5');
});

t.test('label selectors: starting to match is ADDED, ceasing to match is DELETED', async (t) => {
  const selected = scope('app=web');
  t.equal(eventForWatcher(added(web(5, { app: 'db' })), selected), undefined, 'never matched');
  t.equal(summary(eventForWatcher(modified(web(5, { app: 'db' }), web(6)), selected)), 'ADDED web-1@6', 'label added');
  t.equal(summary(eventForWatcher(modified(web(6), web(7)), selected)), 'MODIFIED web-1@7', 'still matches');
  const gone = eventForWatcher(modified(web(7), web(8, { app: 'db' })), selected)!;
  t.equal(summary(gone), 'DELETED web-1@8', 'label removed: the last matching content, at the change revision');
  t.same(gone.object.metadata.labels, { app: 'web' });
  t.equal(eventForWatcher(modified(web(8, { app: 'db' }), web(9, { app: 'db' })), selected), undefined, 'still not matching');
  t.equal(summary(eventForWatcher(deleted(web(10)), selected)), 'DELETED web-1@10');
  t.equal(eventForWatcher(deleted(web(11, { app: 'db' })), selected), undefined, 'an object the watcher never saw is not deleted for it');
});

t.test('field selectors work the same way, e.g. metadata.name=NAME for one object', async (t) => {
  const one = scope(null, 'default', 'metadata.name=web-1');
  t.equal(summary(eventForWatcher(added(web(5)), one)), 'ADDED web-1@5');
  t.equal(eventForWatcher(added(withRv(pod('web-2'), 6)), one), undefined);
  const onNode = scope(null, undefined, 'spec.nodeName=pi-1');
  const unbound = withRv(pod('web-1'), 5);
  const bound = withRv(pod('web-1', { nodeName: 'pi-1' }), 6);
  t.equal(summary(eventForWatcher(modified(unbound, bound), onNode)), 'ADDED web-1@6', 'scheduled onto the node');
});

t.test('the initial state is a synthetic ADDED for each object in scope', async (t) => {
  const events = initialEvents([web(3), web(4, { app: 'db' }), web(5, { app: 'web' }, 'edge')], scope('app=web', 'default'));
  t.same(events.map(summary), ['ADDED web-1@3']);
});

t.test('a bookmark is an object of the watched kind carrying only a resourceVersion', async (t) => {
  t.same(bookmarkObject(deployments, 42), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { resourceVersion: '42' } });
});

t.test('watch parameters', async (t) => {
  const q = (text: string): URLSearchParams => new URLSearchParams(text);
  const settings = { minRequestTimeoutSeconds: 1800, random: () => 0.5 };
  t.ok(isWatchRequest(q('watch=true')));
  t.ok(isWatchRequest(q('watch=1')));
  t.notOk(isWatchRequest(q('watch=false')));
  t.notOk(isWatchRequest(q('')));
  t.same(parseWatchRequest(q('resourceVersion=12&timeoutSeconds=5&allowWatchBookmarks=true'), settings), { resourceVersion: 12, timeoutMs: 5000, allowBookmarks: true });
  t.same(parseWatchRequest(q(''), settings), { resourceVersion: undefined, timeoutMs: 2_700_000, allowBookmarks: false }, 'default timeout: random in [30, 60) min');
  t.equal(parseWatchRequest(q('resourceVersion=0&timeoutSeconds=0'), settings).resourceVersion, undefined, '"0" starts from the current state');
  t.equal(parseWatchRequest(q('timeoutSeconds=0'), settings).timeoutMs, 2_700_000, '0 means no timeout asked for');
  t.throws(() => parseWatchRequest(q('resourceVersion=abc'), settings), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'invalid resource version: "abc"' });
  t.throws(() => parseWatchRequest(q('timeoutSeconds=-1'), settings), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'invalid timeoutSeconds: "-1"' });
});
