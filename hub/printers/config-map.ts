/** ConfigMap rows, as kubectl 1.32's printConfigMap: NAME, DATA (data + binaryData keys), AGE. */
import type { ConfigMap } from '../../shared/api/schema/config.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const configMapColumns: TableColumnDefinition[] = [NAME_COLUMN, column('Data', 'integer', 0, 'Number of data in configmap'), AGE_COLUMN];

export function configMapCells(configMap: ConfigMap, now: Date): TableCell[] {
  const count = Object.keys(configMap.data ?? {}).length + Object.keys(configMap.binaryData ?? {}).length;
  return [configMap.metadata.name ?? '', count, timestampSince(configMap.metadata.creationTimestamp, now)];
}
