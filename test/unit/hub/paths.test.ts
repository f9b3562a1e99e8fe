import t from 'tap';
import { parseResourcePath, splitApiPath } from '../../../hub/api/paths.js';
import { requestAttributes } from '../../../hub/auth/request-attributes.js';

/** A parsed route flattened for comparison: plural plus whichever of namespace/name/subresource are set. */
function route(pathname: string): Record<string, string> | string {
  const result = parseResourcePath(pathname);
  if (!result.ok) return result.reason;
  const { resource, conversion, ...rest } = result.route;
  return { plural: resource.plural, ...rest, ...(conversion ? { servedAs: conversion.version } : {}) };
}

t.test('parses collection and object paths of the core and apps groups', async (t) => {
  const table: Array<[string, Record<string, string>]> = [
    ['/api/v1/pods', { plural: 'pods' }],
    ['/api/v1/namespaces/default/pods', { plural: 'pods', namespace: 'default' }],
    ['/api/v1/namespaces/default/pods/x', { plural: 'pods', namespace: 'default', name: 'x' }],
    ['/apis/apps/v1/deployments', { plural: 'deployments' }],
    ['/apis/apps/v1/namespaces/ns/deployments', { plural: 'deployments', namespace: 'ns' }],
    ['/apis/apps/v1/namespaces/ns/deployments/d', { plural: 'deployments', namespace: 'ns', name: 'd' }],
    ['/apis/apps/v1/namespaces/ns/replicasets/r', { plural: 'replicasets', namespace: 'ns', name: 'r' }],
    ['/api/v1/nodes', { plural: 'nodes' }],
    ['/api/v1/nodes/n1', { plural: 'nodes', name: 'n1' }],
    ['/api/v1/namespaces', { plural: 'namespaces' }],
    ['/api/v1/namespaces/default', { plural: 'namespaces', name: 'default' }],
    ['/api/v1/namespaces/default/pods/x/', { plural: 'pods', namespace: 'default', name: 'x' }],
    ['/api/v1/namespaces/default/pods/a%20b', { plural: 'pods', namespace: 'default', name: 'a b' }],
  ];
  for (const [path, want] of table) t.same(route(path), want, path);
});

t.test('parses subresources of namespaced and cluster-scoped objects', async (t) => {
  const table: Array<[string, Record<string, string>]> = [
    ['/api/v1/namespaces/default/pods/x/status', { plural: 'pods', namespace: 'default', name: 'x', subresource: 'status' }],
    ['/api/v1/namespaces/default/pods/x/log', { plural: 'pods', namespace: 'default', name: 'x', subresource: 'log' }],
    ['/apis/apps/v1/namespaces/ns/deployments/d/scale', { plural: 'deployments', namespace: 'ns', name: 'd', subresource: 'scale' }],
    ['/api/v1/nodes/n1/status', { plural: 'nodes', name: 'n1', subresource: 'status' }],
    // Kubernetes' RequestInfoFactory treats "status" and "finalize" after a namespace name as
    // subresources of the Namespace object, not as a resource inside it.
    ['/api/v1/namespaces/default/status', { plural: 'namespaces', name: 'default', subresource: 'status' }],
    ['/api/v1/namespaces/default/finalize', { plural: 'namespaces', name: 'default', subresource: 'finalize' }],
  ];
  for (const [path, want] of table) t.same(route(path), want, path);
});

t.test('refuses unknown groups, versions and plurals, and namespaced paths of cluster-scoped kinds', async (t) => {
  const table = [
    '/api/v1/replicationcontrollers',
    '/api/v2/pods',
    '/apis/apps/v1/pods',
    '/apis/extensions/v1beta1/deployments',
    '/apis/batch/v1/namespaces/default/jobs',
    '/api/v1/namespaces/default/deployments',
    '/api/v1/namespaces/default/nodes/n1',
    '/api/v1/namespaces/default/namespaces/x',
    '/api/v1/namespaces/default/pods/x/status/extra',
    '/api/v1/Pods',
  ];
  for (const path of table) t.equal(route(path), 'unknown-resource', path);
});

t.test('refuses paths that are not API paths at all, without throwing', async (t) => {
  const table = ['', '/', '/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/healthz', '/version', '/join', '/API/v1/pods', '//', 'garbage', '/api/v1/pods/%E0%A4%A'];
  for (const path of table) {
    let result: unknown;
    t.doesNotThrow(() => (result = route(path)), `${JSON.stringify(path)} does not throw`);
    t.not(typeof result, 'object', `${JSON.stringify(path)} is not a route`);
  }
});

