/** Deployment rows, as kubectl 1.32's printDeployment. */
import type { Deployment } from '../../shared/api/schema/workloads.js';
import { timestampSince } from './human-duration.js';
import { containerCells, selectorString } from './template-cells.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const deploymentColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Ready', 'string', 0, 'Number of the pod with ready state'),
  column('Up-to-date', 'string', 0, 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
  column('Available', 'string', 0, 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
  AGE_COLUMN,
  column('Containers', 'string', 1, 'Names of each container in the template.'),
  column('Images', 'string', 1, 'Images referenced by each container in the template.'),
  column('Selector', 'string', 1, 'Label selector for pods.'),
];

export function deploymentCells(deployment: Deployment, now: Date): TableCell[] {
  const status = deployment.status ?? {};
  // spec.replicas defaults to 1 (apps/v1 defaulting), as the internal type kubectl prints has it.
  const desired = deployment.spec.replicas ?? 1;
  const { names, images } = containerCells(deployment.spec.template.spec.containers);
  return [
    deployment.metadata.name ?? '',
    `${status.readyReplicas ?? 0}/${desired}`,
    status.updatedReplicas ?? 0,
    status.availableReplicas ?? 0,
    timestampSince(deployment.metadata.creationTimestamp, now),
    names,
    images,
    selectorString(deployment.spec.selector),
  ];
}
