/**
 * The FailedScheduling message, worded as kube-scheduler's FitError.Error(): every reason of
 * every node counted into a histogram, each entry written "<count> <reason>", the entries sorted
 * as strings and joined with ", ". Skiff has no preemption, so there is no "preemption: ..."
 * PostFilter sentence after it.
 */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

export function fitErrorMessage(nodeCount: number, reasonsPerNode: ReadonlyArray<readonly string[]>): string {
  if (nodeCount === 0) return NO_NODES_MESSAGE;
  const histogram = new Map<string, number>();
  for (const reasons of reasonsPerNode) for (const reason of reasons) histogram.set(reason, (histogram.get(reason) ?? 0) + 1);
  const entries = [...histogram.entries()].map(([reason, count]) => `${count} ${reason}`).sort();
  return `0/${nodeCount} nodes are available: ${entries.join(', ')}.`;
}
