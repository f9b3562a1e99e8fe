import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isLocalSubjectAccessReview, localSubjectAccessReview, localSubjectAccessReviewErrors } from '../../../hub/auth/access-review.js';
import { auditEvent, shouldAudit } from '../../../hub/auth/audit-log.js';
import { Authenticator } from '../../../hub/auth/authenticator.js';
import { Authorizer } from '../../../hub/auth/authorizer.js';
import { ensureBootstrapPolicy } from '../../../hub/auth/bootstrap-policy.js';
import { forbiddenMessage, forbiddenTarget } from '../../../hub/auth/forbidden.js';
import { nodeAuthorize } from '../../../hub/auth/node-authorizer.js';
import { requestAttributes, type RequestAttributes } from '../../../hub/auth/request-attributes.js';
import { createServiceAccountToken, tokenHash, tokenLifetimeSeconds } from '../../../hub/auth/service-account-tokens.js';
import { ADMIN, nodeUser, serviceAccountUser } from '../../../hub/auth/user.js';
import { isSkiffError } from '../../../shared/errors.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { validateObject } from '../../../shared/api/validate.js';
import { roleRefUpdateErrors } from '../../../shared/api/schema/rbac.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';

function req(line: string): RequestAttributes {
  const [method, path] = line.split(' ');
  return requestAttributes(method!, new URL(path!, 'http://hub.invalid'));
}

const bob = serviceAccountUser('default', 'bob', 'uid-bob');

t.test('request attributes follow Kubernetes RequestInfo', async (t) => {
  const table: Array<[string, Partial<RequestAttributes>]> = [
    ['GET /api/v1/namespaces/dev/pods', { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'dev', name: '' }],
    ['GET /api/v1/namespaces/dev/pods?watch=1', { verb: 'watch', resource: 'pods' }],
    ['GET /api/v1/namespaces/dev/pods/web', { verb: 'get', name: 'web' }],
    ['PUT /api/v1/namespaces/dev/pods/web', { verb: 'update' }],
    ['PATCH /api/v1/namespaces/dev/pods/web', { verb: 'patch' }],
    ['DELETE /api/v1/namespaces/dev/pods/web', { verb: 'delete', name: 'web' }],
    ['DELETE /api/v1/namespaces/dev/pods', { verb: 'deletecollection' }],
    ['POST /api/v1/namespaces/dev/pods/web/eviction', { verb: 'create', resource: 'pods', subresource: 'eviction', name: 'web' }],
    ['POST /api/v1/namespaces/dev/serviceaccounts/bob/token', { verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'bob' }],
    ['GET /apis/apps/v1/namespaces/dev/deployments/web/scale', { verb: 'get', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }],
    ['GET /api/v1/namespaces/dev', { verb: 'get', resource: 'namespaces', name: 'dev', namespace: 'dev' }],
    ['PUT /api/v1/namespaces/dev/status', { verb: 'update', resource: 'namespaces', name: 'dev', subresource: 'status', namespace: 'dev' }],
    ['GET /api/v1/nodes', { verb: 'list', resource: 'nodes', namespace: '' }],
    ['GET /api/v1/nodes?fieldSelector=metadata.name%3Dpi-1&watch=true', { verb: 'watch', resource: 'nodes', name: 'pi-1' }],
    ['GET /apis/metrics.k8s.io/v1beta1/nodes/pi-1', { verb: 'get', apiGroup: 'metrics.k8s.io', apiVersion: 'v1beta1', resource: 'nodes', name: 'pi-1' }],
    // A WebSocket exec, attach or port-forward is a GET that needs `create`, as the SPDY POST
    // (kube-apiserver 1.31+, AuthorizePodWebsocketUpgradeCreatePermission); reading logs stays a get.
    ['GET /api/v1/namespaces/dev/pods/web/exec?command=ls&stdout=true', { verb: 'create', resource: 'pods', subresource: 'exec', name: 'web', namespace: 'dev' }],
    ['GET /api/v1/namespaces/dev/pods/web/attach?stdout=true', { verb: 'create', resource: 'pods', subresource: 'attach', name: 'web' }],
    ['GET /api/v1/namespaces/dev/pods/web/portforward?ports=80', { verb: 'create', resource: 'pods', subresource: 'portforward', name: 'web' }],
    ['POST /api/v1/namespaces/dev/pods/web/exec?command=ls', { verb: 'create', resource: 'pods', subresource: 'exec' }],
    ['GET /api/v1/namespaces/dev/pods/web/log?follow=true', { verb: 'get', resource: 'pods', subresource: 'log', name: 'web' }],
    ['GET /api/v1/namespaces/dev/pods/web/status', { verb: 'get', resource: 'pods', subresource: 'status' }],
  ];
  for (const [line, expected] of table) t.match(req(line), { kind: 'resource', ...expected }, line);
  t.same(req('GET /metrics'), { kind: 'non-resource', verb: 'get', path: '/metrics' });
  t.same(req('GET /apis'), { kind: 'non-resource', verb: 'get', path: '/apis' });
  t.same(req('POST /skiff/v1/tokens'), { kind: 'non-resource', verb: 'create', path: '/skiff/v1/tokens' });
});

