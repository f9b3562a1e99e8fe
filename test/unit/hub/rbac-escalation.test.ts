import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Authorizer } from '../../../hub/auth/authorizer.js';
import { ensureBootstrapPolicy } from '../../../hub/auth/bootstrap-policy.js';
import {
  compactRules,
  compactRuleString,
  confirmNoEscalation,
  escalationLookups,
  escalationMessage,
  isOnlyMutatingGCFields,
  isRbacWrite,
  ruleCovers,
  uncoveredRules,
  type EscalationLookups,
} from '../../../hub/auth/escalation.js';
import { ruleAllows } from '../../../hub/auth/rbac.js';
import { requestAttributes, type RequestAttributes } from '../../../hub/auth/request-attributes.js';
import { ADMIN, serviceAccountUser, type UserInfo } from '../../../hub/auth/user.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { PolicyRule } from '../../../shared/api/schema/rbac.js';
import { isSkiffError } from '../../../shared/errors.js';

const RBAC = 'rbac.authorization.k8s.io';

function req(line: string): RequestAttributes {
  const [method, path] = line.split(' ');
  return requestAttributes(method!, new URL(path!, 'http://hub.invalid'));
}

const bob = serviceAccountUser('ns', 'bob', 'uid-bob');
const podsRead: PolicyRule = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] };
const everything: PolicyRule = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };

