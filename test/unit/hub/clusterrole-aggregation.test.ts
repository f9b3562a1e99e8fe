/**
 * ClusterRole aggregation as kube-controller-manager's clusterrole-aggregation controller does it:
 * the pure maths (selector by selector, roles in name order, each rule once, own rules
 * overwritten), the built-in admin / edit / view gathered from system:aggregate-to-*, and the
 * controller on a real (SQLite) store following labelled ClusterRoles as they come, change and go.
 */
import t from 'tap';
import { controllerHarness, silentHubLogger as logger } from './controller-harness.js';
import { aggregateAll, aggregatedRules, aggregationUpdate } from '../../../hub/auth/clusterrole-aggregation.js';
import { BOOTSTRAP_CLUSTER_ROLES, ensureBootstrapPolicy } from '../../../hub/auth/bootstrap-policy.js';
import { ClusterRoleAggregationController } from '../../../hub/controllers/clusterrole-aggregation-controller.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { ClusterRole, PolicyRule } from '../../../shared/api/schema/rbac.js';

const RBAC = 'rbac.authorization.k8s.io';
const clusterRoles = resolveResource(`clusterroles.${RBAC}`)!;

const rule = (resource: string, verbs = ['get']): PolicyRule => ({ apiGroups: [''], resources: [resource], verbs });

function role(name: string, rules: PolicyRule[], options: { labels?: Record<string, string>; selectors?: NonNullable<ClusterRole['aggregationRule']>['clusterRoleSelectors'] } = {}): ClusterRole {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name, ...(options.labels ? { labels: options.labels } : {}) },
    ...(options.selectors ? { aggregationRule: { clusterRoleSelectors: options.selectors } } : {}),
    rules,
  };
}

t.test('rules are gathered selector by selector, matching roles in name order, each rule once', async (t) => {
  const monitoring = role('monitoring', [rule('pods'), rule('services')], { selectors: [{ matchLabels: { team: 'a' } }, { matchLabels: { extra: 'true' } }] });
  const all = [
    monitoring,
    role('b-second', [rule('services'), rule('endpoints')], { labels: { team: 'a' } }),
    role('a-first', [rule('configmaps'), rule('services')], { labels: { team: 'a' } }),
    role('extra', [rule('nodes'), rule('configmaps')], { labels: { extra: 'true', team: 'b' } }),
    role('other-team', [rule('secrets')], { labels: { team: 'b' } }),
  ];
  t.same(aggregatedRules(monitoring, all), { ok: true, rules: [rule('configmaps'), rule('services'), rule('endpoints'), rule('nodes')] }, 'own rules overwritten');
});

t.test('the aggregated role never gathers its own rules, and rules compare as Kubernetes Semantic.DeepEqual', async (t) => {
  const self = role('self', [rule('pods')], { labels: { x: 'y' }, selectors: [{ matchLabels: { x: 'y' } }] });
  const twin = role('twin', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [] }, rule('secrets')], { labels: { x: 'y' } });
  t.same(aggregatedRules(self, [self, twin]), { ok: true, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [] }] }, 'an empty list equals an absent one');
});

t.test('selectors: matchExpressions, an empty selector matches every role, no selectors gather nothing', async (t) => {
  const others = [role('a', [rule('pods')], { labels: { tier: 'x' } }), role('b', [rule('secrets')], { labels: { tier: 'y' } }), role('c', [rule('nodes')])];
  const byExpression = role('e', [], { selectors: [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['y'] }, { key: 'tier', operator: 'Exists' }] }] });
  t.same(aggregatedRules(byExpression, others), { ok: true, rules: [rule('pods')] });
  t.same(aggregatedRules(role('e', [], { selectors: [{}] }), others), { ok: true, rules: [rule('pods'), rule('secrets'), rule('nodes')] });
  t.same(aggregatedRules(role('e', [rule('pods')], { selectors: [] }), others), { ok: true, rules: [] }, 'an aggregationRule without selectors empties the role');
  t.same(aggregatedRules(role('e', [], { selectors: [{ matchExpressions: [{ key: 'tier', operator: 'Near' }] }] }), others), { ok: false, error: '"Near" is not a valid label selector operator' });
  t.same(aggregatedRules(role('e', [], { selectors: [{ matchExpressions: [{ key: 'tier', operator: 'In' }] }] }), others), { ok: false, error: "for 'in', 'notin' operators, values set can't be empty" });
});

t.test('an update is planned only for an aggregated role whose rules differ', async (t) => {
  const source = role('source', [rule('pods')], { labels: { x: 'y' } });
  t.equal(aggregationUpdate(role('plain', [rule('nodes')]), [source]), undefined, 'not aggregated');
  t.equal(aggregationUpdate(role('agg', [rule('pods')], { selectors: [{ matchLabels: { x: 'y' } }] }), [source]), undefined, 'already equal');
  t.same(aggregationUpdate(role('agg', [], { selectors: [{ matchLabels: { x: 'y' } }] }), [source]), { ok: true, rules: [rule('pods')] });
});

