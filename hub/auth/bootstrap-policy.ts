/**
 * The built-in ClusterRoles and ClusterRoleBindings the hub creates at start when missing, as
 * kube-apiserver's bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy) does:
 * cluster-admin for system:masters, the user-facing admin / edit / view, and the discovery and
 * self-review roles every authenticated user holds. An object already present is left as it is,
 * so an operator's edits survive restarts.
 *
 * As in Kubernetes, admin, edit and view are aggregated ClusterRoles: their rules are gathered
 * (clusterrole-aggregation.ts) from the ClusterRoles labelled
 * `rbac.authorization.k8s.io/aggregate-to-admin|edit|view: "true"` — system:aggregate-to-*, edit
 * into admin, view into edit, and any a user adds — so that extending them is creating a labelled
 * ClusterRole. They are created with their rules already gathered, so RBAC is right from the first
 * request, before the aggregation controller has run.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource, type ResourceType } from '../../shared/api/resources.js';
import { isSkiffError } from '../../shared/errors.js';
import { RBAC_GROUP, type ClusterRole, type ClusterRoleBinding, type PolicyRule } from '../../shared/api/schema/rbac.js';
import type { Store } from '../store/store.js';
import { aggregateAll } from './clusterrole-aggregation.js';
import { GROUP_AUTHENTICATED, GROUP_MASTERS } from './user.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const ALL = [...WRITE, ...READ];

const BOOTSTRAP_METADATA = {
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
};

function clusterRole(name: string, rules: PolicyRule[], aggregation: { labels?: Record<string, string>; aggregateFrom?: string } = {}): ClusterRole {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name, ...BOOTSTRAP_METADATA, labels: { ...BOOTSTRAP_METADATA.labels, ...aggregation.labels } },
    ...(aggregation.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregation.aggregateFrom]: 'true' } }] } } : {}),
    rules,
  };
}

const AGGREGATE_TO_ADMIN = `${RBAC_GROUP}/aggregate-to-admin`;
const AGGREGATE_TO_EDIT = `${RBAC_GROUP}/aggregate-to-edit`;
const AGGREGATE_TO_VIEW = `${RBAC_GROUP}/aggregate-to-view`;

function bindToGroups(name: string, groups: string[]): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, ...BOOTSTRAP_METADATA },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
    subjects: groups.map((group) => ({ kind: 'Group', apiGroup: RBAC_GROUP, name: group })),
  };
}

/** system:aggregate-to-view: reads of namespaced workload objects, never Secrets. */
const VIEW_RULES: PolicyRule[] = [
  {
    apiGroups: [''],
    resources: [
      'configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers',
      'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'bindings', 'events', 'limitranges',
      'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status', 'namespaces',
    ],
    verbs: READ,
  },
  {
    apiGroups: ['apps'],
    resources: [
      'controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets',
      'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status',
    ],
    verbs: READ,
  },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], verbs: READ },
  { apiGroups: ['batch'], resources: ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets', 'poddisruptionbudgets/status'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingresses/status', 'networkpolicies'], verbs: READ },
  // metrics-server's system:aggregated-metrics-reader aggregates into view: `kubectl top` works for viewers.
  { apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: READ },
];

/** system:aggregate-to-edit: writes of namespaced objects, Secrets included; no roles or bindings. */
const EDIT_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], verbs: READ },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], verbs: WRITE },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  {
    apiGroups: [''],
    resources: ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'],
    verbs: WRITE,
  },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  {
    apiGroups: ['apps'],
    resources: ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'],
    verbs: WRITE,
  },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: WRITE },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: WRITE },
];

/** system:aggregate-to-admin: what lets a namespace owner delegate access inside the namespace. */
const ADMIN_RULES: PolicyRule[] = [
  { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
  { apiGroups: [RBAC_GROUP], resources: ['rolebindings', 'roles'], verbs: ALL },
];

export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = aggregateAll([
  clusterRole('cluster-admin', [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ]),
  clusterRole('admin', [], { aggregateFrom: AGGREGATE_TO_ADMIN }),
  clusterRole('edit', [], { labels: { [AGGREGATE_TO_ADMIN]: 'true' }, aggregateFrom: AGGREGATE_TO_EDIT }),
  clusterRole('view', [], { labels: { [AGGREGATE_TO_EDIT]: 'true' }, aggregateFrom: AGGREGATE_TO_VIEW }),
  clusterRole('system:aggregate-to-admin', ADMIN_RULES, { labels: { [AGGREGATE_TO_ADMIN]: 'true' } }),
  clusterRole('system:aggregate-to-edit', EDIT_RULES, { labels: { [AGGREGATE_TO_EDIT]: 'true' } }),
  clusterRole('system:aggregate-to-view', VIEW_RULES, { labels: { [AGGREGATE_TO_VIEW]: 'true' } }),
  clusterRole('system:discovery', [
    { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] },
  ]),
  clusterRole('system:public-info-viewer', [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
  clusterRole('system:basic-user', [
    { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
    { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
  ]),
]);

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = [
  bindToGroups('cluster-admin', [GROUP_MASTERS]),
  bindToGroups('system:discovery', [GROUP_AUTHENTICATED]),
  bindToGroups('system:public-info-viewer', [GROUP_AUTHENTICATED, 'system:unauthenticated']),
  bindToGroups('system:basic-user', [GROUP_AUTHENTICATED]),
];

const clusterRoles = resolveResource('clusterroles.rbac.authorization.k8s.io')!;
const clusterRoleBindings = resolveResource('clusterrolebindings.rbac.authorization.k8s.io')!;

/** Creates `object`; false when it exists already (written meanwhile by another hub). */
export async function createUnlessExists(store: Store, resource: ResourceType, object: KubeObject): Promise<boolean> {
  try {
    await store.create(resource, object);
    return true;
  } catch (err) {
    if (isSkiffError(err) && err.code === 'SKIFF_ERR_ALREADY_EXISTS') return false;
    throw err;
  }
}

/** Creates each built-in that does not exist; returns the names created. */
export async function ensureBootstrapPolicy(store: Store): Promise<string[]> {
  const created: string[] = [];
  for (const [resource, objects] of [
    [clusterRoles, BOOTSTRAP_CLUSTER_ROLES],
    [clusterRoleBindings, BOOTSTRAP_CLUSTER_ROLE_BINDINGS],
  ] as const) {
    for (const object of objects) {
      if (await store.get(resource, undefined, object.metadata.name!)) continue;
      // Another hub on the same database (issue #11) may create it first: that is as good.
      if (await createUnlessExists(store, resource, structuredClone(object) as unknown as KubeObject)) created.push(`${resource.plural}/${object.metadata.name!}`);
    }
  }
  return created;
}
