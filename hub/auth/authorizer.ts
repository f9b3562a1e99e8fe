/**
 * The hub's authorizer, in kube-apiserver's order (--authorization-mode=Node,RBAC plus the
 * system:masters short cut): members of system:masters may do anything; nodes are decided by the
 * Node authorizer alone (RBAC grants them nothing here); everyone else by RBAC over the
 * ClusterRoleBindings and the RoleBindings of the request's namespace, read from the store on
 * each request (a few rows of a local SQLite file).
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../shared/api/schema/rbac.js';
import type { Store } from '../store/store.js';
import { nodeAuthorize, type Decision } from './node-authorizer.js';
import { rbacAllows, rulesFor, type RbacPolicy } from './rbac.js';
import type { RequestAttributes } from './request-attributes.js';
import { GROUP_MASTERS, nodeNameOf, type UserInfo } from './user.js';
import type { PolicyRule } from '../../shared/api/schema/rbac.js';

const pods = resolveResource('pods')!;
const roles = resolveResource('roles.rbac.authorization.k8s.io')!;
const clusterRoles = resolveResource('clusterroles.rbac.authorization.k8s.io')!;
const roleBindings = resolveResource('rolebindings.rbac.authorization.k8s.io')!;
const clusterRoleBindings = resolveResource('clusterrolebindings.rbac.authorization.k8s.io')!;

export type { Decision };

export class Authorizer {
  constructor(private readonly store: Store) {}

  async authorize(user: UserInfo, request: RequestAttributes): Promise<Decision> {
    if (user.groups.includes(GROUP_MASTERS)) return { allowed: true, reason: '' };
    const node = nodeNameOf(user);
    if (node !== undefined) return nodeAuthorize(node, request, await this.podsBoundTo(node, request));
    return { allowed: rbacAllows(user, request, await this.policy(request.kind === 'resource' ? request.namespace : '')), reason: '' };
  }

  /** Every RBAC rule that applies to `user` in `namespace` ('' for cluster-wide ones only). */
  async rules(user: UserInfo, namespace: string): Promise<PolicyRule[]> {
    if (user.groups.includes(GROUP_MASTERS)) return [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }];
    return rulesFor(user, namespace, await this.policy(namespace));
  }

  private async policy(namespace: string): Promise<RbacPolicy> {
    const [cr, crb, r, rb] = await Promise.all([
      this.store.list(clusterRoles),
      this.store.list(clusterRoleBindings),
      namespace ? this.store.list(roles, namespace) : Promise.resolve([]),
      namespace ? this.store.list(roleBindings, namespace) : Promise.resolve([]),
    ]);
    return {
      clusterRoles: cr as unknown as ClusterRole[],
      clusterRoleBindings: crb as unknown as ClusterRoleBinding[],
      roles: r as unknown as Role[],
      roleBindings: rb as unknown as RoleBinding[],
    };
  }

  /** The node's Pods in the request's namespace, when the decision depends on them. */
  private async podsBoundTo(node: string, request: RequestAttributes): Promise<KubeObject[]> {
    if (request.kind !== 'resource' || !['pods', 'configmaps', 'secrets'].includes(request.resource) || request.namespace === '') return [];
    const inNamespace = await this.store.list(pods, request.namespace);
    return inNamespace.filter((pod) => (pod.spec as { nodeName?: string } | undefined)?.nodeName === node);
  }
}
