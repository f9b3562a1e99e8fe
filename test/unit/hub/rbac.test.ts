import t from 'tap';
import { ResourceHandlers } from '../../../hub/api/resource-handlers.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { isSkiffError } from '../../../shared/errors.js';
import { controllerHarness } from './controller-harness.js';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from '../../../hub/auth/bootstrap-policy.js';
import { rbacAllows, ruleAllows, subjectMatches, type RbacPolicy } from '../../../hub/auth/rbac.js';
import { requestAttributes, type RequestAttributes } from '../../../hub/auth/request-attributes.js';
import { serviceAccountUser, type UserInfo } from '../../../hub/auth/user.js';
import type { ClusterRoleBinding, PolicyRule, Role, RoleBinding } from '../../../shared/api/schema/rbac.js';

const RBAC = 'rbac.authorization.k8s.io';

/** A request as the API sees it: METHOD and path (with query), e.g. "GET /api/v1/namespaces/dev/pods". */
function req(line: string): RequestAttributes {
  const [method, path] = line.split(' ');
  return requestAttributes(method!, new URL(path!, 'http://hub.invalid'));
}

const bob = serviceAccountUser('dev', 'bob', 'uid-bob');
const carol: UserInfo = { username: 'carol', groups: ['ops', 'system:authenticated'] };

t.test('a rule matches verb, API group, resource, subresource and name', async (t) => {
  const podsRead: PolicyRule = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] };
  const table: Array<[PolicyRule, string, boolean]> = [
    [podsRead, 'GET /api/v1/namespaces/dev/pods', true],
    [podsRead, 'GET /api/v1/namespaces/dev/pods?watch=true', true],
    [podsRead, 'GET /api/v1/namespaces/dev/pods/web', true],
    [podsRead, 'POST /api/v1/namespaces/dev/pods', false],
    [podsRead, 'GET /apis/apps/v1/namespaces/dev/deployments', false],
    [podsRead, 'GET /api/v1/namespaces/dev/pods/web/log', false],
    [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }, 'GET /api/v1/namespaces/dev/pods/web/log', true],
    [{ apiGroups: [''], resources: ['*/log'], verbs: ['get'] }, 'GET /api/v1/namespaces/dev/pods/web/log', true],
    [{ apiGroups: [''], resources: ['*/log'], verbs: ['get'] }, 'GET /api/v1/namespaces/dev/pods/web', false],
    [{ apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] }, 'POST /api/v1/namespaces/dev/pods/web/eviction', true],
    [{ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['update'] }, 'PUT /apis/apps/v1/namespaces/dev/deployments/web/scale', true],
    [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['update'] }, 'PUT /apis/apps/v1/namespaces/dev/deployments/web/scale', false],
    [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, 'DELETE /apis/apps/v1/namespaces/dev/deployments', true],
    [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['db'] }, 'GET /api/v1/namespaces/dev/secrets/db', true],
    [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['db'] }, 'GET /api/v1/namespaces/dev/secrets/other', false],
    [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'], resourceNames: ['db'] }, 'GET /api/v1/namespaces/dev/secrets', false],
    [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'], resourceNames: ['db'] }, 'GET /api/v1/namespaces/dev/secrets?fieldSelector=metadata.name%3Ddb', true],
    [{ apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['list'] }, 'GET /apis/metrics.k8s.io/v1beta1/namespaces/dev/pods', true],
    [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }, 'GET /apis/metrics.k8s.io/v1beta1/namespaces/dev/pods', false],
    [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }, 'GET /healthz', true],
    [{ nonResourceURLs: ['/apis/*'], verbs: ['get'] }, 'GET /apis/apps', true],
    [{ nonResourceURLs: ['/apis/*'], verbs: ['get'] }, 'GET /api', false],
    [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }, 'POST /metrics', false],
    [{ nonResourceURLs: ['*'], verbs: ['*'] }, 'GET /metrics', true],
    [{ nonResourceURLs: ['*'], verbs: ['*'] }, 'GET /api/v1/pods', false],
  ];
  for (const [rule, line, expected] of table) t.equal(ruleAllows(rule, req(line)), expected, `${JSON.stringify(rule)} ${line}`);
});

