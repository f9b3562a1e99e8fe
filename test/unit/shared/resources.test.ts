import t from 'tap';
import { groupResource, qualifiedKind, resolveResource, resourcePath, type ResourceType } from '../../../shared/api/resources.js';

function resource(typed: string): ResourceType {
  const rt = resolveResource(typed);
  if (!rt) throw new Error(`fixture: ${typed} does not resolve`);
  return rt;
}

t.test('resolveResource accepts plural, singular, short name and kind, case-insensitively, optionally group-qualified', async (t) => {
  const table: Array<[string, string | undefined]> = [
    ['po', 'pods'],
    ['pods', 'pods'],
    ['pod', 'pods'],
    ['Pod', 'pods'],
    ['PODS', 'pods'],
    ['deploy', 'deployments'],
    ['deployment', 'deployments'],
    ['deployments.apps', 'deployments'],
    ['Deployment.apps', 'deployments'],
    ['deployments.v1.apps', 'deployments'], // kubectl's TYPE.VERSION.GROUP form (`kubectl get deployments.v1.apps`)
    ['rs', 'replicasets'],
    ['replicasets.apps', 'replicasets'],
    ['no', 'nodes'],
    ['node', 'nodes'],
    ['ns', 'namespaces'],
    ['namespaces', 'namespaces'],
    ['services', 'services'],
    ['svc', 'services'],
    ['ep', 'endpoints'],
    ['ingresses', 'ingresses'],
    ['ing', 'ingresses'],
    ['statefulsets', undefined],
    ['rc', undefined],
    ['deployments.extensions', undefined],
    ['pods.apps', undefined],
    ['', undefined],
  ];
  for (const [typed, plural] of table) t.equal(resolveResource(typed)?.plural, plural, JSON.stringify(typed));
});

t.test('resourcePath follows Kubernetes REST layout', async (t) => {
  const table: Array<[string, string | undefined, string | undefined, string]> = [
    ['pods', 'default', undefined, '/api/v1/namespaces/default/pods'],
    ['pods', 'default', 'web-1', '/api/v1/namespaces/default/pods/web-1'],
    ['pods', undefined, undefined, '/api/v1/pods'], // all namespaces
    ['deployments', 'edge', 'nginx', '/apis/apps/v1/namespaces/edge/deployments/nginx'],
    ['deployments', undefined, undefined, '/apis/apps/v1/deployments'],
    ['replicasets', 'default', undefined, '/apis/apps/v1/namespaces/default/replicasets'],
    ['nodes', undefined, 'n1', '/api/v1/nodes/n1'],
    ['nodes', 'default', 'n1', '/api/v1/nodes/n1'], // cluster-scoped: a namespace is ignored
    ['namespaces', undefined, 'default', '/api/v1/namespaces/default'],
    ['namespaces', undefined, undefined, '/api/v1/namespaces'],
    ['pods', 'default', 'a b/c', '/api/v1/namespaces/default/pods/a%20b%2Fc'],
  ];
  for (const [typed, namespace, name, want] of table) t.equal(resourcePath(resource(typed), namespace, name), want, want);
});

t.test('groupResource and qualifiedKind name resources as kubectl messages do', async (t) => {
  const table: Array<[string, string, string]> = [
    ['pods', 'pods', 'pod'],
    ['nodes', 'nodes', 'node'],
    ['namespaces', 'namespaces', 'namespace'],
    ['deployments', 'deployments.apps', 'deployment.apps'],
    ['replicasets', 'replicasets.apps', 'replicaset.apps'],
  ];
  for (const [typed, group, qualified] of table) {
    t.equal(groupResource(resource(typed)), group, `groupResource ${typed}`);
    t.equal(qualifiedKind(resource(typed)), qualified, `qualifiedKind ${typed}`);
  }
});
