/**
 * What a write and a list take besides the object (hub/api/resource-routes.ts), over HTTP on a
 * real API server and SQLite store: `?dryRun=All` (kubectl --dry-run=server) checks everything
 * and stores nothing; `?fieldValidation=` Strict/Warn/Ignore; `?limit=`/`?continue=` pages; the
 * `status` and `scale` subresources.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { repoRoot } from '../../helpers/repo.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { listenApi, tempApiStore, type ListeningApi } from './api-server-rig.js';
import type { SqliteStore } from '../../../hub/store/sqlite-store.js';

const ADMIN_TOKEN = 'admin-token';
const configMaps = resolveResource('configmaps')!;
const deployments = resolveResource('deployments')!;

async function startApi(t: Test): Promise<{ url: string; call: ListeningApi['call']; store: SqliteStore }> {
  const { store } = await tempApiStore(t, ['default', 'other']);
  const { url, call } = await listenApi(t, { store, adminToken: ADMIN_TOKEN });
  return { url, call, store };
}

const configMap = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, ...extra });

const deployment = (name: string, replicas = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
  },
});

t.test('dryRun=All: a create, replace, delete or eviction answers as the write would, and stores nothing', async (t) => {
  const { call, store } = await startApi(t);
  const created = await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', configMap('x'));
  t.equal(created.status, 201);
  t.match(created.body, { kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', uid: String, creationTimestamp: String }, data: { a: 'b' } });
  t.notOk((created.body.metadata as { resourceVersion?: string }).resourceVersion, 'no resourceVersion: nothing was stored');
  t.equal(await store.get(configMaps, 'default', 'x'), undefined, 'nothing was created');

  await store.create(configMaps, { ...configMap('x'), metadata: { name: 'x', namespace: 'default' } } as KubeObject);
  const again = await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', configMap('x'));
  t.equal(again.status, 409, 'a dry run of a create that would collide says so');

  const replaced = await call('PUT', '/api/v1/namespaces/default/configmaps/x?dryRun=All', configMap('x', { data: { a: 'changed' } }));
  t.equal(replaced.status, 200);
  t.same(replaced.body.data, { a: 'changed' });
  t.same((await store.get(configMaps, 'default', 'x'))?.data, { a: 'b' }, 'nothing was replaced');
  const stale = await call('PUT', '/api/v1/namespaces/default/configmaps/x?dryRun=All', configMap('x', { metadata: { name: 'x', resourceVersion: '1' } }));
  t.equal(stale.status, 409, 'the precondition is checked on a dry run too');

  const invalid = await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } });
  t.equal(invalid.status, 422, 'validation runs');

  const deleted = await call('DELETE', '/api/v1/namespaces/default/configmaps/x', { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] });
  t.equal(deleted.status, 200);
  t.ok(await store.get(configMaps, 'default', 'x'), 'nothing was deleted (DeleteOptions.dryRun)');
  t.equal((await call('DELETE', '/api/v1/namespaces/default/configmaps/x?dryRun=All')).status, 200);
  t.ok(await store.get(configMaps, 'default', 'x'), 'nothing was deleted (?dryRun=All)');
  t.equal((await call('DELETE', '/api/v1/namespaces/default/configmaps/x', { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: [] })).status, 200, 'an empty dryRun is no dry run');
  t.equal(await store.get(configMaps, 'default', 'x'), undefined);

  await store.create(resolveResource('pods')!, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  const evicted = await call('POST', '/api/v1/namespaces/default/pods/p/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p' }, deleteOptions: { dryRun: ['All'] } });
  t.equal(evicted.status, 201);
  t.ok(await store.get(resolveResource('pods')!, 'default', 'p'), 'nothing was evicted');

  const namespace = await call('DELETE', '/api/v1/namespaces/other?dryRun=All');
  t.equal(namespace.status, 200);
  t.notOk((await store.get(resolveResource('namespaces')!, undefined, 'other'))?.metadata.deletionTimestamp, 'the namespace is not Terminating');

  const unsupported = await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=Some', configMap('y'));
  t.equal(unsupported.status, 400);
  t.equal(unsupported.body.message, 'dryRun: Unsupported value: "Some": supported values: "All"');
});

t.test('fieldValidation: Strict refuses an unknown field in Kubernetes words, Warn drops it with a Warning, Ignore drops it', async (t) => {
  const { call, store } = await startApi(t);
  const body = configMap('s', { spec: { nope: 1 }, metadata: { name: 's', bogus: true } });
  const strict = await call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', body);
  t.equal(strict.status, 400);
  t.equal(strict.body.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.bogus", unknown field "spec"');
  const none = await call('POST', '/api/v1/namespaces/default/configmaps', body);
  t.equal(none.status, 422, 'without the parameter Skiff stays strict, with its own message');
  t.match(none.body.message, /unknown field \(not supported by Skiff\)/);

  const warn = await call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', body);
  t.equal(warn.status, 201);
  t.equal(warn.warning, '299 - "unknown field \\"metadata.bogus\\"", 299 - "unknown field \\"spec\\""');
  t.notOk((await store.get(configMaps, 'default', 's'))?.spec, 'the unknown field was dropped');

  const ignore = await call('PUT', '/api/v1/namespaces/default/configmaps/s?fieldValidation=ignore', configMap('s', { spec: { nope: 2 }, data: { c: 'd' } }));
  t.equal(ignore.status, 200);
  t.equal(ignore.warning, null, 'Ignore warns of nothing');
  t.same((await store.get(configMaps, 'default', 's'))?.data, { c: 'd' });
  const clean = await call('PUT', '/api/v1/namespaces/default/configmaps/s?fieldValidation=Strict', configMap('s'));
  t.equal(clean.status, 200, 'Strict lets a clean object through');

  const bad = await call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Loose', configMap('t'));
  t.equal(bad.status, 400);
  t.equal(bad.body.message, 'fieldValidation: Unsupported value: "Loose": supported values: "Ignore", "Strict", "Warn"');
});

t.test('limit and continue page through a list in namespace and name order, Tables included', async (t) => {
  const { call, store } = await startApi(t);
  // "a-b" sorts before "a/" as text but after "a" as a namespace: pages follow the store's order.
  for (const ns of ['a', 'a-b']) await store.create(resolveResource('namespaces')!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const [ns, name] of [['a', 'z'], ['a-b', 'a'], ['a-b', 'b'], ['default', 'm'], ['default', 'n']] as const) {
    await store.create(configMaps, { ...configMap(name), metadata: { name, namespace: ns } } as KubeObject);
  }
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await call('GET', `/api/v1/configmaps?limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    t.equal(page.status, 200);
    const items = page.body.items as KubeObject[];
    seen.push(...items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
    const metadata = page.body.metadata as { continue?: string; remainingItemCount?: number };
    token = metadata.continue;
    if (token) t.equal(metadata.remainingItemCount, 5 - seen.length);
    pages++;
  } while (token && pages < 10);
  t.same(seen, ['a/z', 'a-b/a', 'a-b/b', 'default/m', 'default/n']);
  t.equal(pages, 3);

  const table = await call('GET', '/api/v1/namespaces/default/configmaps?limit=1', undefined, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  const body = table.body as { kind: string; rows: unknown[]; metadata: { continue?: string } };
  t.equal(body.kind, 'Table');
  t.equal(body.rows.length, 1);
  t.type(body.metadata.continue, 'string', 'kubectl get reads the next chunk from the Table');
  t.equal((await call('GET', '/api/v1/configmaps?limit=0')).body.items && ((await call('GET', '/api/v1/configmaps?limit=0')).body.items as unknown[]).length, 5, 'limit=0 is no limit');

  for (const [token, message] of [
    ['!!!', 'continue key is not valid: the token is not base64-encoded JSON'],
    [Buffer.from('{"v":"other"}').toString('base64'), 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":1}').toString('base64'), 'continue key is not valid: the start key is missing'],
  ] as const) {
    const bad = await call('GET', `/api/v1/configmaps?limit=1&continue=${encodeURIComponent(token)}`);
    t.same([bad.status, bad.body.message], [400, message]);
  }
  const badLimit = await call('GET', '/api/v1/configmaps?limit=lots');
  t.same([badLimit.status, badLimit.body.message], [400, 'limit: Invalid value: "lots": must be a whole number']);
});

t.test('the status subresource reads the object and writes only its status', async (t) => {
  const { call, store } = await startApi(t);
  const stored = await store.create(deployments, { ...deployment('web'), metadata: { name: 'web', namespace: 'default' } });
  const path = '/apis/apps/v1/namespaces/default/deployments/web/status';
  const got = await call('GET', path);
  t.same([got.status, got.body.kind, (got.body.metadata as { name: string }).name], [200, 'Deployment', 'web']);

  const written = await call('PUT', path, { ...deployment('web', 9), status: { replicas: 2, observedGeneration: 1 } });
  t.equal(written.status, 200);
  const after = await store.get(deployments, 'default', 'web');
  t.same(after?.status, { replicas: 2, observedGeneration: 1 }, 'the status is written');
  t.equal((after?.spec as { replicas: number }).replicas, 2, 'and the spec is not');
  t.equal(after?.metadata.generation, stored.metadata.generation, 'so the generation does not move');

  const cleared = await call('PUT', path, deployment('web'));
  t.equal(cleared.status, 200);
  t.equal((await store.get(deployments, 'default', 'web'))?.status, undefined, 'a body without status clears it');
  const stale = await call('PUT', path, { ...deployment('web'), metadata: { name: 'web', resourceVersion: stored.metadata.resourceVersion } });
  t.equal(stale.status, 409, "the body's resourceVersion is a precondition");
  t.equal((await call('DELETE', path)).status, 405);
  t.equal((await call('GET', '/apis/apps/v1/namespaces/default/deployments/none/status')).status, 404);
});

t.test('the scale subresource of a Deployment: an autoscaling/v1 Scale that writes only spec.replicas', async (t) => {
  const { call, store } = await startApi(t);
  const stored = await store.create(deployments, { ...deployment('web'), metadata: { name: 'web', namespace: 'default' }, status: { replicas: 2 } });
  const path = '/apis/apps/v1/namespaces/default/deployments/web/scale';
  const scale = await call('GET', path);
  t.same(scale.body, {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'web', namespace: 'default', uid: stored.metadata.uid, resourceVersion: stored.metadata.resourceVersion, creationTimestamp: stored.metadata.creationTimestamp },
    spec: { replicas: 2 },
    status: { replicas: 2, selector: 'app=web' },
  });

  const scaled = await call('PUT', path, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 5 } });
  t.equal(scaled.status, 200);
  t.match(scaled.body, { kind: 'Scale', spec: { replicas: 5 } });
  t.equal(((await store.get(deployments, 'default', 'web'))?.spec as { replicas: number }).replicas, 5);

  const stale = await call('PUT', path, { kind: 'Scale', metadata: { name: 'web', resourceVersion: stored.metadata.resourceVersion }, spec: { replicas: 1 } });
  t.equal(stale.status, 409, "the Scale's resourceVersion is the object's precondition");
  const negative = await call('PUT', path, { kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: -1 } });
  t.same([negative.status, negative.body.message], [422, 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  const missing = await call('PUT', path, { kind: 'Scale', metadata: { name: 'web' }, spec: {} });
  t.same([missing.status, missing.body.message], [422, 'Scale.autoscaling "web" is invalid: spec.replicas: Required value']);
  const otherName = await call('PUT', path, { kind: 'Scale', metadata: { name: 'db' }, spec: { replicas: 1 } });
  t.equal(otherName.status, 400);
  const otherKind = await call('PUT', path, { kind: 'Deployment', spec: { replicas: 1 } });
  t.equal(otherKind.status, 400);
  t.equal((await call('PUT', path, [1])).status, 400);
  const dry = await call('PUT', `${path}?dryRun=All`, { kind: 'Scale', spec: { replicas: 7 } });
  t.same([dry.status, (dry.body.spec as { replicas: number }).replicas], [200, 7]);
  t.equal(((await store.get(deployments, 'default', 'web'))?.spec as { replicas: number }).replicas, 5, 'a dry run scales nothing');

  t.equal((await call('GET', '/api/v1/namespaces/default/configmaps/x/scale')).status, 404, 'only Deployments and ReplicaSets scale');
  t.equal((await call('DELETE', path)).status, 405);
  t.equal((await call('GET', '/api/v1/namespaces/default/configmaps/x/frobnicate')).status, 404);
});

t.test('a body without apiVersion and kind takes the URL’s; a DELETE that removes at once answers a Status', async (t) => {
  const { call, store } = await startApi(t);
  const created = await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'typed' }, data: { a: 'b' } });
  t.equal(created.status, 201, 'as kube-apiserver: typed client models may leave them out');
  t.match(created.body, { apiVersion: 'v1', kind: 'ConfigMap' });
  const half = await call('POST', '/api/v1/namespaces/default/configmaps', { kind: 'ConfigMap', metadata: { name: 'half' } });
  t.equal(half.status, 422, 'one of them alone is still checked');

  const deleted = await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/web');
  t.equal(deleted.status, 404);
  const stored = await store.create(deployments, { ...deployment('web'), metadata: { name: 'web', namespace: 'default' } });
  const gone = await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/web');
  t.same(gone.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'web', group: 'apps', kind: 'deployments', uid: stored.metadata.uid } });
  const namespace = await call('DELETE', '/api/v1/namespaces/other');
  t.match(namespace.body, { kind: 'Namespace', metadata: { name: 'other', deletionTimestamp: String } }, 'an object left Terminating is returned');
});

t.test('a protobuf body (kubectl create configmap) is decoded; an unknown type is a 415 naming both', async (t) => {
  const { url, call, store } = await startApi(t);
  const bytes = readFileSync(join(repoRoot(), 'test', 'fixtures', 'kubectl-protobuf', 'create-configmap.bin'));
  const res = await fetch(`${url}/api/v1/namespaces/default/configmaps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/vnd.kubernetes.protobuf,application/json' },
    body: bytes,
  });
  t.equal(res.status, 201);
  t.equal(res.headers.get('content-type'), 'application/json', 'answered in JSON, which kubectl accepts');
  const expected = JSON.parse(readFileSync(join(repoRoot(), 'test', 'fixtures', 'kubectl-protobuf', 'create-configmap.json'), 'utf8')) as { metadata: { name: string }; data: unknown };
  t.same((await store.get(configMaps, 'default', expected.metadata.name))?.data, expected.data);

  const xml = await call('POST', '/api/v1/namespaces/default/configmaps', '<configmap/>', { contentType: 'application/xml' });
  t.same([xml.status, xml.body.message], [415, 'the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf']);
});
