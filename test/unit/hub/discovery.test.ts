/**
 * API discovery (hub/api/discovery.ts): the documents are built from the registry of kinds, say
 * only what the hub serves, keep kube-apiserver's shapes, and every authenticated user (a
 * ServiceAccount with nothing but `view` included) may read them, on a real API server over SQLite.
 */
import t, { type Test } from 'tap';
import {
  apiGroupListBody,
  apiVersionsBody,
  buildDiscovery,
  discoveryBody,
  isDiscoveryPath,
  RESOURCE_VERBS,
  resourceListFor,
  type APIResource,
} from '../../../hub/api/discovery.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { RESOURCES, apiVersionOf, resolveResource } from '../../../shared/api/resources.js';
import { listenApi, tempApiStore, viewerServiceAccountToken } from './api-server-rig.js';

const discovery = buildDiscovery({ metrics: false });
const allResources = (): Array<APIResource & { groupVersion: string }> =>
  [...discovery.resourceLists.values()].flatMap((list) => list.resources.map((r) => ({ ...r, groupVersion: list.groupVersion })));

t.test('every kind of the registry is listed once, under its own group version, as declared', async (t) => {
  for (const rt of RESOURCES) {
    const listed = allResources().filter((r) => r.name === rt.plural && r.groupVersion === apiVersionOf(rt));
    t.equal(listed.length, 1, `${rt.plural} in ${apiVersionOf(rt)}`);
    t.same(
      listed[0],
      {
        groupVersion: apiVersionOf(rt),
        name: rt.plural,
        singularName: rt.singular,
        namespaced: rt.namespaced,
        kind: rt.kind,
        verbs: [...RESOURCE_VERBS],
        ...(rt.shortNames.length > 0 ? { shortNames: rt.shortNames } : {}),
        ...(listed[0]?.categories ? { categories: ['all'] } : {}),
      },
      `${rt.kind}: name, scope, kind, verbs and short names`,
    );
    t.same(resourceListFor(discovery, rt)?.resources.find((r) => r.name === rt.plural)?.kind, rt.kind);
  }
  // Everything else listed is a subresource, or a kind answered outside the store.
  const extra = allResources().filter((r) => !RESOURCES.some((rt) => rt.plural === r.name && apiVersionOf(rt) === r.groupVersion));
  const statuses = RESOURCES.map((rt) => `${apiVersionOf(rt)} ${rt.plural}/status`);
  t.same(
    extra.map((r) => `${r.groupVersion} ${r.name}`).sort(),
    [
      'apps/v1 deployments/scale',
      'apps/v1 replicasets/scale',
      'authentication.k8s.io/v1 selfsubjectreviews',
      'authorization.k8s.io/v1 localsubjectaccessreviews',
      'authorization.k8s.io/v1 selfsubjectaccessreviews',
      'authorization.k8s.io/v1 selfsubjectrulesreviews',
      'v1 pods/eviction',
      'v1 pods/exec',
      'v1 pods/log',
      'v1 pods/portforward',
      'v1 serviceaccounts/token',
      ...statuses,
    ].sort(),
  );
  const scale = allResources().find((r) => r.name === 'deployments/scale');
  t.same(scale, { groupVersion: 'apps/v1', name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  t.same(allResources().find((r) => r.name === 'pods/status'), { groupVersion: 'v1', name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
});

t.test('the short names kubectl users type are there', async (t) => {
  const shortNames = new Map(allResources().flatMap((r) => (r.shortNames ?? []).map((s) => [s, `${r.groupVersion} ${r.name}`] as const)));
  const expected: Array<[string, string]> = [
    ['po', 'v1 pods'],
    ['svc', 'v1 services'],
    ['ns', 'v1 namespaces'],
    ['no', 'v1 nodes'],
    ['cm', 'v1 configmaps'],
    ['ev', 'v1 events'],
    ['deploy', 'apps/v1 deployments'],
    ['rs', 'apps/v1 replicasets'],
    ['ds', 'apps/v1 daemonsets'],
    ['hpa', 'autoscaling/v2 horizontalpodautoscalers'],
  ];
  for (const [short, resource] of expected) t.equal(shortNames.get(short), resource, short);
});

t.test('the category "all" holds the kinds `kubectl get all` shows, and no others', async (t) => {
  const inAll = allResources().filter((r) => r.categories?.includes('all')).map((r) => `${r.groupVersion} ${r.name}`).sort();
  t.same(inAll, ['apps/v1 daemonsets', 'apps/v1 deployments', 'apps/v1 replicasets', 'autoscaling/v2 horizontalpodautoscalers', 'v1 pods', 'v1 services']);
});

t.test('no verb is claimed that the hub does not serve', async (t) => {
  for (const r of allResources()) {
    t.notOk(r.verbs.includes('deletecollection'), `${r.name}: DELETE of a collection is refused`);
  }
});

t.test('subresources are their own entries, named parent/sub, of their own kind and group', async (t) => {
  const core = discovery.resourceLists.get('v1')!;
  t.same(core.resources.find((r) => r.name === 'pods/eviction'), { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  t.same(core.resources.find((r) => r.name === 'serviceaccounts/token'), {
    name: 'serviceaccounts/token',
    singularName: '',
    namespaced: true,
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'TokenRequest',
    verbs: ['create'],
  });
  const names = core.resources.map((r) => r.name);
  t.same(names, [...names].sort(), 'sorted by name, so a subresource follows its parent');
  t.ok(names.indexOf('pods/eviction') === names.indexOf('pods') + 1);
});

t.test('/api and /apis: the core versions, and each other group with its preferred version', async (t) => {
  t.same(apiVersionsBody(discovery, 'hub.example:7443'), {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: 'hub.example:7443' }],
  });
  const list = apiGroupListBody(discovery);
  t.equal(list.kind, 'APIGroupList');
  t.equal(list.apiVersion, 'v1');
  const registryGroups = [...new Set(RESOURCES.filter((rt) => rt.group !== '').map((rt) => rt.group))];
  t.same(
    list.groups.map((g) => g.name),
    [...registryGroups, 'authentication.k8s.io', 'authorization.k8s.io'],
    'the registry groups in registry order, then the access reviews',
  );
  t.same(list.groups.find((g) => g.name === 'apps'), {
    name: 'apps',
    versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
    preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
  });
  t.notOk(list.groups.some((g) => g.name === ''), 'the core group is only under /api');
});

t.test('metrics.k8s.io is discovered only when the hub serves usage', async (t) => {
  const withMetrics = buildDiscovery({ metrics: true });
  t.ok(apiGroupListBody(withMetrics).groups.some((g) => g.name === 'metrics.k8s.io'));
  t.same(withMetrics.resourceLists.get('metrics.k8s.io/v1beta1')?.resources.map((r) => [r.name, r.kind, r.verbs]), [
    ['nodes', 'NodeMetrics', ['get', 'list']],
    ['pods', 'PodMetrics', ['get', 'list']],
  ]);
  t.notOk(apiGroupListBody(discovery).groups.some((g) => g.name === 'metrics.k8s.io'));
});

t.test('discoveryBody: the document of each path, 404 for what is not served, 405 for writes', async (t) => {
  const body = (path: string, method = 'GET') => discoveryBody(discovery, method, path, 'h:1') as { kind: string; apiVersion?: string; groupVersion?: string; name?: string };
  t.equal(body('/api').kind, 'APIVersions');
  t.equal(body('/api/').kind, 'APIVersions');
  t.same([body('/api/v1').kind, body('/api/v1').groupVersion, body('/api/v1').apiVersion], ['APIResourceList', 'v1', undefined], 'the legacy list has no apiVersion, as kube-apiserver');
  t.same([body('/apis/apps/v1').groupVersion, body('/apis/apps/v1').apiVersion], ['apps/v1', 'v1']);
  t.equal(body('/apis').kind, 'APIGroupList');
  t.same([body('/apis/autoscaling').kind, body('/apis/autoscaling').name], ['APIGroup', 'autoscaling']);
  for (const path of ['/api/v2', '/apis/gizmos.example.com/v1', '/apis/apps/v1beta1', '/apis/gizmos.example.com', '/apis/metrics.k8s.io/v1beta1']) {
    t.throws(() => body(path), { code: 'SKIFF_ERR_NOT_FOUND', message: 'the server could not find the requested resource' }, path);
  }
  t.throws(() => body('/api/v1', 'POST'), { code: 'SKIFF_ERR_METHOD_NOT_ALLOWED' });
});

t.test('isDiscoveryPath: the discovery documents, not the resources under them', async (t) => {
  const table: Array<[string, boolean]> = [
    ['/api', true],
    ['/api/v1', true],
    ['/api/v1/', true],
    ['/apis', true],
    ['/apis/apps', true],
    ['/apis/apps/v1', true],
    ['/api/v1/pods', false],
    ['/apis/apps/v1/deployments', false],
    ['/apis/metrics.k8s.io/v1beta1/nodes', false],
    ['/version', false],
    ['/apiserver', false],
  ];
  for (const [path, expected] of table) t.equal(isDiscoveryPath(path), expected, path);
});

const ADMIN_TOKEN = 'admin-token';

async function startApi(t: Test): Promise<{ url: string; store: SqliteStore }> {
  const { store } = await tempApiStore(t);
  const { url } = await listenApi(t, { store, adminToken: ADMIN_TOKEN });
  return { url, store };
}

async function viewerToken(store: SqliteStore): Promise<string> {
  await store.create(resolveResource('namespaces')!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return viewerServiceAccountToken(store);
}

t.test('over HTTP: a ServiceAccount with only `view` discovers everything; nobody anonymous does', async (t) => {
  const { url, store } = await startApi(t);
  const token = await viewerToken(store);
  const get = (path: string, bearer?: string) => fetch(`${url}${path}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});

  for (const path of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/apis/autoscaling/v2', '/apis/rbac.authorization.k8s.io/v1']) {
    const res = await get(path, token);
    t.equal(res.status, 200, `${path} as the viewer`);
    t.equal(res.headers.get('content-type'), 'application/json', 'plain JSON: kubectl then reads the legacy documents, not aggregated discovery');
    t.equal((await get(path)).status, 401, `${path} needs authentication, as system:discovery is bound to system:authenticated`);
  }
  const versions = (await (await get('/api', token)).json()) as { serverAddressByClientCIDRs: Array<{ serverAddress: string }> };
  t.equal(versions.serverAddressByClientCIDRs[0]?.serverAddress, new URL(url).host, 'the address the client reached');
  const core = (await (await get('/api/v1', token)).json()) as { resources: APIResource[] };
  t.ok(core.resources.some((r) => r.name === 'pods' && r.shortNames?.includes('po')));
  t.equal((await get('/api/v1/namespaces/default/secrets', token)).status, 403, 'while view still reads no Secrets');

  const missing = await get('/apis/gizmos.example.com/v1', token);
  t.equal(missing.status, 404);
  t.match(await missing.json(), { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
});

t.test('over HTTP: the verbs discovery leaves out are refused by the server', async (t) => {
  const { url } = await startApi(t);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/merge-patch+json' };
  const patch = await fetch(`${url}/api/v1/namespaces/default/configmaps`, { method: 'PATCH', headers: admin, body: '{}' });
  t.equal(patch.status, 405, 'patch of a collection');
  const collection = await fetch(`${url}/api/v1/namespaces/default/configmaps`, { method: 'DELETE', headers: admin });
  t.equal(collection.status, 405, 'deletecollection');
});