t.test('403 messages are worded as kube-apiserver words them', async (t) => {
  t.equal(
    forbiddenMessage(bob, req('GET /api/v1/namespaces/default/pods')),
    'pods is forbidden: User "system:serviceaccount:default:bob" cannot list resource "pods" in API group "" in the namespace "default"',
  );
  t.equal(forbiddenMessage(bob, req('GET /api/v1/nodes')), 'nodes is forbidden: User "system:serviceaccount:default:bob" cannot list resource "nodes" in API group "" at the cluster scope');
  t.equal(
    forbiddenMessage(bob, req('GET /api/v1/namespaces/default/pods/x')),
    'pods "x" is forbidden: User "system:serviceaccount:default:bob" cannot get resource "pods" in API group "" in the namespace "default"',
  );
  t.equal(
    forbiddenMessage(bob, req('DELETE /apis/apps/v1/namespaces/default/deployments/web')),
    'deployments.apps "web" is forbidden: User "system:serviceaccount:default:bob" cannot delete resource "deployments" in API group "apps" in the namespace "default"',
  );
  t.equal(
    forbiddenMessage(bob, req('POST /api/v1/namespaces/default/pods/web/eviction')),
    'pods "web" is forbidden: User "system:serviceaccount:default:bob" cannot create resource "pods/eviction" in API group "" in the namespace "default"',
  );
  t.equal(forbiddenMessage(bob, req('GET /metrics')), 'forbidden: User "system:serviceaccount:default:bob" cannot get path "/metrics"');
  t.equal(
    forbiddenMessage(nodeUser('pi-1'), req('GET /api/v1/namespaces/default/secrets/db'), "no relationship found between node 'pi-1' and this object"),
    `secrets "db" is forbidden: User "system:node:pi-1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'pi-1' and this object`,
  );
  t.same(forbiddenTarget(req('DELETE /apis/apps/v1/namespaces/default/deployments/web')), { kind: 'deployments', group: 'apps', name: 'web' });
  t.same(forbiddenTarget(req('GET /api/v1/nodes')), { kind: 'nodes' });
});

function boundPod(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'pi-1', containers: [{ name: 'c', image: 'i' }], ...spec } };
}

t.test('node authorizer: own Node, own Pods and their Secrets and ConfigMaps only', async (t) => {
  const pods = [boundPod('web', { volumes: [{ name: 'v', secret: { secretName: 'web-tls' } }], containers: [{ name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'web-cfg' } }] }] })];
  const table: Array<[string, boolean, string?]> = [
    ['GET /api/v1/nodes/pi-1', true],
    ['GET /api/v1/nodes?fieldSelector=metadata.name%3Dpi-1&watch=1', true],
    ['GET /api/v1/nodes/pi-2', false, "no relationship found between node 'pi-1' and this object"],
    ['GET /api/v1/nodes', false],
    ['DELETE /api/v1/nodes/pi-1', false],
    ['PUT /api/v1/nodes/pi-1/status', true],
    ['GET /api/v1/namespaces/default/pods/web', true],
    ['GET /api/v1/namespaces/default/pods/other', false, "no relationship found between node 'pi-1' and this object"],
    ['GET /api/v1/namespaces/default/pods', false, 'can only get individual resources of this type'],
    ['DELETE /api/v1/namespaces/default/pods/web', false],
    ['GET /api/v1/namespaces/default/secrets/web-tls', true],
    ['GET /api/v1/namespaces/default/configmaps/web-cfg', true],
    ['GET /api/v1/namespaces/default/secrets/web-cfg', false, "no relationship found between node 'pi-1' and this object"],
    ['GET /api/v1/namespaces/default/secrets/db', false, "no relationship found between node 'pi-1' and this object"],
    ['GET /api/v1/namespaces/default/secrets', false, 'can only get individual resources of this type'],
    ['PUT /api/v1/namespaces/default/secrets/web-tls', false, 'can only get individual resources of this type'],
    ['GET /apis/apps/v1/namespaces/default/deployments/web', false],
    ['POST /api/v1/namespaces/default/events', true],
    ['GET /metrics', false],
  ];
  for (const [line, allowed, reason] of table) {
    const decision = nodeAuthorize('pi-1', req(line), pods);
    t.equal(decision.allowed, allowed, line);
    if (reason !== undefined) t.equal(decision.reason, reason, `${line}: reason`);
  }
});

