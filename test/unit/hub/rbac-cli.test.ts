import t from 'tap';
import { canIQuestion } from '../../../hub/cli/actions/auth.js';
import { bindingFor, policyRules, roleFor } from '../../../hub/cli/actions/create-rbac.js';
import { validateObject } from '../../../shared/api/validate.js';

t.test('can-i asks what kubectl asks', async (t) => {
  t.same(canIQuestion('list', 'pods', undefined, {}).spec, { resourceAttributes: { namespace: 'default', verb: 'list', group: '', resource: 'pods' } });
  t.same(canIQuestion('get', 'deploy/web', undefined, { namespace: 'dev' }).spec, {
    resourceAttributes: { namespace: 'dev', verb: 'get', group: 'apps', resource: 'deployments', name: 'web' },
  });
  t.same(canIQuestion('create', 'pods', 'web', { subresource: 'eviction', allNamespaces: true }).spec, {
    resourceAttributes: { namespace: '', verb: 'create', group: '', resource: 'pods', subresource: 'eviction', name: 'web' },
  });
  t.same(canIQuestion('get', 'nodes', undefined, {}).spec, { resourceAttributes: { namespace: '', verb: 'get', group: '', resource: 'nodes' } }, 'cluster-scoped: no namespace');
  t.same(canIQuestion('get', 'nodes', undefined, { namespace: 'dev' }).warnings, ["Warning: resource 'nodes' is not namespace scoped"]);
  const unknown = canIQuestion('list', 'widgets.example.com', undefined, {});
  t.same(unknown.spec, { resourceAttributes: { namespace: 'default', verb: 'list', group: 'example.com', resource: 'widgets' } });
  t.same(unknown.warnings, ["Warning: the server doesn't have a resource type 'widgets'"]);
  t.same(canIQuestion('get', '/metrics', undefined, {}).spec, { nonResourceAttributes: { path: '/metrics', verb: 'get' } });
  t.throws(() => canIQuestion('get', 'pods/a', 'b', {}), { message: /either as TYPE\/NAME or as TYPE NAME/ });
});

t.test('create role: one rule per API group, resources resolved as kubectl does', async (t) => {
  t.same(policyRules({ verb: ['get,list'], resource: ['pods,deploy', 'pods/log', 'widgets.example.com'], resourceName: [] }, true), [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] },
    { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'] },
    { verbs: ['get', 'list'], apiGroups: ['example.com'], resources: ['widgets'] },
  ]);
  t.same(policyRules({ verb: ['get'], resource: [], resourceName: [], nonResourceUrl: ['/metrics'] }, false), [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]);
  t.throws(() => policyRules({ verb: [], resource: ['pods'], resourceName: [] }, true), { message: 'at least one verb must be specified' });
  t.throws(() => policyRules({ verb: ['get'], resource: [], resourceName: [] }, true), { message: 'at least one resource must be specified' });
  const role = roleFor('reader', 'dev', { verb: ['get'], resource: ['secrets'], resourceName: ['db'] });
  t.ok(validateObject(role).ok, 'the built Role passes the API schema');
  t.same(role.rules, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] }]);
});

t.test('create rolebinding / clusterrolebinding', async (t) => {
  const binding = bindingFor('b', 'dev', { clusterrole: 'view', user: ['al'], group: ['ops'], serviceaccount: ['dev:bob'] });
  t.ok(validateObject(binding).ok, 'passes the API schema');
  t.same(binding, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'b', namespace: 'dev' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'al' },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'ops' },
      { kind: 'ServiceAccount', namespace: 'dev', name: 'bob' },
    ],
  });
  t.match(bindingFor('b', 'dev', { role: 'r', user: [], group: [], serviceaccount: [] }), { roleRef: { kind: 'Role', name: 'r' } });
  t.throws(() => bindingFor('b', 'dev', { role: 'r', clusterrole: 'c', user: [], group: [], serviceaccount: [] }), { message: 'exactly one of clusterrole or role must be specified' });
  t.throws(() => bindingFor('b', undefined, { role: 'r', user: [], group: [], serviceaccount: [] }), { message: 'clusterrole must be specified' });
  t.throws(() => bindingFor('b', 'dev', { clusterrole: 'c', user: [], group: [], serviceaccount: ['bob'] }), { message: 'serviceaccount must be <namespace>:<name>, got "bob"' });
  t.match(bindingFor('b', undefined, { clusterrole: 'c', user: ['al'], group: [], serviceaccount: [] }), { kind: 'ClusterRoleBinding', metadata: { name: 'b' } });
});
