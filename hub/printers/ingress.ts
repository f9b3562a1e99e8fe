/**
 * Ingress rows, as kubectl's printIngress (pkg/printers/internalversion/printers.go): CLASS
 * `<none>` when unset, HOSTS by formatHosts (three at most, then `+ N more...`; `*` when no rule
 * names a host), ADDRESS the load balancer's IPs or hostnames, PORTS `80` or `80, 443` with TLS.
 * ADDRESS is never clipped: kube-apiserver builds its Tables with `Wide: true`, as the hub does.
 */
import type { Ingress } from '../../shared/api/schema/ingress.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const ingressColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Class', 'string', 0, 'The name of the IngressClass resource that should be used for ingress'),
  column('Hosts', 'string', 0, 'Hosts that incoming requests are matched against before the ingress rule'),
  column('Address', 'string', 0, 'Address is a list containing ingress points for the load-balancer'),
  column('Ports', 'string', 0, 'Ports of TLS configurations that open'),
  AGE_COLUMN,
];

/** How many hosts formatHosts lists before `+ N more...`. */
const SHOWN_HOSTS = 3;

/**
 * formatHosts, quirks included: the count after `+` is of rules (host-less ones too) past the
 * third, and a host-less rule shows as `*` only when no rule has a host.
 */
export function ingressHostsText(rules: Ingress['spec']['rules']): string {
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === SHOWN_HOSTS) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const text = list.join(',');
  return more ? `${text} + ${(rules ?? []).length - SHOWN_HOSTS} more...` : text;
}

/** ingressLoadBalancerStatusStringer: each entry's IP, else its hostname, sorted and unique. */
export function ingressAddressText(status: Ingress['status']): string {
  const addresses = new Set<string>();
  for (const entry of status?.loadBalancer?.ingress ?? []) {
    if (entry.ip) addresses.add(entry.ip);
    else if (entry.hostname) addresses.add(entry.hostname);
  }
  return [...addresses].sort().join(',');
}

/** formatPorts: an Ingress listens on 80, and on 443 too as soon as it has a TLS section. */
export function ingressPortsText(tls: Ingress['spec']['tls']): string {
  return (tls ?? []).length > 0 ? '80, 443' : '80';
}

export function ingressCells(ingress: Ingress, now: Date): TableCell[] {
  return [
    ingress.metadata.name ?? '',
    ingress.spec.ingressClassName ?? '<none>',
    ingressHostsText(ingress.spec.rules),
    ingressAddressText(ingress.status),
    ingressPortsText(ingress.spec.tls),
    timestampSince(ingress.metadata.creationTimestamp, now),
  ];
}