t.test('RBAC kinds are validated with field paths', async (t) => {
  const errors = (object: unknown): string[] => {
    const result = validateObject(object);
    return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
  };
  const rbac = 'rbac.authorization.k8s.io/v1';
  t.same(errors({ apiVersion: rbac, kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }), []);
  t.same(errors({ apiVersion: rbac, kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'] }] }), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
  ]);
  t.same(errors({ apiVersion: rbac, kind: 'Role', metadata: { name: 'r' }, rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] }), [
    'rules[0].nonResourceURLs: Invalid value: namespaced rules cannot apply to non-resource URLs',
  ]);
  t.same(errors({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] }), []);
  t.same(errors({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ verbs: ['get'] }] }), [
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    'rules[0].resources: Required value: resource rules must supply at least one resource',
  ]);
  t.same(errors({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } }), [], 'aggregationRule accepted');
  t.same(
    errors({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'bob' }, { kind: 'User', name: 'al' }, { kind: 'Robot', name: 'r' }] }),
    [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
      'subjects[1].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
      'subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ],
  );
  t.same(errors({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'b' }, subjects: [] }), ['roleRef: Required value']);
  t.same(errors({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bob' }, automountServiceAccountToken: false }), []);
  const binding = { kind: 'RoleBinding', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } };
  t.same(roleRefUpdateErrors(binding, binding), []);
  t.match(roleRefUpdateErrors(binding, { ...binding, roleRef: { ...binding.roleRef, name: 'edit' } }), [{ path: 'roleRef', message: /cannot change roleRef/ }]);
});

t.test('TokenRequest lifetimes: default 1h, at least 10 minutes, cut to 48h', async (t) => {
  t.equal(tokenLifetimeSeconds(undefined), 3600);
  t.equal(tokenLifetimeSeconds(7200), 7200);
  t.equal(tokenLifetimeSeconds(30 * 24 * 3600), 48 * 3600);
  t.throws(() => tokenLifetimeSeconds(60), { message: /spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/ });
  t.throws(() => tokenLifetimeSeconds('1h'), { message: /must be an integer/ });
});