t.test('a held rule covers a wanted atomic rule as validation.ruleCovers', async (t) => {
  const table: Array<[string, PolicyRule, PolicyRule, boolean]> = [
    ['same verb, group, resource', podsRead, { apiGroups: [''], resources: ['pods'], verbs: ['get'] }, true],
    ['another verb', podsRead, { apiGroups: [''], resources: ['pods'], verbs: ['delete'] }, false],
    ['another group', podsRead, { apiGroups: ['apps'], resources: ['pods'], verbs: ['get'] }, false],
    ['another resource', podsRead, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }, false],
    ['a subresource is another resource', podsRead, { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }, false],
    ['"*" covers any verb, group and resource', everything, { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['escalate'] }, true],
    ['"*" covers a literal "*"', everything, { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, true],
    ['a named verb does not cover "*"', podsRead, { apiGroups: [''], resources: ['pods'], verbs: ['*'] }, false],
    ['an unnamed rule covers a named one', podsRead, { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['web'] }, true],
    ['a named rule covers that name', { ...podsRead, resourceNames: ['web'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['web'] }, true],
    ['a named rule does not cover another name', { ...podsRead, resourceNames: ['web'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['db'] }, false],
    ['a named rule does not cover every name', { ...podsRead, resourceNames: ['web'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get'] }, false],
    ['URL "*" covers any URL', { nonResourceURLs: ['*'], verbs: ['get'] }, { nonResourceURLs: ['/metrics'], verbs: ['get'] }, true],
    ['URL prefix covers what it starts', { nonResourceURLs: ['/api/*'], verbs: ['get'] }, { nonResourceURLs: ['/api/v1'], verbs: ['get'] }, true],
    ['URL prefix does not cover "*"', { nonResourceURLs: ['/api/*'], verbs: ['get'] }, { nonResourceURLs: ['*'], verbs: ['get'] }, false],
    ['exact URL only itself', { nonResourceURLs: ['/healthz'], verbs: ['get'] }, { nonResourceURLs: ['/metrics'], verbs: ['get'] }, false],
    ['a resource rule covers no URL', everything, { nonResourceURLs: ['/metrics'], verbs: ['get'] }, false],
  ];
  for (const [name, held, wanted, covers] of table) t.equal(ruleCovers(held, wanted), covers, name);
});

t.test('coverage agrees with the authorizer: a covered atom is a request the held rule allows', async (t) => {
  const held: PolicyRule[] = [podsRead, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'], resourceNames: ['web'] }];
  const atoms: PolicyRule[] = [
    { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['x'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['update'], resourceNames: ['web'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['update'], resourceNames: ['db'] },
  ];
  for (const atom of atoms) {
    const request: RequestAttributes = {
      kind: 'resource',
      verb: atom.verbs![0]!,
      apiGroup: atom.apiGroups![0]!,
      apiVersion: 'v1',
      resource: atom.resources![0]!,
      subresource: '',
      namespace: 'ns',
      name: atom.resourceNames![0]!,
    };
    t.equal(uncoveredRules(held, [atom]).length === 0, held.some((rule) => ruleAllows(rule, request)), compactRuleString(atom));
  }
});

t.test('uncovered rules are the atomic parts nothing held covers', async (t) => {
  t.same(uncoveredRules([everything], [podsRead, { nonResourceURLs: ['/metrics'], verbs: ['get'] }]), [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  t.same(uncoveredRules([podsRead], [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'delete'] }]), [
    { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['delete'] },
  ]);
  t.same(uncoveredRules([podsRead], [{ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['a', 'b'] }]), [], 'every name of a held rule');
  t.same(uncoveredRules([], []), [], 'an empty role grants nothing');
  t.same(uncoveredRules([], [{ apiGroups: [''], resources: ['pods'], verbs: [] }]), [], 'a rule without verbs grants nothing');
});

t.test('the missing rules print as Kubernetes CompactString, merged by group and resource', async (t) => {
  t.equal(compactRuleString({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }), '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
  t.equal(compactRuleString({ nonResourceURLs: ['*'], verbs: ['*'] }), '{NonResourceURLs:["*"], Verbs:["*"]}');
  t.equal(compactRuleString({ apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['get', 'update'] }), '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["web"], Verbs:["get" "update"]}');
  t.same(
    compactRules([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['web'] },
    ]),
    [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['web'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] },
    ],
  );
  t.equal(
    escalationMessage(bob, uncoveredRules([], [{ apiGroups: [''], resources: ['secrets', 'pods'], verbs: ['get', 'list'] }, { nonResourceURLs: ['/metrics'], verbs: ['get'] }])),
    'user "system:serviceaccount:ns:bob" (groups=["system:serviceaccounts" "system:serviceaccounts:ns" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}\n' +
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}\n' +
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
  );
});

t.test('only creates and updates of the four RBAC kinds are checked', async (t) => {
  const table: Array<[string, boolean]> = [
    [`POST /apis/${RBAC}/v1/namespaces/ns/roles`, true],
    [`PUT /apis/${RBAC}/v1/namespaces/ns/rolebindings/x`, true],
    [`POST /apis/${RBAC}/v1/clusterroles`, true],
    [`PUT /apis/${RBAC}/v1/clusterrolebindings/x`, true],
    [`DELETE /apis/${RBAC}/v1/clusterrolebindings/x`, false],
    [`GET /apis/${RBAC}/v1/namespaces/ns/roles`, false],
    ['POST /api/v1/namespaces/ns/pods', false],
    ['POST /apis/other.io/v1/namespaces/ns/roles', false],
  ];
  for (const [line, checked] of table) t.equal(isRbacWrite(req(line)), checked, line);
});

/**
 * Lookups over a fixed policy: `held` rules in every namespace, `allowed` requests ("bind
 * clusterroles/x@ns"), the `roles` bindings refer to, and the `stored` objects updates replace
 * ("rolebindings/x").
 */
function fakeLookups(held: PolicyRule[], allowed: string[] = [], roles: Record<string, PolicyRule[]> = {}, stored: Record<string, object> = {}): EscalationLookups & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    authorize: async (_user, request) => {
      const key = request.kind === 'resource' ? `${request.verb} ${request.resource}/${request.name}@${request.namespace}` : request.path;
      asked.push(key);
      return { allowed: allowed.includes(key), reason: '' };
    },
    rules: async () => held,
    getRole: async (kind, namespace, name) => {
      const rules = roles[`${kind}/${name}`];
      return rules ? ({ apiVersion: `${RBAC}/v1`, kind, metadata: { name, ...(kind === 'Role' ? { namespace } : {}) }, rules } as unknown as KubeObject) : undefined;
    },
    getStored: async (resource, _namespace, name) => {
      asked.push(`stored ${resource}/${name}`);
      return stored[`${resource}/${name}`] as KubeObject | undefined;
    },
  };
}

/** The SkiffError the check threw, or code "none" when it let the write through. */
async function refusal(promise: Promise<void>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isSkiffError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  return { code: 'none', message: '' };
}

const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleKind: string, role: string): object => ({
  apiVersion: `${RBAC}/v1`,
  kind,
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: role },
  subjects: [{ kind: 'ServiceAccount', name: 'bob', namespace: 'ns' }],
});
const roleBody = (name: string, rules: PolicyRule[]): object => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name }, rules });
const secretsGet: PolicyRule = { apiGroups: [''], resources: ['secrets'], verbs: ['get'] };
const expectedGroups = 'groups=["system:serviceaccounts" "system:serviceaccounts:ns" "system:authenticated"]';

