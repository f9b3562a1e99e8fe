/**
 * The conditions a Terminating namespace carries while its content is removed, as Kubernetes'
 * namespace controller writes them (pkg/controller/namespace/deletion/namespace_condition_utils.go):
 * NamespaceDeletionContentFailure says whether every delete call succeeded, NamespaceContentRemaining
 * what is still there (a Pod whose node has not stopped it yet, say). Pure: the caller passes the
 * clock and writes the result only when `changed`.
 */

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** What one pass over the namespace found: objects left per "plural.group", delete errors. */
export interface ContentTotals {
  remaining: Map<string, number>;
  deleteErrors: string[];
}

export const CONTENT_FAILURE = 'NamespaceDeletionContentFailure';
export const CONTENT_REMAINING = 'NamespaceContentRemaining';

/** The "everything is fine" form of each condition Skiff maintains, in Kubernetes' words. */
const OK: Record<string, { reason: string; message: string }> = {
  [CONTENT_FAILURE]: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  [CONTENT_REMAINING]: { reason: 'ContentRemoved', message: 'All content successfully removed' },
};

function desiredConditions(totals: ContentTotals, now: string): NamespaceCondition[] {
  const ok = (type: string): NamespaceCondition => ({ type, status: 'False', lastTransitionTime: now, ...OK[type]! });
  const errors = [...totals.deleteErrors].sort();
  // Kubernetes prints "<resource>.<group>", so core resources read "pods." there too.
  const remaining = [...totals.remaining].filter(([, n]) => n > 0).map(([resource, n]) => `${resource} has ${n} resource instances`).sort();
  return [
    errors.length === 0
      ? ok(CONTENT_FAILURE)
      : { type: CONTENT_FAILURE, status: 'True', lastTransitionTime: now, reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${errors.length} remaining: ${errors.join(', ')}` },
    remaining.length === 0
      ? ok(CONTENT_REMAINING)
      : { type: CONTENT_REMAINING, status: 'True', lastTransitionTime: now, reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.join(', ')}` },
  ];
}

/**
 * The namespace's conditions after this pass. As Kubernetes, a condition is replaced only when
 * its status, reason or message changed (so lastTransitionTime marks real transitions and a
 * pass that finds the same state writes nothing); conditions of other types are kept.
 */
export function nextNamespaceConditions(
  current: NamespaceCondition[] | undefined,
  totals: ContentTotals,
  now: string,
): { conditions: NamespaceCondition[]; changed: boolean } {
  const conditions = [...(current ?? [])];
  let changed = false;
  for (const wanted of desiredConditions(totals, now)) {
    const index = conditions.findIndex((c) => c.type === wanted.type);
    const old = index >= 0 ? conditions[index] : undefined;
    if (old && old.status === wanted.status && old.reason === wanted.reason && old.message === wanted.message) continue;
    if (index >= 0) conditions[index] = wanted;
    else conditions.push(wanted);
    changed = true;
  }
  return { conditions, changed };
}
