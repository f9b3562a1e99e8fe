/**
 * Privilege escalation prevention, as kube-apiserver's RBAC storage (pkg/registry/rbac: the
 * policybased Role, ClusterRole, RoleBinding and ClusterRoleBinding storages): whoever can write
 * roles or bindings could otherwise grant themselves anything. So a Role or ClusterRole may be
 * created or updated only by someone who already holds every permission in its rules (in that
 * namespace for a Role) or holds `escalate` on it; a RoleBinding or ClusterRoleBinding only by
 * someone who holds every permission of the referenced role (in the binding's namespace) or holds
 * `bind` on that role (resourceNames may name it). system:masters bypasses the check.
 *
 * The coverage maths (validation.Covers, CompactRules, CompactString) is pure and unit-tested;
 * `confirmNoEscalation` looks up the requester's rules and the referenced role and throws the
 * 403 with Kubernetes' exact wording.
 */
import { resolveResource } from '../../shared/api/resources.js';
import type { KubeObject } from '../../shared/api/object.js';
import { RBAC_GROUP, type PolicyRule, type RoleRef } from '../../shared/api/schema/rbac.js';
import { SkiffError } from '../../shared/errors.js';
import type { Store } from '../store/store.js';
import type { Decision } from './node-authorizer.js';
import type { RequestAttributes } from './request-attributes.js';
import { GROUP_MASTERS, type UserInfo } from './user.js';

/** The four kinds whose writes are checked, by plural in rbac.authorization.k8s.io. */
const ROLE_RESOURCES = new Set(['roles', 'clusterroles']);
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);

const list = (values: string[] | undefined): string[] => values ?? [];

/** validation.breakdownRule: one verb, one group, one resource, at most one name (or one URL and one verb) per rule. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const atoms: PolicyRule[] = [];
  for (const group of list(rule.apiGroups)) {
    for (const resource of list(rule.resources)) {
      for (const verb of list(rule.verbs)) {
        const names = list(rule.resourceNames);
        if (names.length === 0) atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        for (const name of names) atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
      }
    }
  }
  for (const url of list(rule.nonResourceURLs)) {
    for (const verb of list(rule.verbs)) atoms.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return atoms;
}

const hasAll = (owner: string[], wanted: string[]): boolean => wanted.every((value) => owner.includes(value));

/** validation.nonResourceURLCovers: an exact URL, or a prefix ending in "*". */
function urlCovers(owner: string, wanted: string): boolean {
  return owner === wanted || (owner.endsWith('*') && wanted.startsWith(owner.replace(/\*+$/, '')));
}

/**
 * validation.ruleCovers: does `owner` cover the atomic rule `atom`? "*" covers any verb, group or
 * resource; an owner rule limited to names covers only those names, never the unnamed rule.
 * As Kubernetes, "*" is taken literally here: "pods/*" in an owner rule covers only "pods/*".
 */
export function ruleCovers(owner: PolicyRule, atom: PolicyRule): boolean {
  const verbs = list(owner.verbs).includes('*') || hasAll(list(owner.verbs), list(atom.verbs));
  const groups = list(owner.apiGroups).includes('*') || hasAll(list(owner.apiGroups), list(atom.apiGroups));
  const resources = list(owner.resources).includes('*') || hasAll(list(owner.resources), list(atom.resources));
  const urls = list(atom.nonResourceURLs).every((wanted) => list(owner.nonResourceURLs).some((url) => urlCovers(url, wanted)));
  const ownerNames = list(owner.resourceNames);
  const names = ownerNames.length === 0 || (list(atom.resourceNames).length > 0 && hasAll(ownerNames, list(atom.resourceNames)));
  return verbs && groups && resources && urls && names;
}

/** validation.Covers: the atomic parts of `wanted` that no rule of `held` covers (empty when all are held). */
export function uncoveredRules(held: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdown).filter((atom) => !held.some((rule) => ruleCovers(rule, atom)));
}

/** validation.CompactRules: atoms of one group and one resource (no names, no URLs) merge their verbs. */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const others: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const isSimple = list(rule.resourceNames).length === 0 && list(rule.nonResourceURLs).length === 0 && list(rule.apiGroups).length === 1 && list(rule.resources).length === 1;
    if (!isSimple) {
      others.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups![0], rule.resources![0]]);
    const merged = simple.get(key);
    if (merged) merged.verbs = [...list(merged.verbs), ...list(rule.verbs)];
    else simple.set(key, { apiGroups: [...rule.apiGroups!], resources: [...rule.resources!], verbs: [...list(rule.verbs)] });
  }
  return [...others, ...simple.values()];
}

/** Go's %q of a []string: ["a" "b"]. */
const quotedList = (values: string[]): string => `[${values.map((value) => JSON.stringify(value)).join(' ')}]`;

/** rbacv1helpers.CompactString: {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}, empty fields left out. */
export function compactRuleString(rule: PolicyRule): string {
  const parts: string[] = [];
  const field = (name: string, values: string[] | undefined): void => {
    if (list(values).length > 0) parts.push(`${name}:${quotedList(list(values))}`);
  };
  field('APIGroups', rule.apiGroups);
  field('Resources', rule.resources);
  field('NonResourceURLs', rule.nonResourceURLs);
  field('ResourceNames', rule.resourceNames);
  field('Verbs', rule.verbs);
  return `{${parts.join(', ')}}`;
}