t.test('a binding grants only what its author holds, unless the author may bind that role', async (t) => {
  const createBinding = req(`POST /apis/${RBAC}/v1/namespaces/ns/rolebindings`);
  const lookups = fakeLookups([podsRead], [], { 'ClusterRole/secret-reader': [secretsGet], 'ClusterRole/pod-reader': [podsRead] });
  const refused = await refusal(confirmNoEscalation(bob, createBinding, binding('RoleBinding', 'x', 'ClusterRole', 'secret-reader'), lookups));
  t.same(refused, {
    code: 'SKIFF_ERR_FORBIDDEN',
    message: `rolebindings.${RBAC} "x" is forbidden: user "system:serviceaccount:ns:bob" (${expectedGroups}) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`,
  });
  t.ok(lookups.asked.includes('bind clusterroles/secret-reader@ns'), 'asked for bind on the role, in the binding namespace');
  await confirmNoEscalation(bob, createBinding, binding('RoleBinding', 'y', 'ClusterRole', 'pod-reader'), lookups);
  t.pass('binding a role whose rules are all held is allowed');

  const mayBind = fakeLookups([], ['bind clusterroles/secret-reader@ns'], {});
  await confirmNoEscalation(bob, createBinding, binding('RoleBinding', 'x', 'ClusterRole', 'secret-reader'), mayBind);
  t.pass('bind on the role by name allows it without looking the role up');

  const missingRole = await refusal(confirmNoEscalation(bob, createBinding, binding('RoleBinding', 'x', 'Role', 'nope'), lookups));
  t.same(missingRole, { code: 'SKIFF_ERR_NOT_FOUND', message: `roles.${RBAC} "nope" not found` });

  const crb = await refusal(confirmNoEscalation(bob, req(`PUT /apis/${RBAC}/v1/clusterrolebindings/z`), binding('ClusterRoleBinding', 'z', 'ClusterRole', 'secret-reader'), lookups));
  t.match(crb.message, /^clusterrolebindings\.rbac\.authorization\.k8s\.io "z" is forbidden: user /);
  t.ok(lookups.asked.includes('bind clusterroles/secret-reader@'), 'a ClusterRoleBinding asks for bind at the cluster scope');
});

t.test('a role grants only what its author holds, unless the author may escalate', async (t) => {
  const createRole = req(`POST /apis/${RBAC}/v1/namespaces/ns/roles`);
  const lookups = fakeLookups([podsRead]);
  await confirmNoEscalation(bob, createRole, roleBody('r', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]), lookups);
  const refused = await refusal(confirmNoEscalation(bob, createRole, roleBody('r', [podsRead, secretsGet]), lookups));
  t.equal(refused.code, 'SKIFF_ERR_FORBIDDEN');
  t.match(refused.message, /^roles\.rbac\.authorization\.k8s\.io "r" is forbidden: .*\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}$/);
  t.ok(lookups.asked.includes('escalate roles/@ns'), 'asked for escalate on roles in the namespace');
  await confirmNoEscalation(bob, createRole, roleBody('r', [everything]), fakeLookups([], ['escalate roles/@ns']));
  t.pass('escalate allows any rules');
});

t.test('masters and other requests are not checked', async (t) => {
  const lookups = fakeLookups([]);
  await confirmNoEscalation(ADMIN, req(`POST /apis/${RBAC}/v1/clusterroles`), { kind: 'ClusterRole', metadata: { name: 'x' }, rules: [everything] }, lookups);
  await confirmNoEscalation(bob, req('POST /api/v1/namespaces/ns/secrets'), { kind: 'Secret' }, lookups);
  t.same(lookups.asked, [], 'nothing looked up');
  await confirmNoEscalation(bob, req(`POST /apis/${RBAC}/v1/namespaces/ns/rolebindings`), { kind: 'RoleBinding', metadata: { name: 'x' } }, lookups);
  t.pass('a binding without a roleRef is left to validation');
});

