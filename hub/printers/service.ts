/**
 * Service and Endpoints rows, as kubectl 1.32's printService and printEndpoints
 * (pkg/printers/internalversion/printers.go): PORT(S) as `80:30080/TCP,443/TCP`, EXTERNAL-IP
 * `<none>` (Skiff has no external IPs or load balancers yet), ENDPOINTS as `ip:port` for the
 * first three ready addresses and `+ N more...` after them.
 */
import { formatLabels } from '../../shared/api/labels.js';
import type { Endpoints, Service } from '../../shared/api/schema/service.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const serviceColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Type', 'string', 0, 'type determines how the Service is exposed.'),
  column('Cluster-IP', 'string', 0, 'clusterIP is the IP address of the service and is usually assigned randomly.'),
  column('External-IP', 'string', 0, 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
  column('Port(s)', 'string', 0, 'The list of ports that are exposed by this service.'),
  AGE_COLUMN,
  column('Selector', 'string', 1, 'Route service traffic to pods with label keys and values matching this selector.'),
];

/** makePortString: `port[:nodePort]/protocol`, comma-separated. */
export function servicePortsText(ports: Service['spec']['ports']): string {
  const text = (ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
  return text === '' ? '<none>' : text;
}


export function serviceCells(service: Service, now: Date): TableCell[] {
  return [
    service.metadata.name ?? '',
    service.spec.type ?? 'ClusterIP',
    service.spec.clusterIPs?.[0] ?? (service.spec.clusterIP || '<none>'),
    '<none>',
    servicePortsText(service.spec.ports),
    timestampSince(service.metadata.creationTimestamp, now),
    formatLabels(service.spec.selector),
  ];
}

export const endpointsColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Endpoints', 'string', 0, 'The set of all endpoints is the union of all subsets.'),
  AGE_COLUMN,
];

/** How many endpoints formatEndpoints lists before `+ N more...`. */
const SHOWN_ENDPOINTS = 3;

/** formatEndpoints with every port: ready addresses only, `<none>` when there are no subsets. */
export function endpointsText(subsets: Endpoints['subsets']): string {
  if (!subsets || subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  let more = false;
  const add = (text: string): void => {
    if (list.length === SHOWN_ENDPOINTS) more = true;
    else list.push(text);
  };
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      // A headless Service without ports: bare IPs.
      count += addresses.length;
      for (const a of addresses) add(a.ip);
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) add(`${a.ip.includes(':') ? `[${a.ip}]` : a.ip}:${port.port}`);
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - SHOWN_ENDPOINTS} more...` : text;
}

export function endpointsCells(endpoints: Endpoints, now: Date): TableCell[] {
  return [endpoints.metadata.name ?? '', endpointsText(endpoints.subsets), timestampSince(endpoints.metadata.creationTimestamp, now)];
}