t.test('subjects: users by name, groups by membership, ServiceAccounts by namespace and name', async (t) => {
  t.ok(subjectMatches({ kind: 'User', apiGroup: RBAC, name: 'carol' }, carol, ''));
  t.notOk(subjectMatches({ kind: 'User', apiGroup: RBAC, name: 'Carol' }, carol, ''));
  t.ok(subjectMatches({ kind: 'Group', apiGroup: RBAC, name: 'ops' }, carol, ''));
  t.ok(subjectMatches({ kind: 'ServiceAccount', name: 'bob', namespace: 'dev' }, bob, ''));
  t.notOk(subjectMatches({ kind: 'ServiceAccount', name: 'bob', namespace: 'prod' }, bob, ''));
  t.ok(subjectMatches({ kind: 'ServiceAccount', name: 'bob' }, bob, 'dev'), "a RoleBinding's own namespace stands in for a missing one");
  t.notOk(subjectMatches({ kind: 'ServiceAccount', name: 'bob' }, bob, ''), 'a ClusterRoleBinding subject needs a namespace');
  t.ok(subjectMatches({ kind: 'Group', apiGroup: RBAC, name: 'system:serviceaccounts:dev' }, bob, ''));
  t.notOk(subjectMatches({ kind: 'Robot', name: 'bob' }, bob, 'dev'));
});

function roleBinding(namespace: string, name: string, roleRef: { kind: 'Role' | 'ClusterRole'; name: string }, subjects: RoleBinding['subjects']): RoleBinding {
  return { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: RBAC, ...roleRef }, subjects };
}
function clusterRoleBinding(name: string, role: string, subjects: ClusterRoleBinding['subjects']): ClusterRoleBinding {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects };
}
function policy(parts: Partial<RbacPolicy>): RbacPolicy {
  return { clusterRoles: [...BOOTSTRAP_CLUSTER_ROLES], clusterRoleBindings: [...BOOTSTRAP_CLUSTER_ROLE_BINDINGS], roles: [], roleBindings: [], ...parts };
}

t.test('a RoleBinding grants only in its namespace; a ClusterRoleBinding everywhere', async (t) => {
  const inDev = policy({ roleBindings: [roleBinding('dev', 'bob-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'ServiceAccount', name: 'bob', namespace: 'dev' }])] });
  t.ok(rbacAllows(bob, req('GET /api/v1/namespaces/dev/pods'), inDev));
  t.notOk(rbacAllows(bob, req('GET /api/v1/namespaces/prod/pods'), { ...inDev, roleBindings: inDev.roleBindings.filter((b) => b.metadata.namespace === 'prod') }));
  t.notOk(rbacAllows(bob, req('GET /api/v1/pods'), inDev), 'listing across namespaces is cluster scope');
  const everywhere = policy({ clusterRoleBindings: [...BOOTSTRAP_CLUSTER_ROLE_BINDINGS, clusterRoleBinding('bob-view', 'view', [{ kind: 'ServiceAccount', name: 'bob', namespace: 'dev' }])] });
  t.ok(rbacAllows(bob, req('GET /api/v1/pods'), everywhere));
  t.ok(rbacAllows(bob, req('GET /api/v1/namespaces/prod/pods'), everywhere));
});

t.test('a RoleBinding to a Role uses the Role of its own namespace', async (t) => {
  const role = (namespace: string, verbs: string[]): Role => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name: 'pod-reader', namespace },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs }],
  });
  const p = policy({
    roles: [role('dev', ['get']), role('prod', ['get', 'delete'])],
    roleBindings: [roleBinding('dev', 'read', { kind: 'Role', name: 'pod-reader' }, [{ kind: 'User', apiGroup: RBAC, name: 'carol' }])],
  });
  t.ok(rbacAllows(carol, req('GET /api/v1/namespaces/dev/pods/x'), p));
  t.notOk(rbacAllows(carol, req('DELETE /api/v1/namespaces/dev/pods/x'), p), "prod's Role of the same name does not leak into dev");
  t.notOk(rbacAllows(carol, req('GET /api/v1/namespaces/dev/pods/x'), policy({ roleBindings: p.roleBindings })), 'a missing Role grants nothing');
});

