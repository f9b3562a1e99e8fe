/** ReplicaSet rows, as kubectl 1.32's printReplicaSet. */
import type { ReplicaSet } from '../../shared/api/schema/workloads.js';
import { timestampSince } from './human-duration.js';
import { containerCells, formatLabelSelector } from './template-cells.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const replicaSetColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Desired', 'integer', 0, 'Replicas is the number of desired replicas.'),
  column('Current', 'integer', 0, 'Replicas is the most recently observed number of replicas.'),
  column('Ready', 'integer', 0, 'The number of ready replicas for this replica set.'),
  AGE_COLUMN,
  column('Containers', 'string', 1, 'Names of each container in the template.'),
  column('Images', 'string', 1, 'Images referenced by each container in the template.'),
  column('Selector', 'string', 1, 'Selector is a label query over pods that should match the replica count.'),
];

export function replicaSetCells(replicaSet: ReplicaSet, now: Date): TableCell[] {
  const { names, images } = containerCells(replicaSet.spec.template.spec.containers);
  return [
    replicaSet.metadata.name ?? '',
    replicaSet.spec.replicas ?? 1,
    replicaSet.status?.replicas ?? 0,
    replicaSet.status?.readyReplicas ?? 0,
    timestampSince(replicaSet.metadata.creationTimestamp, now),
    names,
    images,
    formatLabelSelector(replicaSet.spec.selector),
  ];
}
