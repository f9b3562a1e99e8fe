import t from 'tap';
import { documentFor, formatJson, formatNames, formatYaml } from '../../../hub/cli/output-format.js';
import { RESOURCES, resolveResource } from '../../../shared/api/resources.js';

const pods = RESOURCES.find((r) => r.kind === 'Pod')!;
const deployments = RESOURCES.find((r) => r.kind === 'Deployment')!;
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

t.test('one object asked for by name prints as itself; anything else as a v1 List', async (t) => {
  t.same(documentFor([{ resource: pods, object: pod }], true), pod);
  t.same(documentFor([{ resource: pods, object: pod }], false), { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [pod] });
  t.same(documentFor([], false), { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [] });
});

t.test('list items without apiVersion and kind get them from their resource', async (t) => {
  const bare = { metadata: { name: 'web' } } as unknown as typeof pod;
  t.same(documentFor([{ resource: deployments, object: bare }], true), { metadata: { name: 'web' }, apiVersion: 'apps/v1', kind: 'Deployment' });
});

t.test('json is indented by 4, yaml has sorted keys and unindented sequences, name is kind/name', async (t) => {
  t.equal(formatJson({ a: 1 }), '{\n    "a": 1\n}\n');
  t.equal(formatYaml(pod), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - image: nginx\n    name: c\n');
  t.same(formatNames([{ resource: pods, object: pod }, { resource: deployments, object: { ...pod, metadata: { name: 'web' } } }]), ['pod/a', 'deployment.apps/web']);
});

t.test('metadata.managedFields is left out unless asked for, as kubectl --show-managed-fields', async (t) => {
  const owned = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', managedFields: [{ manager: 'kubectl', operation: 'Apply' }] } };
  t.same(documentFor([{ resource: resolveResource('configmaps')!, object: owned }], true), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  t.same(documentFor([{ resource: resolveResource('configmaps')!, object: owned }], true, true), owned);
});