t.test('on a real store: a namespace admin binds view, not cluster-admin, until granted bind on it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-escalation-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(() => store.close());
  await ensureBootstrapPolicy(store);
  const rolebindings = resolveResource(`rolebindings.${RBAC}`)!;
  const clusterroles = resolveResource(`clusterroles.${RBAC}`)!;
  const inNs = (object: object): KubeObject => {
    const o = object as KubeObject;
    return { ...o, metadata: { ...o.metadata, namespace: 'ns' } };
  };
  await store.create(rolebindings, inNs(binding('RoleBinding', 'bob-admin', 'ClusterRole', 'admin')));
  const lookups = escalationLookups(new Authorizer(store), store);
  const createBinding = req(`POST /apis/${RBAC}/v1/namespaces/ns/rolebindings`);
  const user: UserInfo = bob;
  t.equal(
    (await refusal(confirmNoEscalation(user, createBinding, binding('RoleBinding', 'y', 'ClusterRole', 'view'), lookups))).code,
    'none',
    'admin covers view',
  );
  const refused = await refusal(confirmNoEscalation(user, createBinding, binding('RoleBinding', 'x', 'ClusterRole', 'cluster-admin'), lookups));
  t.equal(refused.code, 'SKIFF_ERR_FORBIDDEN');
  t.match(refused.message, 'is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}');
  await store.create(clusterroles, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'bind-cluster-admin' }, rules: [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] }] } as unknown as KubeObject);
  await store.create(rolebindings, inNs(binding('RoleBinding', 'bob-bind', 'ClusterRole', 'bind-cluster-admin')));
  await confirmNoEscalation(user, createBinding, binding('RoleBinding', 'x', 'ClusterRole', 'cluster-admin'), lookups);
  t.pass('bind on clusterrole cluster-admin by name allows binding it');
});

t.test('the route decides what is checked, whatever kind the body claims', async (t) => {
  const lookups = fakeLookups([podsRead], [], { 'ClusterRole/secret-reader': [secretsGet] });
  const createRole = req(`POST /apis/${RBAC}/v1/namespaces/ns/roles`);
  for (const body of [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'r' }, rules: [secretsGet] },
    { metadata: { name: 'r' }, rules: [secretsGet] },
  ]) {
    const refused = await refusal(confirmNoEscalation(bob, createRole, body, lookups));
    t.equal(refused.code, 'SKIFF_ERR_FORBIDDEN', `kind ${JSON.stringify(body.kind)} on the roles route`);
    t.match(refused.message, /^roles\.rbac\.authorization\.k8s\.io "r" is forbidden: .*\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}$/);
  }
  const lyingBinding = { ...binding('RoleBinding', 'x', 'ClusterRole', 'secret-reader'), kind: 'ConfigMap' };
  t.equal((await refusal(confirmNoEscalation(bob, req(`POST /apis/${RBAC}/v1/namespaces/ns/rolebindings`), lyingBinding, lookups))).code, 'SKIFF_ERR_FORBIDDEN', 'a binding calling itself a ConfigMap');
  const clusterRole = { kind: 'Role', metadata: { name: 'c' }, rules: [secretsGet] };
  t.equal((await refusal(confirmNoEscalation(bob, req(`PUT /apis/${RBAC}/v1/clusterroles/c`), clusterRole, lookups))).code, 'SKIFF_ERR_FORBIDDEN', 'a ClusterRole calling itself a Role');
});

/** A stored binding as the store returns it: server metadata filled in. */
const storedBinding = (name: string, role: string, metadata: object = {}): object => {
  const body = binding('RoleBinding', name, 'ClusterRole', role) as { metadata: object };
  return { ...body, metadata: { ...body.metadata, namespace: 'ns', uid: 'u-1', resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1, ...metadata } };
};