/** validation.ConfirmNoEscalation's message: the missing rules compacted, deduplicated and sorted, one a line. */
export function escalationMessage(user: UserInfo, missing: PolicyRule[]): string {
  const lines = [...new Set(compactRules(missing).map(compactRuleString))].sort();
  return `user ${JSON.stringify(user.username)} (groups=${quotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
}

/** What the check reads: the authorizer's decisions and rules, and the stored roles. */
export interface EscalationLookups {
  authorize(user: UserInfo, request: RequestAttributes): Promise<Decision>;
  /** Every rule that applies to `user` in `namespace` ('' for cluster-wide ones only). */
  rules(user: UserInfo, namespace: string): Promise<PolicyRule[]>;
  /** The stored Role (in `namespace`) or ClusterRole, else undefined. */
  getRole(kind: 'Role' | 'ClusterRole', namespace: string, name: string): Promise<KubeObject | undefined>;
}

/** The well-typed rules of an (unvalidated) body; schema validation reports the rest after this check. */
function rulesOf(value: unknown): PolicyRule[] {
  if (!Array.isArray(value)) return [];
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined);
  return value
    .filter((rule): rule is Record<string, unknown> => typeof rule === 'object' && rule !== null)
    .map((rule) => {
      const out: PolicyRule = {};
      for (const key of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const) {
        const values = strings(rule[key]);
        if (values) out[key] = values;
      }
      return out;
    });
}

function roleRefOf(value: unknown): RoleRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { apiGroup, kind, name } = value as Record<string, unknown>;
  if (typeof apiGroup !== 'string' || typeof kind !== 'string' || typeof name !== 'string') return undefined;
  return { apiGroup, kind, name };
}

/** Is `request` a create or update of a Role, ClusterRole, RoleBinding or ClusterRoleBinding? */
export function isRbacWrite(request: RequestAttributes): request is Extract<RequestAttributes, { kind: 'resource' }> {
  return (
    request.kind === 'resource' &&
    request.apiGroup === RBAC_GROUP &&
    request.subresource === '' &&
    (request.verb === 'create' || request.verb === 'update') &&
    (ROLE_RESOURCES.has(request.resource) || BINDING_RESOURCES.has(request.resource))
  );
}

/**
 * Throws SKIFF_ERR_FORBIDDEN (Kubernetes' "is attempting to grant RBAC permissions not currently
 * held") when `user` writing `body` by `request` would grant more than it holds, or
 * SKIFF_ERR_NOT_FOUND when a binding's role does not exist and nothing else allows the binding.
 * Any other request, and any member of system:masters, passes.
 */
export async function confirmNoEscalation(user: UserInfo, request: RequestAttributes, body: unknown, lookups: EscalationLookups): Promise<void> {
  if (!isRbacWrite(request) || user.groups.includes(GROUP_MASTERS)) return;
  const object = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const metadata = typeof object.metadata === 'object' && object.metadata !== null ? (object.metadata as Record<string, unknown>) : {};
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : request.name;
  const namespace = request.namespace;
  let wanted: PolicyRule[];
  if (ROLE_RESOURCES.has(request.resource)) {
    // RoleEscalationAuthorized: `escalate` on roles / clusterroles (by name when the URL has one).
    if ((await lookups.authorize(user, { ...request, verb: 'escalate' })).allowed) return;
    wanted = rulesOf(object.rules);
  } else {
    const roleRef = roleRefOf(object.roleRef);
    if (!roleRef || (roleRef.kind !== 'Role' && roleRef.kind !== 'ClusterRole')) return; // invalid: validation answers
    // BindingAuthorized: `bind` on the referenced role, checked in the binding's namespace.
    const bind: RequestAttributes = {
      kind: 'resource',
      verb: 'bind',
      apiGroup: roleRef.apiGroup,
      apiVersion: '*',
      resource: roleRef.kind === 'Role' ? 'roles' : 'clusterroles',
      subresource: '',
      namespace,
      name: roleRef.name,
    };
    if ((await lookups.authorize(user, bind)).allowed) return;
    const role = await lookups.getRole(roleRef.kind, namespace, roleRef.name);
    if (!role) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `${bind.resource}.${RBAC_GROUP} "${roleRef.name}" not found`);
    wanted = rulesOf((role as unknown as { rules?: unknown }).rules);
  }
  const missing = uncoveredRules(await lookups.rules(user, namespace), wanted);
  if (missing.length === 0) return;
  const target = `${request.resource}.${RBAC_GROUP}`;
  const subject = name ? `${target} "${name}"` : target;
  throw new SkiffError('SKIFF_ERR_FORBIDDEN', `${subject} is forbidden: ${escalationMessage(user, missing)}`);
}

const roleResource = resolveResource(`roles.${RBAC_GROUP}`)!;
const clusterRoleResource = resolveResource(`clusterroles.${RBAC_GROUP}`)!;

/** EscalationLookups over the hub's authorizer and store. */
export function escalationLookups(
  authorizer: Pick<EscalationLookups, 'authorize' | 'rules'>,
  store: Pick<Store, 'get'>,
): EscalationLookups {
  return {
    authorize: (user, request) => authorizer.authorize(user, request),
    rules: (user, namespace) => authorizer.rules(user, namespace),
    getRole: async (kind, namespace, name) => (kind === 'Role' ? store.get(roleResource, namespace, name) : store.get(clusterRoleResource, undefined, name)),
  };
}
