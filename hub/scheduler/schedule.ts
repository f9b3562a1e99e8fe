/**
 * The scheduler's pure core: filter the nodes a Pod may run on, then score them. Filters here are
 * the walking skeleton's (Ready, schedulable, nodeSelector, pod capacity); requests, affinity,
 * taints and arch come with issue #4. Ties break on name, so the result is deterministic.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { NodeStatus } from '../../shared/api/status-types.js';
import { controllerOf } from '../../shared/api/object.js';
import { nodeNameOf, podStatus } from '../controllers/pod-facts.js';

export type ScheduleResult = { node: string } | { node?: undefined; message: string };

interface Filter {
  /** The phrase Kubernetes uses in "0/3 nodes are available: 2 node(s) were not ready". */
  reason: string;
  passes(node: KubeObject, boundHere: KubeObject[], pod: KubeObject): boolean;
}

function isNodeReady(node: KubeObject): boolean {
  const status = node.status as NodeStatus | undefined;
  return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

const FILTERS: Filter[] = [
  { reason: 'node(s) were not ready', passes: (node) => isNodeReady(node) },
  { reason: 'node(s) were unschedulable', passes: (node) => (node.spec as { unschedulable?: boolean } | undefined)?.unschedulable !== true },
  {
    reason: "node(s) didn't match Pod's node affinity/selector",
    passes: (node, _bound, pod) => {
      const selector = (pod.spec as { nodeSelector?: Record<string, string> }).nodeSelector ?? {};
      return Object.entries(selector).every(([k, v]) => node.metadata.labels?.[k] === v);
    },
  },
  {
    reason: 'Too many pods',
    passes: (node, boundHere) => {
      const allocatable = Number((node.status as NodeStatus | undefined)?.allocatable?.pods ?? 110);
      return boundHere.length < allocatable;
    },
  },
];

export function schedule(pod: KubeObject, nodes: KubeObject[], pods: KubeObject[]): ScheduleResult {
  const bound = new Map<string, KubeObject[]>();
  for (const p of pods) {
    const name = nodeNameOf(p);
    // A terminating Pod still holds its place on the node until it is gone (as kube-scheduler).
    const finished = podStatus(p).phase === 'Succeeded' || podStatus(p).phase === 'Failed';
    if (name && !finished) bound.set(name, [...(bound.get(name) ?? []), p]);
  }
  const failures = new Map<string, number>();
  const feasible = nodes.filter((node) => {
    const here = bound.get(node.metadata.name!) ?? [];
    const failed = FILTERS.find((f) => !f.passes(node, here, pod));
    if (failed) failures.set(failed.reason, (failures.get(failed.reason) ?? 0) + 1);
    return failed === undefined;
  });
  if (nodes.length === 0) return { message: 'no nodes available to schedule pods' };
  if (feasible.length === 0) {
    // As FitError.Error: the "<count> <reason>" strings sorted as strings.
    const reasons = [...failures.entries()].map(([reason, count]) => `${count} ${reason}`).sort();
    const detail = reasons.length > 0 ? ` ${reasons.join(', ')}.` : '';
    return { message: `0/${nodes.length} nodes are available:${detail}` };
  }
  // Score: spread the Pods of one owner first, then fewest Pods overall, then name.
  const owner = controllerOf(pod)?.uid;
  const score = (node: KubeObject): [number, number, string] => {
    const here = bound.get(node.metadata.name!) ?? [];
    const siblings = owner ? here.filter((p) => controllerOf(p)?.uid === owner).length : 0;
    return [siblings, here.length, node.metadata.name!];
  };
  const best = feasible
    .map((node) => ({ node, score: score(node) }))
    .sort((a, b) => a.score[0] - b.score[0] || a.score[1] - b.score[1] || a.score[2].localeCompare(b.score[2]))[0]!;
  return { node: best.node.metadata.name! };
}
