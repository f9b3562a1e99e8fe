/** Secret rows, as kubectl 1.32's printSecret: NAME, TYPE, DATA (number of keys), AGE. */
import type { Secret } from '../../shared/api/schema/config.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const secretColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Type', 'string', 0, 'The type of the secret'),
  column('Data', 'integer', 0, 'Number of data in secret'),
  AGE_COLUMN,
];

export function secretCells(secret: Secret, now: Date): TableCell[] {
  return [secret.metadata.name ?? '', secret.type ?? 'Opaque', Object.keys(secret.data ?? {}).length, timestampSince(secret.metadata.creationTimestamp, now)];
}
