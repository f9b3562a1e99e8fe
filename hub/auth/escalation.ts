/**
 * Privilege escalation prevention, as kube-apiserver's RBAC storage (pkg/registry/rbac: the
 * policybased Role, ClusterRole, RoleBinding and ClusterRoleBinding storages): whoever can write
 * roles or bindings could otherwise grant themselves anything. So a Role or ClusterRole may be
 * created or updated only by someone who already holds every permission in its rules (in that
 * namespace for a Role) or holds `escalate` on it; a RoleBinding or ClusterRoleBinding only by
 * someone who holds every permission of the referenced role (in the binding's namespace) or holds
 * `bind` on that role (resourceNames may name it). system:masters bypasses the check.
 *
 * What is checked is decided by the route (the resource of the URL), never by the body's `kind`,
 * so a body cannot talk its way past the check. As Kubernetes, an update that changes only the
 * fields the garbage collector writes (ownerReferences, finalizers) is not checked, and every
 * other update is checked again in full, labels-only ones included (IsOnlyMutatingGCFields). A
 * ClusterRole with an aggregationRule (new or old) needs full authority, since it can gather
 * any rule.
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
import { semanticallyEqual } from './semantic-equal.js';
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
  /** The stored object an update replaces: `resource` is one of the four RBAC plurals. Else undefined. */
  getStored(resource: string, namespace: string, name: string): Promise<KubeObject | undefined>;
}

/** validation's fullAuthority: what setting an aggregationRule takes, since it can gather anything. */
const FULL_AUTHORITY: PolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['*'], verbs: ['*'] },
];

/** Metadata the garbage collector writes (and selfLink / managedFields, which no user sets). */
const GC_FIELDS = ['ownerReferences', 'finalizers', 'selfLink', 'managedFields'] as const;
/** Metadata a PUT cannot change (resource-handlers keeps the stored values), so a body may leave it out. */
const SERVER_FIELDS = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'namespace', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

const asRecord = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/**
 * rbacregistry.IsOnlyMutatingGCFields: is `next` (a PUT body) the `stored` object but for the
 * fields the garbage collector writes? Server-managed metadata is taken from `stored` before the
 * comparison, since the update cannot change it either.
 */
export function isOnlyMutatingGCFields(next: unknown, stored: unknown): boolean {
  const before = asRecord(stored);
  const after = asRecord(next);
  const storedMeta = asRecord(before.metadata);
  const metadata: Record<string, unknown> = { ...asRecord(after.metadata) };
  for (const field of [...GC_FIELDS, ...SERVER_FIELDS]) {
    if (field in storedMeta) metadata[field] = storedMeta[field];
    else delete metadata[field];
  }
  return semanticallyEqual({ ...after, metadata }, before);
}

/** clusterrole policybased hasAggregationRule: at least one selector. */
function hasAggregationRule(object: unknown): boolean {
  const rule = asRecord(asRecord(object).aggregationRule);
  return Array.isArray(rule.clusterRoleSelectors) && rule.clusterRoleSelectors.length > 0;
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
 * held", or "must have cluster-admin privileges to use the aggregationRule") when `user` writing
 * `body` by `request` would grant more than it holds, or SKIFF_ERR_NOT_FOUND when a binding's role
 * does not exist and nothing else allows the binding. The kind of object checked is the route's
 * (`request.resource`), whatever the body says. Any other request, and any member of
 * system:masters, passes.
 */
export async function confirmNoEscalation(user: UserInfo, request: RequestAttributes, body: unknown, lookups: EscalationLookups): Promise<void> {
  if (!isRbacWrite(request) || user.groups.includes(GROUP_MASTERS)) return;
  const object = asRecord(body);
  const metadata = asRecord(object.metadata);
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : request.name;
  const namespace = request.namespace;
  const target = `${request.resource}.${RBAC_GROUP}`;
  const forbidden = (reason: string): SkiffError => new SkiffError('SKIFF_ERR_FORBIDDEN', `${name ? `${target} "${name}"` : target} is forbidden: ${reason}`);
  const isRole = ROLE_RESOURCES.has(request.resource);
  // RoleEscalationAuthorized: `escalate` on roles / clusterroles (by name when the URL has one) skips every check.
  if (isRole && (await lookups.authorize(user, { ...request, verb: 'escalate' })).allowed) return;
  // The policybased storages' Update: a change of the GC's fields only (or none) grants nothing new.
  const stored = request.verb === 'update' && request.name !== '' ? await lookups.getStored(request.resource, namespace, request.name) : undefined;
  if (stored && isOnlyMutatingGCFields(body, stored)) return;
  let wanted: PolicyRule[];
  if (isRole) {
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
  const held = await lookups.rules(user, namespace);
  const missing = uncoveredRules(held, wanted);
  if (missing.length > 0) throw forbidden(escalationMessage(user, missing));
  // An aggregationRule can gather any rule (and, removed, stops a role tightening): only full authority sets or changes one.
  if (request.resource === 'clusterroles' && (hasAggregationRule(object) || hasAggregationRule(stored)) && uncoveredRules(held, FULL_AUTHORITY).length > 0) {
    throw forbidden('must have cluster-admin privileges to use the aggregationRule');
  }
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
    getStored: async (resource, namespace, name) => {
      const type = resolveResource(`${resource}.${RBAC_GROUP}`);
      return type ? store.get(type, type.namespaced ? namespace : undefined, name) : undefined;
    },
  };
}
