/**
 * The NodeAffinity plugin's matching (k8s.io/component-helpers/scheduling/corev1/nodeaffinity):
 * a Pod fits a node when the node's labels satisfy every nodeSelector entry AND one of the
 * required nodeSelectorTerms. Terms are ORed, their expressions and fields ANDed; a term with
 * neither matches no node.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { Affinity, NodeSelectorRequirement, NodeSelectorTerm } from '../../shared/api/schema/pod.js';

export interface AffinitySpec {
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
}

/** Kubernetes parses Gt/Lt operands with strconv.ParseInt: whole decimal integers only. */
function parseInteger(text: string | undefined): bigint | undefined {
  return text !== undefined && /^[+-]?\d+$/.test(text) ? BigInt(text) : undefined;
}

function matchesExpression(requirement: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(value!);
    case 'NotIn':
      return !has || !values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const mine = parseInteger(value);
      const theirs = parseInteger(values[0]);
      if (mine === undefined || theirs === undefined) return false;
      return requirement.operator === 'Gt' ? mine > theirs : mine < theirs;
    }
  }
}

export function matchesNodeSelectorTerm(term: NodeSelectorTerm, node: KubeObject): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  // metadata.name is the only field Kubernetes allows here (validated in the schema).
  const nameMatches = fields.every((f) => (f.values ?? []).includes(node.metadata.name!) === (f.operator === 'In'));
  return nameMatches && expressions.every((e) => matchesExpression(e, labels));
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution, both. */
export function matchesRequiredNodeAffinity(spec: AffinitySpec, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required === undefined || required.nodeSelectorTerms.some((term) => matchesNodeSelectorTerm(term, node));
}

/** Sum of the weights of the preferred terms the node matches (NodeAffinity's raw score). */
export function preferredNodeAffinityWeight(spec: AffinitySpec, node: KubeObject): number {
  const preferred = spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  return preferred.reduce((sum, term) => sum + (matchesNodeSelectorTerm(term.preference, node) ? term.weight : 0), 0);
}
