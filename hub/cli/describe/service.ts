/**
 * `describe service`, ported from kubectl 1.32's describeService: the Service's spec as kubectl
 * prints it, and for each port the ready addresses of the Endpoints object of the same name
 * (kubectl 1.32 reads Endpoints; 1.33 moved to EndpointSlices, which Skiff does not have).
 *
 * Not shown, because Skiff's Service schema has no such fields: External IPs, Desired
 * LoadBalancer IP, External Name, LoadBalancer Ingress, HealthCheck NodePort, LoadBalancer Source
 * Ranges and Traffic Distribution.
 */
import type { Event } from '../../../shared/api/schema/event.js';
import type { Endpoints, Service } from '../../../shared/api/schema/service.js';
import { formatLabels } from '../../../shared/api/labels.js';
import { describeEvents } from './events.js';
import { printAnnotationsMultiline, printLabelsMultiline } from './multiline.js';
import { LEVEL_0, tabbedString } from './prefix-writer.js';
import type { DescribeClock } from './time-format.js';

/** formatEndpoints' cap: this many addresses are listed, the rest counted as "+ N more...". */
const MAX_LISTED_ENDPOINTS = 3;

/** net.JoinHostPort: an IPv6 address is bracketed so its colons do not read as the port's. */
function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * kubectl's formatEndpoints(endpoints, sets.New(portName)): the ready addresses (never
 * notReadyAddresses) of each subset port named `portName`, as ip:port; a subset without ports (a
 * headless Service's) lists its bare IPs whatever the name. `<none>` only when there are no
 * subsets at all: subsets with no matching address give an empty string, as kubectl prints it.
 * Missing Endpoints read as an empty object, as client-go's Get returns one with its error.
 */
export function formatEndpoints(endpoints: Endpoints | undefined, portName: string): string {
  const subsets = endpoints?.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const listed: string[] = [];
  let count = 0;
  const add = (text: string): void => {
    if (listed.length < MAX_LISTED_ENDPOINTS) listed.push(text);
    count++;
  };
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      for (const address of addresses) add(address.ip);
      continue;
    }
    for (const port of ports) {
      if ((port.name ?? '') !== portName) continue;
      for (const address of addresses) add(joinHostPort(address.ip, port.port));
    }
  }
  const text = listed.join(',');
  return count > MAX_LISTED_ENDPOINTS ? `${text} + ${count - MAX_LISTED_ENDPOINTS} more...` : text;
}

/**
 * The text `kubectl describe service` prints. Optional spec fields are printed as they are
 * stored: an unset policy leaves its line out, as kubectl's nil pointer checks do.
 */
export function describeService(service: Service, endpoints: Endpoints | undefined, events: readonly Event[] | undefined, clock: DescribeClock): string {
  const spec = service.spec;
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${service.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${service.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', service.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', service.metadata.annotations);
    w.write(LEVEL_0, `Selector:\t${formatLabels(spec.selector)}\n`);
    w.write(LEVEL_0, `Type:\t${spec.type ?? ''}\n`);
    if (spec.ipFamilyPolicy !== undefined) w.write(LEVEL_0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
    const families = spec.ipFamilies ?? [];
    w.write(LEVEL_0, `IP Families:\t${families.length > 0 ? families.join(',') : '<none>'}\n`);
    w.write(LEVEL_0, `IP:\t${spec.clusterIP ?? ''}\n`);
    const clusterIPs = spec.clusterIPs ?? [];
    w.write(LEVEL_0, `IPs:\t${clusterIPs.length > 0 ? clusterIPs.join(',') : '<none>'}\n`);
    for (const port of spec.ports ?? []) {
      const name = port.name || '<unset>';
      const protocol = port.protocol ?? '';
      w.write(LEVEL_0, `Port:\t${name}\t${port.port}/${protocol}\n`);
      // An unset targetPort is Go's zero IntOrString: the number 0.
      w.write(LEVEL_0, `TargetPort:\t${port.targetPort ?? 0}/${protocol}\n`);
      if (port.nodePort) w.write(LEVEL_0, `NodePort:\t${name}\t${port.nodePort}/${protocol}\n`);
      w.write(LEVEL_0, `Endpoints:\t${formatEndpoints(endpoints, port.name ?? '')}\n`);
    }
    w.write(LEVEL_0, `Session Affinity:\t${spec.sessionAffinity ?? ''}\n`);
    if (spec.externalTrafficPolicy) w.write(LEVEL_0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
    if (spec.internalTrafficPolicy !== undefined) w.write(LEVEL_0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
    if (events) describeEvents(events, w, clock);
  });
}