t.test('every authenticated user may use discovery and the self reviews, and nothing else', async (t) => {
  const p = policy({});
  t.ok(rbacAllows(carol, req('GET /api'), p));
  t.ok(rbacAllows(carol, req('GET /apis/apps/v1'), p));
  t.ok(rbacAllows(carol, req('GET /version'), p));
  t.ok(rbacAllows(carol, req('POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews'), p));
  t.ok(rbacAllows(carol, req('POST /apis/authentication.k8s.io/v1/selfsubjectreviews'), p));
  t.notOk(rbacAllows(carol, req('GET /metrics'), p));
  t.notOk(rbacAllows(carol, req('GET /api/v1/namespaces/default/pods'), p));
  t.notOk(rbacAllows({ username: 'x', groups: [] }, req('GET /api'), p), 'not for a user outside system:authenticated');
});

/** What each built-in ClusterRole allows, bound through a RoleBinding in "dev" (as `kubectl create rolebinding --clusterrole`). */
t.test('built-in roles: allow/deny table', async (t) => {
  const verbsOf: Record<string, string> = { get: 'GET', list: 'GET', create: 'POST', delete: 'DELETE' };
  const paths: Record<string, (verb: string) => string> = {
    pods: (v) => `/api/v1/namespaces/dev/pods${v === 'list' || v === 'create' ? '' : '/x'}`,
    secrets: (v) => `/api/v1/namespaces/dev/secrets${v === 'list' || v === 'create' ? '' : '/x'}`,
    configmaps: (v) => `/api/v1/namespaces/dev/configmaps${v === 'list' || v === 'create' ? '' : '/x'}`,
    deployments: (v) => `/apis/apps/v1/namespaces/dev/deployments${v === 'list' || v === 'create' ? '' : '/x'}`,
    roles: (v) => `/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles${v === 'list' || v === 'create' ? '' : '/x'}`,
    rolebindings: (v) => `/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings${v === 'list' || v === 'create' ? '' : '/x'}`,
    nodes: (v) => `/api/v1/nodes${v === 'list' || v === 'create' ? '' : '/x'}`,
    namespaces: (v) => `/api/v1/namespaces${v === 'list' || v === 'create' ? '' : '/dev'}`,
  };
  // get list create delete, per resource: what Kubernetes' bootstrap roles grant inside a namespace.
  const expected: Record<string, Record<string, string>> = {
    view: { pods: 'yyNN', secrets: 'NNNN', configmaps: 'yyNN', deployments: 'yyNN', roles: 'NNNN', rolebindings: 'NNNN', nodes: 'NNNN', namespaces: 'yNNN' },
    edit: { pods: 'yyyy', secrets: 'yyyy', configmaps: 'yyyy', deployments: 'yyyy', roles: 'NNNN', rolebindings: 'NNNN', nodes: 'NNNN', namespaces: 'yNNN' },
    admin: { pods: 'yyyy', secrets: 'yyyy', configmaps: 'yyyy', deployments: 'yyyy', roles: 'yyyy', rolebindings: 'yyyy', nodes: 'NNNN', namespaces: 'yNNN' },
    'cluster-admin': { pods: 'yyyy', secrets: 'yyyy', configmaps: 'yyyy', deployments: 'yyyy', roles: 'yyyy', rolebindings: 'yyyy', nodes: 'NNNN', namespaces: 'yNNy' },
  };
  // As in Kubernetes, a request on namespace NS itself is "in" NS: cluster-admin granted in dev may delete dev.
  for (const [role, resources] of Object.entries(expected)) {
    const p = policy({ roleBindings: [roleBinding('dev', 'b', { kind: 'ClusterRole', name: role }, [{ kind: 'ServiceAccount', name: 'bob' }])] });
    for (const [resource, answers] of Object.entries(resources)) {
      ['get', 'list', 'create', 'delete'].forEach((verb, i) => {
        const line = `${verbsOf[verb]} ${paths[resource]!(verb)}`;
        t.equal(rbacAllows(bob, req(line), p), answers[i] === 'y', `${role} in dev: ${verb} ${resource} (${line})`);
      });
    }
  }
});