t.test('aggregateAll settles roles that aggregate aggregated roles', async (t) => {
  const settled = aggregateAll([
    role('top', [], { selectors: [{ matchLabels: { 'to-top': 'true' } }] }),
    role('middle', [], { labels: { 'to-top': 'true' }, selectors: [{ matchLabels: { 'to-middle': 'true' } }] }),
    role('leaf', [rule('pods')], { labels: { 'to-middle': 'true' } }),
    role('top-only', [rule('secrets')], { labels: { 'to-top': 'true' } }),
  ]);
  t.same(settled.find((r) => r.metadata.name === 'top')!.rules, [rule('pods'), rule('secrets')]);
  t.same(settled.find((r) => r.metadata.name === 'middle')!.rules, [rule('pods')]);
});

t.test('the built-in admin, edit and view are aggregated as in Kubernetes, and start converged', async (t) => {
  const named = (name: string): ClusterRole => BOOTSTRAP_CLUSTER_ROLES.find((r) => r.metadata.name === name)!;
  t.same(named('admin').aggregationRule, { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-admin`]: 'true' } }] });
  t.same(named('edit').aggregationRule, { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-edit`]: 'true' } }] });
  t.same(named('view').aggregationRule, { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-view`]: 'true' } }] });
  t.equal(named('edit').metadata.labels?.[`${RBAC}/aggregate-to-admin`], 'true', 'edit aggregates into admin');
  t.equal(named('view').metadata.labels?.[`${RBAC}/aggregate-to-edit`], 'true', 'view aggregates into edit');
  t.same(named('view').rules, named('system:aggregate-to-view').rules);
  const key = (r: PolicyRule): string => JSON.stringify(r);
  const rulesOf = (name: string): Set<string> => new Set(named(name).rules!.map(key));
  t.same(rulesOf('edit'), new Set([...rulesOf('system:aggregate-to-edit'), ...rulesOf('view')]));
  t.same(rulesOf('admin'), new Set([...rulesOf('system:aggregate-to-admin'), ...rulesOf('edit')]));
  for (const r of BOOTSTRAP_CLUSTER_ROLES) t.equal(aggregationUpdate(r, BOOTSTRAP_CLUSTER_ROLES), undefined, `${r.metadata.name}: nothing for the controller to change`);
});

t.test('the controller follows labelled ClusterRoles as they come, change and go', async (t) => {
  const h = controllerHarness(t, (store) => ({ controllers: [new ClusterRoleAggregationController(store, logger)] }));
  const put = (object: ClusterRole): Promise<KubeObject> => h.store.create(clusterRoles, object as unknown as KubeObject);
  const rulesOf = async (name: string): Promise<PolicyRule[] | undefined> => ((await h.store.get(clusterRoles, undefined, name)) as unknown as ClusterRole).rules;

  await put(role('monitoring', [rule('stale')], { selectors: [{ matchLabels: { 'example.com/aggregate-to-monitoring': 'true' } }] }));
  await h.settle();
  t.same(await rulesOf('monitoring'), [], 'own rules overwritten when nothing matches');

  const source = await put(role('pods-reader', [rule('pods', ['get', 'list'])], { labels: { 'example.com/aggregate-to-monitoring': 'true' } }));
  await put(role('unlabelled', [rule('secrets')]));
  await h.settle();
  t.same(await rulesOf('monitoring'), [rule('pods', ['get', 'list'])], 'a labelled role is gathered, an unlabelled one not');

  await h.store.update(clusterRoles, { ...source, rules: [rule('pods', ['get', 'list']), rule('services')] } as KubeObject);
  await h.settle();
  t.same(await rulesOf('monitoring'), [rule('pods', ['get', 'list']), rule('services')], 'a change of the source follows');

  await h.store.delete(clusterRoles, undefined, 'pods-reader');
  await h.settle();
  t.same(await rulesOf('monitoring'), [], 'a deleted source takes its rules away');
});

t.test('the controller leaves the converged built-ins as they are, and aggregates user roles into them', async (t) => {
  const h = controllerHarness(t, (store) => ({ controllers: [new ClusterRoleAggregationController(store, logger)] }));
  await ensureBootstrapPolicy(h.store);
  await h.settle();
  const before = await h.store.revision();
  await h.controllers[0]!.resync();
  await h.settle();
  t.equal(await h.store.revision(), before, 'no write, at creation or at resync');

  await h.store.create(clusterRoles, role('widgets-view', [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }], { labels: { [`${RBAC}/aggregate-to-view`]: 'true' } }) as unknown as KubeObject);
  await h.settle(); // view changes, which changes edit, which changes admin
  for (const name of ['view', 'edit', 'admin']) {
    const rules = ((await h.store.get(clusterRoles, undefined, name)) as unknown as ClusterRole).rules ?? [];
    t.ok(rules.some((r) => r.resources?.includes('widgets')), `${name} gained the widgets rule`);
  }
});
