/**
 * Cells that describe a workload's pod template and selector in `-o wide`, as kubectl's
 * layoutContainerCells and labels.Selector.String() print them.
 */
import type { Container } from '../../shared/api/schema/pod.js';
import type { LabelSelector } from '../../shared/api/labels.js';

/** CONTAINERS and IMAGES cells: names and images joined by commas, in template order. */
export function containerCells(containers: ReadonlyArray<Pick<Container, 'name' | 'image'>>): { names: string; images: string } {
  return { names: containers.map((c) => c.name).join(','), images: containers.map((c) => c.image).join(',') };
}

/**
 * A structured selector as Kubernetes prints it: requirements sorted by key, set values sorted,
 * matchLabels as `key=value` and matchExpressions with their own operators ("env in (a,b)").
 * Empty selectors print as "" (labels.Everything().String()), as kubectl shows for deployments.
 */
export function selectorString(selector: LabelSelector | undefined): string {
  if (!selector) return '';
  const fromLabels = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ key, text: `${key}=${value}` }));
  const fromExpressions = (selector.matchExpressions ?? []).map((req) => {
    const values = [...(req.values ?? [])].sort().join(',');
    switch (req.operator) {
      case 'In':
        return { key: req.key, text: `${req.key} in (${values})` };
      case 'NotIn':
        return { key: req.key, text: `${req.key} notin (${values})` };
      case 'Exists':
        return { key: req.key, text: req.key };
      case 'DoesNotExist':
        return { key: req.key, text: `!${req.key}` };
    }
  });
  // Go's sort.Sort over requirements is not stable; ties between one key's terms are rare enough.
  return [...fromLabels, ...fromExpressions]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: like selectorString but "<none>" when empty (ReplicaSet SELECTOR). */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  const text = selectorString(selector);
  return text === '' ? '<none>' : text;
}

