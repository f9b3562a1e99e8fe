/**
 * The dashboard's API client and actions (hub/dashboard/assets/api.js, actions.js) against a
 * real API server: the same writes as the CLI's scale, rollout restart / undo (with the CLI's
 * own rollback logic) and cordon, kubectl's success lines, the hub's Status on failure, and how
 * the page words each kind of failure.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import * as rolloutLogic from '../../../hub/cli/rollout-logic.js';
import { rollbackAnnotations } from '../../../shared/api/annotations.js';
import { repoRoot } from '../../helpers/repo.js';
import { ADMIN_TOKEN, startApi } from './watch-fixtures.js';

const assets = join(repoRoot(), 'hub', 'dashboard', 'assets');
// The browser's modules, loaded as the browser loads them (plain ES modules, untyped here).
const { Api, ApiError, describeError, errorFromResponse, updateObject } = await import(pathToFileURL(join(assets, 'api.js')).href);
const actions = await import(pathToFileURL(join(assets, 'actions.js')).href);

const logic = { ...rolloutLogic, rollbackAnnotations };
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

interface DeploymentView {
  metadata: { uid: string; annotations?: Record<string, string> };
  spec: { replicas: number; paused?: boolean; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: Array<{ image: string }> } } };
}

function template(image: string, extraLabels: Record<string, string> = {}): DeploymentView['spec']['template'] {
  return { metadata: { labels: { app: 'web', ...extraLabels } }, spec: { containers: [{ name: 'web', image } as { image: string }] } };
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

async function withDeployment(t: Teardown) {
  const server = await startApi(t);
  const api = new Api(ADMIN_TOKEN, { baseUrl: server.url });
  const created: DeploymentView = await api.request('POST', DEPLOYMENTS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: template('web:2') },
  });
  return { server, api, created };
}

t.test('scale writes spec.replicas and says so as kubectl', async (t) => {
  const { api } = await withDeployment(t);
  t.equal(await actions.scaleDeployment(api, 'default', 'web', 3), 'deployment.apps/web scaled');
  t.equal(((await api.get(`${DEPLOYMENTS}/web`)) as DeploymentView).spec.replicas, 3);
  await t.rejects(actions.scaleDeployment(api, 'default', 'nope', 1), { code: 404, reason: 'NotFound', message: 'deployments.apps "nope" not found' });
});

t.test('restart stamps the Pod template with restartedAt (RFC 3339, seconds); a paused one refuses', async (t) => {
  const { api } = await withDeployment(t);
  t.equal(await actions.restartDeployment(api, 'default', 'web', new Date('2026-12-05T10:11:12.345Z')), 'deployment.apps/web restarted');
  const d = (await api.get(`${DEPLOYMENTS}/web`)) as DeploymentView;
  t.same(d.spec.template.metadata.annotations, { 'kubectl.kubernetes.io/restartedAt': '2026-12-05T10:11:12Z' });
  t.equal(actions.RESTARTED_AT_ANNOTATION, rolloutLogic.RESTARTED_AT_ANNOTATION);
  await updateObject(api, `${DEPLOYMENTS}/web`, (live: DeploymentView) => ({ ...live, spec: { ...live.spec, paused: true } }));
  await t.rejects(actions.restartDeployment(api, 'default', 'web', new Date()), { message: `deployments.apps "web" can't restart paused deployment (run rollout resume first)` });
});

t.test('a restart of a Deployment without a template gives it one (as kubectl)', async (t) => {
  let put: DeploymentView | undefined;
  const fake = {
    get: async () => ({ metadata: { name: 'bare', resourceVersion: '1' } }),
    request: async (_method: string, _path: string, body: DeploymentView) => (put = body),
  };
  await actions.restartDeployment(fake, 'default', 'bare', new Date('2026-01-01T00:00:00Z'));
  t.same(put?.spec, { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } } } });
});

t.test("undo restores the previous revision's template with the CLI's rollback logic", async (t) => {
  const { api, created } = await withDeployment(t);
  const owner = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata.uid, controller: true }];
  const replicaSet = (name: string, revision: number, image: string, cause?: string) =>
    api.request('POST', '/apis/apps/v1/namespaces/default/replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        ownerReferences: owner,
        annotations: { 'deployment.kubernetes.io/revision': String(revision), ...(cause ? { 'kubernetes.io/change-cause': cause } : {}) },
      },
      spec: { replicas: 0, selector: { matchLabels: { app: 'web', 'pod-template-hash': name } }, template: template(image, { 'pod-template-hash': name }) },
    });
  await replicaSet('web-one', 1, 'web:1', 'first');
  await replicaSet('web-two', 2, 'web:2');

  t.equal(await actions.undoDeployment(api, 'default', 'web', logic), 'deployment.apps/web rolled back');
  const d = (await api.get(`${DEPLOYMENTS}/web`)) as DeploymentView;
  t.equal(d.spec.template.spec.containers[0]!.image, 'web:1');
  t.same(d.spec.template.metadata.labels, { app: 'web' }, 'without the pod-template-hash');
  t.equal(d.metadata.annotations?.['kubernetes.io/change-cause'], 'first', "the revision's change-cause comes back");

  t.equal(await actions.undoDeployment(api, 'default', 'web', logic), 'deployment.apps/web skipped rollback (current template already matches revision 1)');

  await updateObject(api, `${DEPLOYMENTS}/web`, (live: DeploymentView) => ({ ...live, spec: { ...live.spec, template: template('web:2') } }));
  await api.request('DELETE', '/apis/apps/v1/namespaces/default/replicasets/web-one');
  await replicaSet('web-one', 1, 'web:1');
  t.equal(await actions.undoDeployment(api, 'default', 'web', logic), 'deployment.apps/web rolled back');
  t.notOk(((await api.get(`${DEPLOYMENTS}/web`)) as DeploymentView).metadata.annotations, 'no annotations left when the revision has none');

  await updateObject(api, `${DEPLOYMENTS}/web`, (live: DeploymentView) => ({ ...live, spec: { ...live.spec, paused: true } }));
  await t.rejects(actions.undoDeployment(api, 'default', 'web', logic), { message: /you cannot rollback a paused deployment/ });
});

t.test('undo without history says so, as the CLI', async (t) => {
  const { api } = await withDeployment(t);
  await t.rejects(actions.undoDeployment(api, 'default', 'web', logic), { message: 'no rollout history found for deployment "web"' });
});

t.test('cordon and uncordon set and clear spec.unschedulable, kubectl words', async (t) => {
  const server = await startApi(t);
  const api = new Api(ADMIN_TOKEN, { baseUrl: server.url });
  await api.request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-1' } });
  t.equal(await actions.setCordoned(api, 'pi-1', true), 'node/pi-1 cordoned');
  t.equal(((await api.get('/api/v1/nodes/pi-1')) as { spec: { unschedulable?: boolean } }).spec.unschedulable, true);
  t.equal(await actions.setCordoned(api, 'pi-1', true), 'node/pi-1 already cordoned');
  t.equal(await actions.setCordoned(api, 'pi-1', false), 'node/pi-1 uncordoned');
  t.equal(((await api.get('/api/v1/nodes/pi-1')) as { spec?: { unschedulable?: boolean } }).spec?.unschedulable, undefined, 'removed, as kubectl');
  t.equal(await actions.setCordoned(api, 'pi-1', false), 'node/pi-1 already uncordoned');
});

t.test('paths and replica counts', async (t) => {
  t.equal(actions.deploymentPath('my ns', 'web'), '/apis/apps/v1/namespaces/my%20ns/deployments/web');
  t.equal(actions.nodePath('pi/1'), '/api/v1/nodes/pi%2F1');
  t.equal(actions.podLogPath('default', 'web-1', {}), '/api/v1/namespaces/default/pods/web-1/log');
  t.equal(actions.podLogPath('default', 'web-1', { container: 'c', tailLines: 200, follow: true }), '/api/v1/namespaces/default/pods/web-1/log?container=c&tailLines=200&follow=true');
  t.equal(actions.parseReplicas(' 3 '), 3);
  t.equal(actions.parseReplicas('0'), 0);
  for (const bad of ['', '-1', '1.5', 'two']) t.throws(() => actions.parseReplicas(bad), { message: `replicas must be a whole number from 0, not "${bad}"` });
});

t.test('the client sends the bearer token and turns answers into ApiError with the Status', async (t) => {
  const server = await startApi(t);
  const api = new Api(ADMIN_TOKEN, { baseUrl: server.url });
  t.equal(((await api.get('/api/v1/namespaces')) as { kind: string }).kind, 'NamespaceList');
  await t.rejects(new Api('wrong', { baseUrl: server.url }).get('/api/v1/pods'), { code: 401, reason: 'Unauthorized' });
  await t.rejects(api.get('/api/v1/namespaces/default/pods/nope'), { code: 404, reason: 'NotFound', message: 'pods "nope" not found' });
  await t.rejects(new Api(ADMIN_TOKEN, { baseUrl: 'http://127.0.0.1:9' }).get('/api'), { code: 0, reason: 'Unreachable' });
  const aborted = new AbortController();
  aborted.abort();
  await t.rejects(api.send('GET', '/api', { signal: aborted.signal }), { name: 'AbortError' }, 'an abort is not "unreachable"');
  t.ok(new Api('x').baseUrl === '', 'same origin by default');
});

t.test('errorFromResponse: the Status when there is one, the status line otherwise', async (t) => {
  t.match(errorFromResponse(403, JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'pods is forbidden: no' })), { code: 403, reason: 'Forbidden', message: 'pods is forbidden: no' });
  t.match(errorFromResponse(502, '<html>Bad gateway</html>\n'), { code: 502, reason: 'Error', message: '502 <html>Bad gateway</html>' });
  t.match(errorFromResponse(401, ''), { code: 401, reason: 'Unauthorized', message: '401' });
  t.match(errorFromResponse(403, '{"message":""}'), { code: 403, reason: 'Forbidden', message: '403 {"message":""}' });
  t.ok(errorFromResponse(500, 'x') instanceof Error);
});

t.test('describeError: unreachable, token rejected, forbidden, the rest', async (t) => {
  t.same(describeError(new ApiError(0, 'Unreachable', 'fetch failed')), { kind: 'unreachable', message: 'Hub unreachable: fetch failed' });
  t.same(describeError(new ApiError(401, 'Unauthorized', 'Unauthorized')), { kind: 'unauthorized', message: 'Token rejected (401 Unauthorized): Unauthorized' });
  t.same(describeError(new ApiError(403, 'Forbidden', 'nodes is forbidden')), { kind: 'forbidden', message: 'Forbidden: nodes is forbidden' });
  t.same(describeError(new ApiError(409, 'Conflict', 'changed')), { kind: 'error', message: 'Conflict (409): changed' });
  t.same(describeError(new Error('replicas must be a whole number')), { kind: 'error', message: 'replicas must be a whole number' });
  t.same(describeError('odd'), { kind: 'error', message: 'odd' });
});

t.test('updateObject retries on Conflict, up to five times, and nothing else', async (t) => {
  const fakeApi = (failures: unknown[]) => {
    let puts = 0;
    return {
      get puts() {
        return puts;
      },
      get: async () => ({ metadata: { name: 'x', resourceVersion: String(puts + 1) } }),
      request: async (_method: string, _path: string, body: { metadata: { resourceVersion: string } }) => {
        const failure = failures[puts++];
        if (failure) throw failure;
        return body;
      },
    };
  };
  const conflict = new ApiError(409, 'Conflict', 'the object has been modified');
  const twice = fakeApi([conflict, conflict]);
  const result = await updateObject(twice, '/x', (live: { metadata: object }) => live);
  t.same(result, { object: { metadata: { name: 'x', resourceVersion: '3' } }, changed: true }, 'the resourceVersion of the last read');
  t.equal(twice.puts, 3);
  const always = fakeApi(Array(9).fill(conflict));
  await t.rejects(updateObject(always, '/x', (live: object) => live), { code: 409 });
  t.equal(always.puts, 5);
  const other = fakeApi([new ApiError(409, 'AlreadyExists', 'exists')]);
  await t.rejects(updateObject(other, '/x', (live: object) => live), { message: 'exists', reason: 'AlreadyExists' });
  t.equal(other.puts, 1);
});