t.test('splitApiPath takes any API path apart by its segments, served or not', async (t) => {
  const table: Array<[string, object | undefined]> = [
    ['/api/v1/pods', { group: '', version: 'v1', resource: 'pods', extra: [] }],
    ['/api/v1/namespaces/dev/pods/x/log', { group: '', version: 'v1', namespace: 'dev', resource: 'pods', name: 'x', subresource: 'log', extra: [] }],
    ['/apis/metrics.k8s.io/v1beta1/namespaces/dev/pods', { group: 'metrics.k8s.io', version: 'v1beta1', namespace: 'dev', resource: 'pods', extra: [] }],
    ['/apis/no.such.group/v9/widgets/w', { group: 'no.such.group', version: 'v9', resource: 'widgets', name: 'w', extra: [] }],
    ['/api/v1/namespaces', { group: '', version: 'v1', resource: 'namespaces', extra: [] }],
    // A Namespace's own paths: no scoping namespace, the Namespace is the object.
    ['/api/v1/namespaces/dev', { group: '', version: 'v1', resource: 'namespaces', name: 'dev', extra: [] }],
    ['/api/v1/namespaces/dev/status', { group: '', version: 'v1', resource: 'namespaces', name: 'dev', subresource: 'status', extra: [] }],
    ['/api/v1/namespaces/dev/finalize/more', { group: '', version: 'v1', resource: 'namespaces', name: 'dev', subresource: 'finalize', extra: ['more'] }],
    ['/api/v1/namespaces/dev/pods/x/status/extra/more', { group: '', version: 'v1', namespace: 'dev', resource: 'pods', name: 'x', subresource: 'status', extra: ['extra', 'more'] }],
    ['/api/v1/namespaces/a%2Fb/pods', { group: '', version: 'v1', namespace: 'a/b', resource: 'pods', extra: [] }],
    ['/api/v1', undefined],
    ['/apis/apps/v1', undefined],
    ['/healthz', undefined],
    ['/api/v1/pods/%E0%A4%A', undefined],
  ];
  for (const [path, want] of table) t.same(splitApiPath(path), want, path);
});

t.test('the router and the authorizer read the same parts of a path', async (t) => {
  const paths = [
    '/api/v1/namespaces/dev/pods/x',
    '/api/v1/namespaces/dev/pods/x/status',
    '/api/v1/nodes/n1',
    '/api/v1/namespaces/dev',
    '/api/v1/namespaces/dev/finalize',
    '/apis/apps/v1/namespaces/ns/deployments/d/scale',
    '/apis/rbac.authorization.k8s.io/v1/clusterroles/view',
  ];
  for (const path of paths) {
    const parsed = parseResourcePath(path);
    const attributes = requestAttributes('GET', new URL(path, 'http://hub.invalid'));
    if (!parsed.ok || attributes.kind !== 'resource') {
      t.fail(`${path} is a resource path to both`);
      continue;
    }
    const { route } = parsed;
    t.same(
      [attributes.apiGroup, attributes.resource, attributes.name, attributes.subresource],
      [route.resource.group, route.resource.plural, route.name ?? '', route.subresource ?? ''],
      path,
    );
    t.equal(attributes.namespace, route.namespace ?? (route.resource.plural === 'namespaces' ? route.name : ''), `${path}: namespace`);
  }
});

t.test('an older version served by conversion names the stored kind and how to convert', async (t) => {
  t.same(route('/apis/autoscaling/v1/namespaces/ns/horizontalpodautoscalers/web'), { plural: 'horizontalpodautoscalers', namespace: 'ns', name: 'web', servedAs: 'v1' });
  t.same(route('/apis/autoscaling/v2/namespaces/ns/horizontalpodautoscalers/web'), { plural: 'horizontalpodautoscalers', namespace: 'ns', name: 'web' });
  t.same(route('/apis/autoscaling/v1beta9/horizontalpodautoscalers'), 'unknown-resource');
  const result = parseResourcePath('/apis/autoscaling/v1/horizontalpodautoscalers');
  t.equal(result.ok && result.route.resource.version, 'v2', 'stored as v2');
});