t.test('audit events: Metadata level, writes and denials only, never a body', async (t) => {
  t.ok(shouldAudit({ request: req('POST /api/v1/namespaces/default/secrets'), code: 201 }));
  t.ok(shouldAudit({ request: req('GET /api/v1/namespaces/default/secrets'), code: 403 }));
  t.ok(shouldAudit({ request: req('GET /api/v1/namespaces/default/secrets'), code: 401 }));
  t.notOk(shouldAudit({ request: req('GET /api/v1/namespaces/default/secrets'), code: 200 }));
  const event = auditEvent({
    auditID: 'a1',
    requestURI: '/api/v1/namespaces/default/secrets',
    user: ADMIN,
    request: req('POST /api/v1/namespaces/default/secrets'),
    sourceIP: '127.0.0.1',
    code: 201,
    authorized: true,
    received: new Date('2026-01-01T00:00:00.000Z'),
    completed: new Date('2026-01-01T00:00:00.010Z'),
  });
  t.same(event, {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: 'a1',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/secrets',
    verb: 'create',
    user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
    sourceIPs: ['127.0.0.1'],
    objectRef: { resource: 'secrets', namespace: 'default', apiGroup: '', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z',
    stageTimestamp: '2026-01-01T00:00:00.010000Z',
    annotations: { 'authorization.k8s.io/decision': 'allow' },
  });
});

function tempStore(t: { teardown(fn: () => void | Promise<void>): void }): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-auth-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

const serviceAccounts = resolveResource('serviceaccounts')!;
const namespaces = resolveResource('namespaces')!;

t.test('ServiceAccount tokens authenticate until they expire or the account goes', async (t) => {
  const store = tempStore(t);
  let now = new Date('2026-01-01T00:00:00Z');
  const authenticator = new Authenticator({ store, adminToken: 'admin-secret', now: () => now });
  await store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const account = await store.create(serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bob', namespace: 'default' } });
  const issued = (await createServiceAccountToken(store, 'default', 'bob', { spec: { expirationSeconds: 600 } }, now)) as { status: { token: string; expirationTimestamp: string } };
  t.equal(issued.status.expirationTimestamp, '2026-01-01T00:10:00Z');
  t.notOk(JSON.stringify(await store.getServiceAccountToken(tokenHash(issued.status.token))).includes(issued.status.token), 'only the hash is stored');

  const user = await authenticator.authenticate(`Bearer ${issued.status.token}`);
  t.same(user, { username: 'system:serviceaccount:default:bob', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'], uid: account.metadata.uid });
  t.same(await authenticator.authenticate('Bearer admin-secret'), ADMIN, 'the admin token is unchanged');

  const refused = async (header: string | undefined, what: string): Promise<void> => {
    const outcome = await authenticator.authenticate(header).then(
      () => 'authenticated',
      (err: unknown) => (isSkiffError(err, 'SKIFF_ERR_UNAUTHORIZED') ? err.message : String(err)),
    );
    t.equal(outcome, 'Unauthorized', what);
  };
  await refused(undefined, 'no credentials');
  await refused('Bearer admin-secreT', 'a wrong token');
  await refused(`Bearer ${issued.status.token}x`, 'a tampered token');
  await refused('Basic bm9wZTpub3Bl', 'an unknown node');

  now = new Date('2026-01-01T00:10:00Z');
  await refused(`Bearer ${issued.status.token}`, 'an expired token');

  now = new Date('2026-01-01T00:00:01Z');
  await store.delete(serviceAccounts, 'default', 'bob');
  await store.create(serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bob', namespace: 'default' } });
  await refused(`Bearer ${issued.status.token}`, "a token of a deleted ServiceAccount, even once one of the same name exists again");
  await t.rejects(createServiceAccountToken(store, 'default', 'nobody', {}, now), { message: 'serviceaccounts "nobody" not found' });
  t.ok(await store.getServiceAccountToken(tokenHash(issued.status.token)), 'kept until it expires');
  now = new Date('2026-01-01T00:10:00Z');
  await createServiceAccountToken(store, 'default', 'bob', {}, now);
  t.equal(await store.getServiceAccountToken(tokenHash(issued.status.token)), undefined, 'issuing a token sweeps the expired ones');
});

t.test('the authorizer: masters everything, nodes by the Node authorizer, others by RBAC from the store', async (t) => {
  const store = tempStore(t);
  t.ok((await ensureBootstrapPolicy(store)).includes('clusterroles/cluster-admin'));
  t.same(await ensureBootstrapPolicy(store), [], 'a second start creates nothing');
  const authorizer = new Authorizer(store);
  t.ok((await authorizer.authorize(ADMIN, req('DELETE /api/v1/nodes/x'))).allowed);
  t.notOk((await authorizer.authorize(bob, req('GET /api/v1/namespaces/default/pods'))).allowed);
  t.ok((await authorizer.authorize(bob, req('GET /version'))).allowed);
  const roleBindings = resolveResource('rolebindings')!;
  await store.create(roleBindings, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bob-view', namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'bob', namespace: 'default' }],
  });
  t.ok((await authorizer.authorize(bob, req('GET /api/v1/namespaces/default/pods'))).allowed);
  t.notOk((await authorizer.authorize(bob, req('GET /api/v1/namespaces/default/secrets'))).allowed);
  const pods = resolveResource('pods')!;
  await store.create(pods, boundPod('web', { imagePullSecrets: [{ name: 'regcred' }] }));
  t.ok((await authorizer.authorize(nodeUser('pi-1'), req('GET /api/v1/namespaces/default/secrets/regcred'))).allowed);
  t.notOk((await authorizer.authorize(nodeUser('pi-2'), req('GET /api/v1/namespaces/default/secrets/regcred'))).allowed);
  t.notOk((await authorizer.authorize(nodeUser('pi-1'), req('GET /api/v1/namespaces/default/pods/web/log'))).allowed);
});

t.test('LocalSubjectAccessReview: the route, and the validation of kube-apiserver', async (t) => {
  const lsar = '/apis/authorization.k8s.io/v1/namespaces/dev/localsubjectaccessreviews';
  t.ok(isLocalSubjectAccessReview(req(`POST ${lsar}`)));
  t.notOk(isLocalSubjectAccessReview(req(`GET ${lsar}`)), 'only a create');
  t.notOk(isLocalSubjectAccessReview(req('POST /apis/authorization.k8s.io/v1/localsubjectaccessreviews')), 'only in a namespace');
  t.notOk(isLocalSubjectAccessReview(req('POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews')));
  t.same(req(`POST ${lsar}`), { kind: 'resource', verb: 'create', apiGroup: 'authorization.k8s.io', apiVersion: 'v1', resource: 'localsubjectaccessreviews', subresource: '', namespace: 'dev', name: '' }, 'what admit authorizes');

  const meta = { namespace: 'dev' };
  const pods = { namespace: 'dev', verb: 'list', resource: 'pods' };
  const table: Array<[string, object, string[]]> = [
    ['valid', { metadata: meta, spec: { user: 'ann', resourceAttributes: pods } }, []],
    ['groups instead of a user', { metadata: meta, spec: { groups: ['ops'], resourceAttributes: pods } }, []],
    ['no user nor groups', { metadata: meta, spec: { resourceAttributes: pods } }, ['spec.user: Invalid value: "": at least one of user or group must be specified']],
    ['another namespace', { metadata: meta, spec: { user: 'ann', resourceAttributes: { ...pods, namespace: 'prod' } } }, ['spec.resourceAttributes.namespace: Invalid value: "prod": must match metadata.namespace']],
    ['no namespace in the attributes', { metadata: meta, spec: { user: 'ann', resourceAttributes: { verb: 'list', resource: 'pods' } } }, ['spec.resourceAttributes.namespace: Invalid value: "": must match metadata.namespace']],
    ['non-resource attributes', { metadata: meta, spec: { user: 'ann', nonResourceAttributes: { path: '/metrics', verb: 'get' } } }, ['spec.nonResourceAttributes: Invalid value: {"path":"/metrics","verb":"get"}: disallowed on this kind of request']],
    ['neither kind of attributes', { metadata: meta, spec: { user: 'ann' } }, ['spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified']],
    ['metadata beyond the namespace', { metadata: { ...meta, name: 'x' }, spec: { user: 'ann', resourceAttributes: pods } }, ['metadata: Invalid value: {"namespace":"dev","name":"x"}: must be empty except for namespace']],
  ];
  for (const [name, review, errors] of table) t.same(localSubjectAccessReviewErrors(review).map((e) => `${e.path}: ${e.message}`), errors, name);
});

t.test('LocalSubjectAccessReview answers for the user and groups of its spec, in the namespace of its path', async (t) => {
  const store = tempStore(t);
  await ensureBootstrapPolicy(store);
  await store.create(resolveResource('rolebindings')!, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'ann-edit', namespace: 'dev' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'ann' }],
  });
  const authorizer = new Authorizer(store);
  const ask = (namespace: string, spec: object, metadata: object = {}) => localSubjectAccessReview(authorizer, namespace, { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata, spec });
  const secrets = { namespace: 'dev', verb: 'get', resource: 'secrets' };
  t.match(await ask('dev', { user: 'ann', resourceAttributes: secrets }), {
    kind: 'LocalSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { namespace: 'dev' },
    spec: { user: 'ann', resourceAttributes: secrets },
    status: { allowed: true },
  });
  t.match(await ask('dev', { user: 'ann', resourceAttributes: { ...secrets, verb: 'delete', resource: 'rolebindings', group: 'rbac.authorization.k8s.io' } }), { status: { allowed: false } }, 'edit manages no bindings');
  t.match(await ask('dev', { user: 'bob', resourceAttributes: secrets }), { status: { allowed: false } }, 'another user');
  t.match(await ask('dev', { user: 'bob', groups: ['system:masters'], resourceAttributes: secrets }), { status: { allowed: true } }, 'the groups of the spec count');
  const other = await ask('prod', { user: 'ann', resourceAttributes: secrets }).catch((err: unknown) => err);
  t.ok(isSkiffError(other, 'SKIFF_ERR_INVALID'), 'attributes of another namespace: 422');
  t.equal((other as Error).message, 'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "dev": must match metadata.namespace');
  const mismatch = await ask('dev', { user: 'ann', resourceAttributes: secrets }, { namespace: 'prod' }).catch((err: unknown) => err);
  t.ok(isSkiffError(mismatch, 'SKIFF_ERR_BAD_REQUEST'), 'a body namespace other than the path\'s: 400');
  t.equal((mismatch as Error).message, 'the namespace of the provided object does not match the namespace sent on the request');
});
