/** ControllerRevision rows, as kubectl 1.32's printControllerRevision. */
import type { ControllerRevision } from '../../shared/api/schema/controller-revision.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const controllerRevisionColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Controller', 'string', 0, 'Controller of the object'),
  column('Revision', 'string', 0, 'Revision indicates the revision of the state represented by Data.'),
  AGE_COLUMN,
];

/** formatResourceName with the kind: "daemonset.apps/probe" (GroupKind.String(), lower-cased). */
function controllerCell(revision: ControllerRevision): string {
  const ref = revision.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : ref.apiVersion.slice(0, slash);
  return `${(group === '' ? ref.kind : `${ref.kind}.${group}`).toLowerCase()}/${ref.name}`;
}

export function controllerRevisionCells(revision: ControllerRevision, now: Date): TableCell[] {
  return [revision.metadata.name ?? '', controllerCell(revision), revision.revision ?? 0, timestampSince(revision.metadata.creationTimestamp, now)];
}