t.test('only the garbage collector\'s fields changing is IsOnlyMutatingGCFields', async (t) => {
  const stored = storedBinding('x', 'view', { labels: { a: '1' } }) as { metadata: Record<string, unknown> };
  const table: Array<[string, object, boolean]> = [
    ['the stored object itself', stored, true],
    ['server-managed metadata left out of the body', { ...stored, metadata: { name: 'x', labels: { a: '1' } } }, true],
    ['finalizers and ownerReferences added', { ...stored, metadata: { ...stored.metadata, finalizers: ['f'], ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u' }] } }, true],
    ['an empty map for an absent one (Semantic.DeepEqual)', { ...stored, metadata: { ...stored.metadata, annotations: {} } }, true],
    ['a label changed', { ...stored, metadata: { ...stored.metadata, labels: { a: '2' } } }, false],
    ['an annotation added', { ...stored, metadata: { ...stored.metadata, annotations: { note: 'x' } } }, false],
    ['the subjects changed', { ...stored, subjects: [] }, false],
  ];
  for (const [name, body, only] of table) t.equal(isOnlyMutatingGCFields(body, stored), only, name);
  t.notOk(isOnlyMutatingGCFields({ ...stored, rules: [secretsGet] }, { ...stored, rules: [podsRead] }), 'rules changed');
});

t.test('updates are checked again unless only the garbage collector\'s fields change (Kubernetes policybased storage)', async (t) => {
  const update = req(`PUT /apis/${RBAC}/v1/namespaces/ns/rolebindings/x`);
  const stored = storedBinding('x', 'secret-reader') as { metadata: Record<string, unknown> };
  const lookups = fakeLookups([podsRead], [], { 'ClusterRole/secret-reader': [secretsGet] }, { 'rolebindings/x': stored });
  const finalizer = { ...stored, metadata: { ...stored.metadata, finalizers: ['example.com/keep'] } };
  t.equal((await refusal(confirmNoEscalation(bob, update, finalizer, lookups))).code, 'none', 'a finalizer added to a binding of a role not held');
  t.notOk(lookups.asked.some((asked) => asked.startsWith('bind ')), 'without asking for bind');
  const relabelled = { ...stored, metadata: { ...stored.metadata, labels: { team: 'a' } } };
  t.equal((await refusal(confirmNoEscalation(bob, update, relabelled, lookups))).code, 'SKIFF_ERR_FORBIDDEN', 'a label change is checked in full, as in Kubernetes');
  const mayBind = fakeLookups([], ['bind clusterroles/secret-reader@ns'], {}, { 'rolebindings/x': stored });
  t.equal((await refusal(confirmNoEscalation(bob, update, relabelled, mayBind))).code, 'none', 'and passes for whoever may bind the role');
  const missing = fakeLookups([podsRead], [], { 'ClusterRole/secret-reader': [secretsGet] });
  t.equal((await refusal(confirmNoEscalation(bob, update, finalizer, missing))).code, 'SKIFF_ERR_FORBIDDEN', 'nothing stored: checked as a create');

  const roleUpdate = req(`PUT /apis/${RBAC}/v1/namespaces/ns/roles/r`);
  const storedRole = { ...(roleBody('r', [secretsGet]) as object), metadata: { name: 'r', namespace: 'ns', uid: 'u-2', resourceVersion: '3' } } as { metadata: Record<string, unknown> };
  const roleLookups = fakeLookups([podsRead], [], {}, { 'roles/r': storedRole });
  const owned = { ...storedRole, metadata: { ...storedRole.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u' }] } };
  t.equal((await refusal(confirmNoEscalation(bob, roleUpdate, owned, roleLookups))).code, 'none', 'an owner reference added to a Role with rules not held');
  t.ok(roleLookups.asked.includes('escalate roles/r@ns'), 'escalate is asked first, as RoleEscalationAuthorized');
  const annotated = { ...storedRole, metadata: { ...storedRole.metadata, annotations: { note: 'x' } } };
  t.equal((await refusal(confirmNoEscalation(bob, roleUpdate, annotated, roleLookups))).code, 'SKIFF_ERR_FORBIDDEN', 'an annotation change with the same rules is checked in full');
});

t.test('an aggregationRule takes full authority, to set it and to change or drop it', async (t) => {
  const aggregating = { kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] }, rules: [podsRead] };
  const create = req(`POST /apis/${RBAC}/v1/clusterroles`);
  const refused = await refusal(confirmNoEscalation(bob, create, aggregating, fakeLookups([podsRead, everything])));
  t.same(refused, { code: 'SKIFF_ERR_FORBIDDEN', message: `clusterroles.${RBAC} "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule` }, 'all resources but no URLs is not enough');
  const fullAuthority = [everything, { nonResourceURLs: ['*'], verbs: ['*'] }];
  t.equal((await refusal(confirmNoEscalation(bob, create, aggregating, fakeLookups(fullAuthority)))).code, 'none', 'full authority may');
  t.equal((await refusal(confirmNoEscalation(bob, create, aggregating, fakeLookups([], ['escalate clusterroles/@'])))).code, 'none', 'escalate on clusterroles skips every check');
  const emptySelectors = { ...aggregating, aggregationRule: { clusterRoleSelectors: [] } };
  t.equal((await refusal(confirmNoEscalation(bob, create, emptySelectors, fakeLookups([podsRead])))).code, 'none', 'no selectors is no aggregation');
  const stored = { ...aggregating, metadata: { name: 'agg', uid: 'u', resourceVersion: '1' } };
  const dropped = { kind: 'ClusterRole', metadata: { name: 'agg' }, rules: [podsRead] };
  const update = req(`PUT /apis/${RBAC}/v1/clusterroles/agg`);
  t.equal((await refusal(confirmNoEscalation(bob, update, dropped, fakeLookups([podsRead], [], {}, { 'clusterroles/agg': stored })))).code, 'SKIFF_ERR_FORBIDDEN', 'dropping it stops the role tightening: also full authority');
});