t.test('built-in roles bound cluster-wide reach cluster-scoped objects as Kubernetes', async (t) => {
  const bound = (role: string): RbacPolicy =>
    policy({ clusterRoleBindings: [...BOOTSTRAP_CLUSTER_ROLE_BINDINGS, clusterRoleBinding('b', role, [{ kind: 'ServiceAccount', name: 'bob', namespace: 'dev' }])] });
  t.notOk(rbacAllows(bob, req('GET /api/v1/nodes'), bound('view')), 'view has no nodes');
  t.ok(rbacAllows(bob, req('GET /api/v1/namespaces'), bound('view')));
  t.notOk(rbacAllows(bob, req('POST /api/v1/namespaces'), bound('admin')), 'admin does not create namespaces');
  t.ok(rbacAllows(bob, req('GET /api/v1/nodes'), bound('cluster-admin')));
  t.ok(rbacAllows(bob, req('POST /api/v1/namespaces'), bound('cluster-admin')));
  t.ok(rbacAllows(bob, req('GET /metrics'), bound('cluster-admin')));
  t.ok(rbacAllows(bob, req('GET /apis/metrics.k8s.io/v1beta1/nodes'), bound('view')), 'kubectl top for viewers, as metrics-server aggregates');
  t.ok(rbacAllows(bob, req('POST /api/v1/namespaces/dev/serviceaccounts/bob/token'), bound('edit')));
  t.notOk(rbacAllows(bob, req('POST /api/v1/namespaces/dev/serviceaccounts/bob/token'), bound('view')));
  t.ok(rbacAllows(bob, req('POST /api/v1/namespaces/dev/pods/web/eviction'), bound('edit')));
  t.notOk(rbacAllows(bob, req('POST /api/v1/namespaces/dev/pods/web/eviction'), bound('view')));
});

t.test('the built-ins carry the bootstrapping label and bind cluster-admin to system:masters', async (t) => {
  for (const object of [...BOOTSTRAP_CLUSTER_ROLES, ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS]) {
    t.equal(object.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', object.metadata.name!);
  }
  const clusterAdmin = BOOTSTRAP_CLUSTER_ROLE_BINDINGS.find((b) => b.metadata.name === 'cluster-admin')!;
  t.same(clusterAdmin.subjects, [{ kind: 'Group', apiGroup: RBAC, name: 'system:masters' }]);
});

t.test('a binding\'s roleRef cannot change on update (422), its subjects can', async (t) => {
  const { store } = controllerHarness(t, () => ({ controllers: [] }));
  const api = new ResourceHandlers(store);
  const route = { resource: resolveResource('rolebindings')!, namespace: 'default' };
  await store.create(resolveResource('namespaces')!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const created = (await api.create(route, roleBinding('default', 'readers', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'ann', apiGroup: RBAC }]))) as unknown as RoleBinding;
  const err = await api.replace({ ...route, name: 'readers' }, { ...created, roleRef: { ...created.roleRef, name: 'cluster-admin' } }).catch((e: unknown) => e);
  t.ok(isSkiffError(err, 'SKIFF_ERR_INVALID'), 'refused as Invalid');
  t.match((err as Error).message, /roleRef: Invalid value: .*cannot change roleRef/);
  const updated = (await api.replace({ ...route, name: 'readers' }, { ...created, subjects: [{ kind: 'User', name: 'bob', apiGroup: RBAC }] })) as unknown as RoleBinding;
  t.same(updated.subjects, [{ kind: 'User', name: 'bob', apiGroup: RBAC }]);
});
