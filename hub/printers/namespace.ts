/** Namespace rows, as kubectl 1.32's printNamespace. */
import type { Namespace } from '../../shared/api/schema/cluster.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const namespaceColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Status', 'string', 0, 'The status of the namespace'),
  AGE_COLUMN,
];

/**
 * status.phase as the server set it. Kubernetes always sets Active on create; should a Skiff
 * namespace carry no phase yet, show what it effectively is (Terminating once deleted).
 */
export function namespacePhase(namespace: Namespace): string {
  const phase = (namespace.status as { phase?: unknown } | undefined)?.phase;
  if (typeof phase === 'string' && phase !== '') return phase;
  return namespace.metadata.deletionTimestamp ? 'Terminating' : 'Active';
}

export function namespaceCells(namespace: Namespace, now: Date): TableCell[] {
  return [namespace.metadata.name ?? '', namespacePhase(namespace), timestampSince(namespace.metadata.creationTimestamp, now)];
}
