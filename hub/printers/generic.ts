/** The fallback for kinds without a printer of their own: NAME and AGE. */
import type { KubeObject } from '../../shared/api/object.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, type TableCell, type TableColumnDefinition } from './table.js';

export const genericColumns: TableColumnDefinition[] = [NAME_COLUMN, AGE_COLUMN];

export function genericCells(object: KubeObject, now: Date): TableCell[] {
  return [object.metadata.name ?? '', timestampSince(object.metadata.creationTimestamp, now)];
}
