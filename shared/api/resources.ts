/**
 * The one registry of API resources Skiff serves. The API router, the CLI's name resolution
 * ("po", "deploy", "deployments.apps") and later discovery all read it; adding a kind here
 * and a schema is what makes it exist.
 */
import type { ZodType } from 'zod';
import { horizontalPodAutoscaler } from './schema/autoscaling.js';
import { namespace, node } from './schema/cluster.js';
import { configMap, secret } from './schema/config.js';
import { controllerRevision } from './schema/controller-revision.js';
import { event } from './schema/event.js';
import { ingress } from './schema/ingress.js';
import { pod } from './schema/pod.js';
import { endpoints, service } from './schema/service.js';
import { clusterRole, clusterRoleBinding, role, roleBinding, serviceAccount } from './schema/rbac.js';
import { daemonSet, deployment, replicaSet } from './schema/workloads.js';

export interface ResourceType {
  /** API group; '' is the core group. */
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  schema: ZodType;
}

export const RESOURCES: readonly ResourceType[] = [
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], schema: pod },
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], schema: namespace },
  { group: '', version: 'v1', kind: 'Node', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'], schema: node },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'], schema: event },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'], schema: configMap },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', singular: 'secret', namespaced: true, shortNames: [], schema: secret },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], schema: service },
  { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], schema: endpoints },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], schema: deployment },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], schema: replicaSet },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', singular: 'daemonset', namespaced: true, shortNames: ['ds'], schema: daemonSet },
  { group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', singular: 'controllerrevision', namespaced: true, shortNames: [], schema: controllerRevision },
  { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler', namespaced: true, shortNames: ['hpa'], schema: horizontalPodAutoscaler },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'], schema: serviceAccount },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', singular: 'role', namespaced: true, shortNames: [], schema: role },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole', namespaced: false, shortNames: [], schema: clusterRole },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', singular: 'rolebinding', namespaced: true, shortNames: [], schema: roleBinding },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false, shortNames: [], schema: clusterRoleBinding },
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', singular: 'ingress', namespaced: true, shortNames: ['ing'], schema: ingress },
];

export function apiVersionOf(rt: ResourceType): string {
  return rt.group === '' ? rt.version : `${rt.group}/${rt.version}`;
}

/** "deployment.apps/nginx" style name used in kubectl's messages. */
export function qualifiedKind(rt: ResourceType): string {
  return rt.group === '' ? rt.singular : `${rt.singular}.${rt.group}`;
}

export function resourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCES.find((rt) => rt.kind === kind && apiVersionOf(rt) === apiVersion);
}

export function resourceByGroupPlural(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((rt) => rt.group === group && rt.version === version && rt.plural === plural);
}

/**
 * Resolves what a user types after `get` or `delete`: plural, singular, short name or kind,
 * optionally qualified by group ("deployments.apps"), case-insensitively as kubectl does.
 */
export function resolveResource(typed: string): ResourceType | undefined {
  const [name = '', ...qualifier] = typed.toLowerCase().split('.');
  // TYPE, TYPE.GROUP or TYPE.VERSION.GROUP (kubectl's `deployments.v1.apps`).
  const versioned = qualifier.length >= 2 && /^v\d+((alpha|beta)\d+)?$/.test(qualifier[0]!);
  const version = versioned ? qualifier[0] : undefined;
  const group = qualifier.length === 0 ? undefined : (versioned ? qualifier.slice(1) : qualifier).join('.');
  return RESOURCES.find(
    (rt) =>
      (group === undefined || rt.group === group) &&
      (version === undefined || rt.version === version) &&
      (rt.plural === name || rt.singular === name || rt.kind.toLowerCase() === name || rt.shortNames.includes(name)),
  );
}

/** REST path of a collection or object, following Kubernetes' layout. */
export function resourcePath(rt: ResourceType, namespace?: string, name?: string): string {
  const base = rt.group === '' ? `/api/${rt.version}` : `/apis/${rt.group}/${rt.version}`;
  const ns = rt.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name !== undefined ? `/${encodeURIComponent(name)}` : '';
  return `${base}${ns}/${rt.plural}${obj}`;
}

/** "pods", "deployments.apps": how Kubernetes names a resource in messages like `... not found`. */
export function groupResource(rt: ResourceType): string {
  return rt.group === '' ? rt.plural : `${rt.plural}.${rt.group}`;
}
