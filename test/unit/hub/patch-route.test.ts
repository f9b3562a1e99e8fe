/**
 * PATCH over HTTP (hub/api/patch-route.ts) on a real API server and SQLite store: each of the four
 * patch types on an object, on its `scale` and its `status`; a server-side apply that creates;
 * what is refused (an unknown patch type, force on a non-apply patch, a missing object).
 */
import t, { type Test } from 'tap';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { listenApi, tempApiStore, type ApiAnswer, type ListeningApi } from './api-server-rig.js';

const configMaps = resolveResource('configmaps')!;
const deployments = resolveResource('deployments')!;

/** The API on a fresh store, and a PATCH of `path` with a `type` (Content-Type) patch. */
async function startApi(t: Test): Promise<{ call: ListeningApi['call']; patch: (path: string, type: string, body: unknown) => Promise<ApiAnswer>; store: SqliteStore }> {
  const { store } = await tempApiStore(t, ['default']);
  const { call } = await listenApi(t, { store, adminToken: 'admin' });
  return { call, patch: (path, type, body) => call('PATCH', path, body, { contentType: type }), store };
}

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

const web = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'web:1', env: [{ name: 'A', value: '1' }] }, { name: 'side', image: 'side:1' }] },
    },
  },
});

t.test('merge, JSON and strategic merge patches of an object, validated as a replace', async (t) => {
  const { patch, store } = await startApi(t);
  await store.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: '1', b: '2' } });
  const merged = await patch('/api/v1/namespaces/default/configmaps/c', MERGE, { data: { a: null, c: '3' } });
  t.same([merged.status, merged.body.data], [200, { b: '2', c: '3' }]);
  const json = await patch('/api/v1/namespaces/default/configmaps/c', JSON_PATCH, [{ op: 'add', path: '/data/d', value: '4' }]);
  t.same([json.status, json.body.data], [200, { b: '2', c: '3', d: '4' }]);
  const failed = await patch('/api/v1/namespaces/default/configmaps/c', JSON_PATCH, [{ op: 'test', path: '/data/b', value: 'x' }]);
  t.equal(failed.status, 422);
  const invalid = await patch('/api/v1/namespaces/default/configmaps/c', MERGE, { data: { 'bad key!': 'x' } });
  t.equal(invalid.status, 422, 'the result is validated');
  t.match(invalid.body.details, { kind: 'ConfigMap', name: 'c' }, 'an Invalid Status names the Kind, as NewInvalid: kubectl prints "The ConfigMap "c" is invalid"');
  t.same((await store.get(configMaps, 'default', 'c'))?.data, { b: '2', c: '3', d: '4' }, 'nothing half-applied');

  await store.create(deployments, web());
  const strategic = await patch('/apis/apps/v1/namespaces/default/deployments/web', STRATEGIC, { spec: { template: { spec: { containers: [{ name: 'web', image: 'web:2' }] } } } });
  t.equal(strategic.status, 200);
  const containers = ((await store.get(deployments, 'default', 'web'))?.spec as { template: { spec: { containers: Array<{ name: string; image: string; env?: unknown }> } } }).template.spec.containers;
  t.match(containers, [{ name: 'web', image: 'web:2', env: [{ name: 'A', value: '1' }] }, { name: 'side', image: 'side:1' }], 'containers merged by name (and defaulted)');
  t.equal(containers.length, 2);
  const dry = await patch('/apis/apps/v1/namespaces/default/deployments/web?dryRun=All', MERGE, { spec: { replicas: 4 } });
  t.same([dry.status, (dry.body.spec as { replicas: number }).replicas], [200, 4]);
  t.equal(((await store.get(deployments, 'default', 'web'))?.spec as { replicas: number }).replicas, 1, 'a dry-run patch stores nothing');
});

t.test('a patch of scale or status changes only that part', async (t) => {
  const { patch, store } = await startApi(t);
  await store.create(deployments, web());
  const scaled = await patch('/apis/apps/v1/namespaces/default/deployments/web/scale', MERGE, { spec: { replicas: 3 } });
  t.same([scaled.status, scaled.body.kind, (scaled.body.spec as { replicas: number }).replicas], [200, 'Scale', 3]);
  t.equal(((await store.get(deployments, 'default', 'web'))?.spec as { replicas: number }).replicas, 3);
  const status = await patch('/apis/apps/v1/namespaces/default/deployments/web/status', MERGE, { status: { replicas: 3 }, spec: { replicas: 9 } });
  t.equal(status.status, 200);
  const stored = await store.get(deployments, 'default', 'web');
  t.same([stored?.status, (stored?.spec as { replicas: number }).replicas], [{ replicas: 3 }, 3]);
});

t.test('server-side apply creates a missing object, then updates it; refusals', async (t) => {
  const { patch, store } = await startApi(t);
  const applied = await patch('/api/v1/namespaces/default/configmaps/s?fieldManager=kubectl', APPLY, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  a: "1"\n  b: "2"\n');
  t.equal(applied.status, 201, 'created');
  t.match((await store.get(configMaps, 'default', 's'))?.metadata.managedFields, [{ manager: 'kubectl', operation: 'Apply' }]);
  const again = await patch('/api/v1/namespaces/default/configmaps/s?fieldManager=kubectl', APPLY, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  a: "1"\n');
  t.same([again.status, again.body.data], [200, { a: '1' }], 'b, no longer applied, is removed');

  const unknown = await patch('/api/v1/namespaces/default/configmaps/s', 'application/xml', '<x/>');
  t.equal(unknown.status, 415);
  t.match(unknown.body.message, /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json/);
  const forced = await patch('/api/v1/namespaces/default/configmaps/s?force=true', MERGE, {});
  t.same([forced.status, forced.body.message], [400, 'force: Invalid value: true: may not be specified for non-apply patch']);
  const missing = await patch('/api/v1/namespaces/default/configmaps/none', MERGE, { data: {} });
  t.same([missing.status, missing.body.message], [404, 'configmaps "none" not found']);
  t.match(missing.body.details, { kind: 'configmaps', name: 'none' }, 'a NotFound names the resource');
  const collection = await patch('/api/v1/namespaces/default/configmaps', MERGE, {});
  t.equal(collection.status, 405);
});

t.test('ordinary writes record their manager in managedFields; a PUT without them keeps who owns what', async (t) => {
  const { call, patch, store } = await startApi(t);
  const kubectl = { headers: { 'user-agent': 'kubectl/v1.32.4 (linux/amd64)' } };
  const created = await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: { a: '1' } }, kubectl);
  t.equal(created.status, 201);
  t.match((await store.get(configMaps, 'default', 'm'))?.metadata.managedFields, [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:data': { 'f:a': {} } } }], 'the User-Agent names the manager');
  const applied = await patch('/api/v1/namespaces/default/configmaps/m?fieldManager=ssa', APPLY, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  b: "2"\n');
  t.equal(applied.status, 200);
  const put = await call('PUT', '/api/v1/namespaces/default/configmaps/m?fieldManager=editor', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: { a: '9', b: '2' } }, kubectl);
  t.equal(put.status, 200);
  const owners = (await store.get(configMaps, 'default', 'm'))?.metadata.managedFields as Array<{ manager: string; fieldsV1: Record<string, unknown> }>;
  t.same(owners.map((o) => o.manager).sort(), ['editor', 'kubectl', 'ssa'], 'the apply owner is kept');
  t.same(owners.find((o) => o.manager === 'editor')?.fieldsV1, { 'f:data': { 'f:a': {} } });
});
