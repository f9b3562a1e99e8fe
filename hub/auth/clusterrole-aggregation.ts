/**
 * ClusterRole aggregation, as kube-controller-manager's clusterrole-aggregation controller
 * (pkg/controller/clusterroleaggregation): a ClusterRole with an `aggregationRule` has, as its
 * rules, the rules of every other ClusterRole whose labels match any of its clusterRoleSelectors:
 * selector by selector, matching roles in name order, each rule once (the first time it is seen).
 * Its own rules are overwritten. Pure: the controller (hub/controllers/clusterrole-aggregation-
 * controller.ts) writes what this computes, and the built-in admin / edit / view
 * (bootstrap-policy.ts) start with it filled in.
 */
import { selectorMatches, type LabelSelector, type SelectorOperator } from '../../shared/api/labels.js';
import type { ClusterRole, PolicyRule } from '../../shared/api/schema/rbac.js';
import { semanticallyEqual } from './semantic-equal.js';

const OPERATORS: readonly string[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

type Selector = NonNullable<NonNullable<ClusterRole['aggregationRule']>['clusterRoleSelectors']>[number];

export type AggregationResult = { ok: true; rules: PolicyRule[] } | { ok: false; error: string };

/** Is `role` aggregated (an aggregationRule, even one without selectors, as Kubernetes)? */
export function isAggregated(role: Pick<ClusterRole, 'aggregationRule'>): boolean {
  return role.aggregationRule !== undefined && role.aggregationRule !== null;
}

/** metav1.LabelSelectorAsSelector: the selector, or the reason it is not one. */
function asLabelSelector(selector: Selector): LabelSelector | string {
  for (const requirement of selector.matchExpressions ?? []) {
    if (!OPERATORS.includes(requirement.operator)) return `${JSON.stringify(requirement.operator)} is not a valid label selector operator`;
    const values = requirement.values ?? [];
    const setBased = requirement.operator === 'In' || requirement.operator === 'NotIn';
    if (setBased && values.length === 0) return `for 'in', 'notin' operators, values set can't be empty`;
    if (!setBased && values.length > 0) return `values set must be empty for exists and does not exist`;
  }
  return {
    ...(selector.matchLabels ? { matchLabels: selector.matchLabels } : {}),
    matchExpressions: (selector.matchExpressions ?? []).map((r) => ({ key: r.key, operator: r.operator as SelectorOperator, ...(r.values ? { values: r.values } : {}) })),
  };
}

const byName = (a: ClusterRole, b: ClusterRole): number => {
  const [x, y] = [a.metadata.name ?? '', b.metadata.name ?? ''];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The rules `role` aggregates from `clusterRoles` (every ClusterRole, `role` itself may be among them). */
export function aggregatedRules(role: ClusterRole, clusterRoles: readonly ClusterRole[]): AggregationResult {
  const rules: PolicyRule[] = [];
  for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const labelSelector = asLabelSelector(selector);
    if (typeof labelSelector === 'string') return { ok: false, error: labelSelector };
    const matching = clusterRoles.filter((other) => selectorMatches(labelSelector, other.metadata.labels)).sort(byName);
    for (const other of matching) {
      if (other.metadata.name === role.metadata.name) continue;
      for (const rule of other.rules ?? []) {
        if (!rules.some((seen) => semanticallyEqual(seen, rule))) rules.push(rule);
      }
    }
  }
  return { ok: true, rules };
}

/** The new rules of `role` when they differ from its stored ones, else undefined (nothing to write). */
export function aggregationUpdate(role: ClusterRole, clusterRoles: readonly ClusterRole[]): AggregationResult | undefined {
  if (!isAggregated(role)) return undefined;
  const result = aggregatedRules(role, clusterRoles);
  if (result.ok && semanticallyEqual(result.rules, role.rules ?? [])) return undefined;
  return result;
}

/**
 * Every aggregated role of `clusterRoles` with its rules filled in, as the controller leaves them
 * once it has converged (an aggregated role may aggregate another: repeated until nothing
 * changes). A selector that is not valid leaves its role as it is. Pure.
 */
export function aggregateAll(clusterRoles: readonly ClusterRole[]): ClusterRole[] {
  let roles = clusterRoles.map((role) => structuredClone(role));
  // Each round settles one more level of nesting; bounded, so that a cycle of aggregated roles cannot loop forever.
  for (let round = 0; round <= roles.length; round++) {
    let changed = false;
    roles = roles.map((role) => {
      const update = aggregationUpdate(role, roles);
      if (!update?.ok) return role;
      changed = true;
      return { ...role, rules: update.rules };
    });
    if (!changed) break;
  }
  return roles;
}
