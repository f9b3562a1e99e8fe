/**
 * Impersonation (hub/auth/impersonation.ts), over HTTP on a real API server with the bootstrap
 * RBAC policy: `kubectl --as` acts as the impersonated user only when the requester may
 * impersonate them, and the audit line names both.
 */
import t from 'tap';
import type { AuditRecord } from '../../../hub/auth/audit-log.js';
import { listenApi, tempApiStore, viewerServiceAccountToken } from './api-server-rig.js';

t.test('an admin acts as a ServiceAccount; a ServiceAccount may not act as anyone; groups need a user', async (t) => {
  const { store } = await tempApiStore(t, ['default']);
  const viewerToken = await viewerServiceAccountToken(store);
  const audit: AuditRecord[] = [];
  const { call } = await listenApi(t, { store, adminToken: 'admin', audit: { write: (r) => audit.push(r), close: async () => undefined } });
  const asViewer = { headers: { 'impersonate-user': 'system:serviceaccount:default:viewer' } };

  const pods = await call('GET', '/api/v1/namespaces/default/pods', undefined, asViewer);
  t.equal(pods.status, 200, 'the viewer may list Pods');
  const secrets = await call('GET', '/api/v1/namespaces/default/secrets', undefined, asViewer);
  t.equal(secrets.status, 403);
  t.match(secrets.body, { message: 'secrets is forbidden: User "system:serviceaccount:default:viewer" cannot list resource "secrets" in API group "" in the namespace "default"' });
  const denied = audit.find((r) => r.code === 403);
  t.match(denied, { user: { username: 'admin' }, impersonatedUser: { username: 'system:serviceaccount:default:viewer', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] } }, 'the audit line names the requester and whom they acted as');

  const review = await call(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'delete', resource: 'nodes' } } },
    asViewer,
  );
  t.match(review.body, { status: { allowed: false } }, '`kubectl auth can-i --as` asks about the impersonated user');

  const withGroup = await call('GET', '/api/v1/namespaces/default/secrets', undefined, { headers: { 'impersonate-user': 'jane', 'impersonate-group': 'system:masters' } });
  t.equal(withGroup.status, 200, 'an impersonated group counts');

  const upward = await call('GET', '/api/v1/namespaces/default/pods', undefined, { token: viewerToken, headers: { 'impersonate-user': 'admin' } });
  t.equal(upward.status, 403);
  t.match(upward.body, { message: 'users "admin" is forbidden: User "system:serviceaccount:default:viewer" cannot impersonate resource "users" in API group "" at the cluster scope' });
  const groupOnly = await call('GET', '/api/v1/namespaces/default/pods', undefined, { headers: { 'impersonate-group': 'system:masters' } });
  t.equal(groupOnly.status, 400);
  const two = await call('GET', '/api/v1/namespaces/default/pods', undefined, { headers: [['impersonate-user', 'a'], ['impersonate-user', 'b']] });
  t.equal(two.status, 400, 'one user only');
  const extra = await call('GET', '/api/v1/namespaces/default/pods', undefined, { headers: { 'impersonate-user': 'a', 'impersonate-extra-scopes': 'x' } });
  t.equal(extra.status, 400, 'extra fields are refused, not dropped');
  const uid = await call('GET', '/api/v1/namespaces/default/pods', undefined, { headers: { 'impersonate-user': 'system:anonymous', 'impersonate-uid': '42' } });
  t.equal(uid.status, 403, 'system:anonymous is not in system:authenticated, so it may not list Pods');
});

t.test('SelfSubjectRulesReview (`kubectl auth can-i --list`) lists the rules that apply in a namespace', async (t) => {
  const { store } = await tempApiStore(t, ['default']);
  const viewerToken = await viewerServiceAccountToken(store);
  const { call } = await listenApi(t, { store, adminToken: 'admin' });
  const review = (token: string, spec: object, headers: Record<string, string> = {}) =>
    call('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec }, { token, headers });
  const viewer = await review(viewerToken, { namespace: 'default' });
  t.equal(viewer.status, 201);
  const body = viewer.body as { status: { resourceRules: Array<{ verbs: string[]; resources: string[] }>; nonResourceRules: unknown[]; incomplete: boolean } };
  t.equal(body.status.incomplete, false);
  t.ok(body.status.resourceRules.some((r) => r.resources.includes('pods') && r.verbs.includes('list')), 'view lists Pods');
  t.notOk(body.status.resourceRules.some((r) => r.resources.includes('secrets')), 'and never Secrets');
  t.ok(body.status.resourceRules.some((r) => r.resources.includes('selfsubjectrulesreviews')), 'basic-user may ask');
  t.ok(body.status.nonResourceRules.length > 0, 'discovery paths, from system:discovery');

  const admin = (await review('admin', { namespace: 'default' })).body as { status: { resourceRules: unknown[]; nonResourceRules: unknown[] } };
  t.same(admin.status.resourceRules, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
  t.same(admin.status.nonResourceRules, [{ verbs: ['*'], nonResourceURLs: ['*'] }]);
  const asNode = await review('admin', { namespace: 'default' }, { 'impersonate-user': 'system:node:n1', 'impersonate-group': 'system:nodes' });
  t.equal(asNode.status, 403, 'a node, authorized by the Node authorizer alone, may not ask');
  const missing = await review('admin', {});
  t.equal(missing.status, 422);
});
