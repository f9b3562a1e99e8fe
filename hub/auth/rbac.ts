/**
 * RBAC evaluation, as Kubernetes' plugin/pkg/auth/authorizer/rbac: a request is allowed when any
 * rule of any role bound to the user allows it. ClusterRoleBindings grant their ClusterRole
 * everywhere; a RoleBinding grants its Role, or a ClusterRole, in its own namespace only. There
 * are no deny rules. Pure: the policy objects come in as arguments.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from '../../shared/api/schema/rbac.js';
import type { RequestAttributes } from './request-attributes.js';
import { serviceAccountUsername, type UserInfo } from './user.js';

export interface RbacPolicy {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
  /** Roles and RoleBindings of the request's namespace (none for a cluster-scoped request). */
  roles: Role[];
  roleBindings: RoleBinding[];
}

const has = (list: string[] | undefined, value: string): boolean => (list ?? []).some((item) => item === '*' || item === value);

/** rbac.RuleAllows: verb, group, resource (or "*" slash subresource: that subresource of any resource), name or URL. */
export function ruleAllows(rule: PolicyRule, request: RequestAttributes): boolean {
  if (!has(rule.verbs, request.verb)) return false;
  if (request.kind === 'non-resource') {
    return (rule.nonResourceURLs ?? []).some((url) => url === '*' || url === request.path || (url.endsWith('*') && request.path.startsWith(url.slice(0, -1))));
  }
  if (!has(rule.apiGroups, request.apiGroup)) return false;
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  const resourceMatches = (rule.resources ?? []).some(
    (resource) => resource === '*' || resource === combined || (request.subresource !== '' && resource === `*/${request.subresource}`),
  );
  if (!resourceMatches) return false;
  return (rule.resourceNames ?? []).length === 0 || (rule.resourceNames ?? []).includes(request.name);
}

/** rbac appliesToUser; a ServiceAccount subject without a namespace means the binding's namespace. */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== '' && serviceAccountUsername(namespace, subject.name) === user.username;
    }
    default:
      return false;
  }
}

/** Every rule that applies to `user` for a request in `namespace` ('' for cluster scope). */
export function rulesFor(user: UserInfo, namespace: string, policy: RbacPolicy): PolicyRule[] {
  const clusterRole = (name: string): ClusterRole | undefined => policy.clusterRoles.find((r) => r.metadata.name === name);
  const rules: PolicyRule[] = [];
  for (const binding of policy.clusterRoleBindings) {
    if (binding.roleRef.kind !== 'ClusterRole') continue;
    if (!(binding.subjects ?? []).some((s) => subjectMatches(s, user, ''))) continue;
    rules.push(...(clusterRole(binding.roleRef.name)?.rules ?? []));
  }
  if (namespace === '') return rules;
  for (const binding of policy.roleBindings) {
    if (binding.metadata.namespace !== namespace) continue;
    if (!(binding.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) continue;
    const role =
      binding.roleRef.kind === 'ClusterRole'
        ? clusterRole(binding.roleRef.name)
        : policy.roles.find((r) => r.metadata.name === binding.roleRef.name && r.metadata.namespace === namespace);
    rules.push(...(role?.rules ?? []));
  }
  return rules;
}

export function rbacAllows(user: UserInfo, request: RequestAttributes, policy: RbacPolicy): boolean {
  const namespace = request.kind === 'resource' ? request.namespace : '';
  return rulesFor(user, namespace, policy).some((rule) => ruleAllows(rule, request));
}
