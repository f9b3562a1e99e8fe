/** DaemonSet rows, as kubectl 1.32's printDaemonSet. */
import type { DaemonSet } from '../../shared/api/schema/workloads.js';
import { formatLabels } from '../../shared/api/labels.js';
import { timestampSince } from './human-duration.js';
import { containerCells, formatLabelSelector } from './template-cells.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const daemonSetColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Desired', 'integer', 0, 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
  column('Current', 'integer', 0, 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
  column('Ready', 'integer', 0, 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
  column('Up-to-date', 'integer', 0, 'The total number of nodes that are running updated daemon pod'),
  column('Available', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
  column('Node Selector', 'string', 0, "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
  AGE_COLUMN,
  column('Containers', 'string', 1, 'Names of each container in the template.'),
  column('Images', 'string', 1, 'Images referenced by each container in the template.'),
  column('Selector', 'string', 1, "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
];

export function daemonSetCells(daemonSet: DaemonSet, now: Date): TableCell[] {
  const status = daemonSet.status;
  const { names, images } = containerCells(daemonSet.spec.template.spec.containers);
  return [
    daemonSet.metadata.name ?? '',
    status?.desiredNumberScheduled ?? 0,
    status?.currentNumberScheduled ?? 0,
    status?.numberReady ?? 0,
    status?.updatedNumberScheduled ?? 0,
    status?.numberAvailable ?? 0,
    formatLabels(daemonSet.spec.template.spec.nodeSelector),
    timestampSince(daemonSet.metadata.creationTimestamp, now),
    names,
    images,
    formatLabelSelector(daemonSet.spec.selector),
  ];
}
