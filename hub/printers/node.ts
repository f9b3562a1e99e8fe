/** Node rows, as kubectl 1.32's printNode. */
import type { Node } from '../../shared/api/schema/cluster.js';
import type { NodeAddress } from '../../shared/api/status-types.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const nodeColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Status', 'string', 0, 'The status of the node'),
  column('Roles', 'string', 0, 'The roles of the node'),
  AGE_COLUMN,
  column('Version', 'string', 0, 'Kubelet Version reported by the node.'),
  column('Internal-IP', 'string', 1, 'List of addresses reachable to the node.'),
  column('External-IP', 'string', 1, 'List of addresses reachable to the node.'),
  column('OS-Image', 'string', 1, 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
  column('Kernel-Version', 'string', 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
  column('Container-Runtime', 'string', 1, 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
];

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
/** The older single-valued role label kubectl also honours. */
const ROLE_LABEL = 'kubernetes.io/role';

/**
 * "Ready" or "NotReady" from the Ready condition (kubectl prints NotReady for status Unknown
 * too, which is what a node that stopped sending heartbeats shows), "Unknown" when the node
 * never reported one, plus ",SchedulingDisabled" when cordoned.
 */
export function nodeStatus(node: Node): string {
  const parts: string[] = [];
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready) parts.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else parts.push('Unknown');
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** Sorted, de-duplicated roles from node-role.kubernetes.io/<role> and kubernetes.io/role labels. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role !== '') roles.add(role);
    } else if (key === ROLE_LABEL && value !== '') {
      roles.add(value);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function address(addresses: NodeAddress[] | undefined, type: NodeAddress['type']): string {
  return (addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

export function nodeCells(node: Node, now: Date): TableCell[] {
  const info = node.status?.nodeInfo;
  return [
    node.metadata.name ?? '',
    nodeStatus(node),
    nodeRoles(node),
    timestampSince(node.metadata.creationTimestamp, now),
    info?.kubeletVersion ?? '',
    address(node.status?.addresses, 'InternalIP'),
    address(node.status?.addresses, 'ExternalIP'),
    info?.osImage || '<unknown>',
    info?.kernelVersion || '<unknown>',
    info?.containerRuntimeVersion || '<unknown>',
  ];
}
