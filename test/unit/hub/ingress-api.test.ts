/**
 * Ingress over the hub's real API server (SQLite store, HTTP): discovered under
 * networking.k8s.io/v1, served at /apis/networking.k8s.io/v1/namespaces/NS/ingresses, validated
 * on write in Kubernetes' words, and printed as a Table with kubectl's columns.
 */
import t, { type Test } from 'tap';
import { TABLE_ACCEPT } from '../../../hub/printers/table.js';
import { listenApi, tempApiStore } from './api-server-rig.js';

const ADMIN_TOKEN = 'admin-token';
const COLLECTION = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';

interface Api {
  request(method: string, path: string, body?: unknown, accept?: string): Promise<{ status: number; body: any }>;
}

async function startApi(t: Test): Promise<Api> {
  const { store } = await tempApiStore(t, ['default', 'edge']);
  const { url } = await listenApi(t, { store, adminToken: ADMIN_TOKEN });
  return {
    async request(method, path, body, accept = 'application/json') {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    },
  };
}

const web = (name = 'web', spec: object = { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] }) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name },
  spec,
});

t.test('discovery lists ingresses under networking.k8s.io/v1, with the short name ing', async (t) => {
  const api = await startApi(t);
  const groups = await api.request('GET', '/apis');
  t.same(
    groups.body.groups.find((g: { name: string }) => g.name === 'networking.k8s.io'),
    { name: 'networking.k8s.io', versions: [{ groupVersion: 'networking.k8s.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'networking.k8s.io/v1', version: 'v1' } },
  );
  const list = await api.request('GET', '/apis/networking.k8s.io/v1');
  t.equal(list.status, 200);
  t.equal(list.body.groupVersion, 'networking.k8s.io/v1');
  t.match(
    list.body.resources.find((r: { name: string }) => r.name === 'ingresses'),
    { name: 'ingresses', singularName: 'ingress', namespaced: true, kind: 'Ingress', shortNames: ['ing'] },
  );
  t.notOk(list.body.resources.find((r: { name: string }) => r.name === 'ingresses').categories, 'not in `all`, as in Kubernetes');
});

t.test('create, get, list (namespaced and across namespaces) and delete an Ingress', async (t) => {
  const api = await startApi(t);
  const created = await api.request('POST', COLLECTION, web());
  t.equal(created.status, 201);
  t.match(created.body, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' } });
  t.ok(created.body.metadata.resourceVersion && created.body.metadata.creationTimestamp);
  const got = await api.request('GET', `${COLLECTION}/web`);
  t.equal(got.status, 200);
  t.same(got.body.spec, web().spec, 'the spec round-trips as written');
  await api.request('POST', '/apis/networking.k8s.io/v1/namespaces/edge/ingresses', web('other'));
  const listed = await api.request('GET', COLLECTION);
  t.same([listed.body.kind, listed.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)], ['IngressList', ['web']]);
  const everywhere = await api.request('GET', '/apis/networking.k8s.io/v1/ingresses');
  t.same(everywhere.body.items.map((i: { metadata: { namespace: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`).sort(), ['default/web', 'edge/other']);
  t.equal((await api.request('DELETE', `${COLLECTION}/web`)).status, 200);
  const gone = await api.request('GET', `${COLLECTION}/web`);
  t.equal(gone.status, 404);
  t.match(gone.body.message, 'ingresses.networking.k8s.io "web" not found');
});

t.test('an invalid Ingress is refused with Kubernetes\' messages', async (t) => {
  const api = await startApi(t);
  const refused = await api.request('POST', COLLECTION, web('bad', { rules: [{ host: '10.0.0.1', http: { paths: [{ path: 'x', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] }));
  t.equal(refused.status, 422);
  t.equal(refused.body.kind, 'Status');
  t.match(refused.body.message, 'must be a DNS name, not an IP address');
  t.match(refused.body.message, 'must be an absolute path');
  const empty = await api.request('POST', COLLECTION, web('empty', {}));
  t.equal(empty.status, 422);
  t.match(empty.body.message, 'either `defaultBackend` or `rules` must be specified');
  t.equal((await api.request('GET', `${COLLECTION}/bad`)).status, 404, 'nothing stored');
});

t.test('a Table has kubectl\'s columns and cells', async (t) => {
  const api = await startApi(t);
  await api.request('POST', COLLECTION, web('web', { ingressClassName: 'skiff', defaultBackend: { service: { name: 'web', port: { name: 'http' } } }, tls: [{ secretName: 'cert' }] }));
  const table = await api.request('GET', COLLECTION, undefined, TABLE_ACCEPT);
  t.equal(table.status, 200);
  t.same(table.body.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
  t.same(table.body.rows[0].cells.slice(0, 5), ['web', 'skiff', '*', '', '80, 443']);
});
