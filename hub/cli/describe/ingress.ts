/**
 * `describe ingress`, ported from kubectl 1.32's IngressDescriber (describeIngressV1): the
 * Ingress's address, class, TLS and rules, each Service backend followed by that Service's
 * endpoints for the backend's port, as kubectl's describeBackendV1 looks them up (the Endpoints of
 * the Service's name, then the Service, to learn the port's name).
 *
 * The lookups are the caller's (actions/describe.ts): this file stays a pure function of what was
 * fetched, in `BackendTargets`, keyed by Service name.
 */
import type { Event } from '../../../shared/api/schema/event.js';
import type { Ingress, IngressBackend, IngressStatus } from '../../../shared/api/schema/ingress.js';
import type { Endpoints, Service } from '../../../shared/api/schema/service.js';
import { SkiffError } from '../../../shared/errors.js';
import { describeEvents } from './events.js';
import { byteOrder, printAnnotationsMultiline, printLabelsMultiline } from './multiline.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, tabbedString, type PrefixWriter } from './prefix-writer.js';
import { formatEndpoints } from './service.js';
import type { DescribeClock } from './time-format.js';

/**
 * What describeBackendV1 found for one backend Service: its Endpoints and the Service itself, or
 * the message of the first lookup that failed (kubectl prints `<error: MESSAGE>` in its place,
 * e.g. `endpoints "web" not found`).
 */
export type BackendTarget = { endpoints: Endpoints; service: Service } | { error: string };
export type BackendTargets = ReadonlyMap<string, BackendTarget>;

type ServiceBackend = NonNullable<IngressBackend['service']>;

/** The Services the Ingress routes to, each once: what the caller looks up for describeIngress. */
export function ingressBackendServices(ingress: Ingress): string[] {
  const backends = [ingress.spec.defaultBackend, ...(ingress.spec.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((path) => path.backend))];
  const names = backends.map((backend) => backend?.service?.name).filter((name): name is string => name !== undefined);
  return [...new Set(names)];
}

/** serviceBackendStringer: "name:number", or "name:portName" when no number is set. */
function serviceBackendString(backend: ServiceBackend): string {
  const port = backend.port?.number ? String(backend.port.number) : (backend.port?.name ?? '');
  return `${backend.name ?? ''}:${port}`;
}

/**
 * describeBackendV1 for a Service backend: the name of the Service port the backend designates
 * (the last port matching its number or name; '' when none does) selects the endpoints shown.
 */
function describeServiceBackend(backend: ServiceBackend, targets: BackendTargets): string {
  const label = serviceBackendString(backend);
  const target = targets.get(backend.name ?? '');
  // ingressBackendServices names every Service looked for; a missing one is a caller's bug.
  if (!target) throw new SkiffError('SKIFF_ERR_INTERNAL', `describe ingress: the backend Service "${backend.name ?? ''}" was not looked up`);
  if ('error' in target) return `${label} (<error: ${target.error}>)`;
  let portName = '';
  for (const port of target.service.spec.ports ?? []) {
    const byNumber = (backend.port?.number ?? 0) !== 0 && backend.port?.number === port.port;
    const byName = (backend.port?.name ?? '') !== '' && backend.port?.name === port.name;
    if (byNumber || byName) portName = port.name ?? '';
  }
  return `${label} (${formatEndpoints(target.endpoints, portName)})`;
}

/** A backend as the Rules table and "Default backend:" show it; resource backends as kubectl names them. */
function describeBackend(backend: IngressBackend, targets: BackendTargets): string {
  if (backend.service) return describeServiceBackend(backend.service, targets);
  const resource = backend.resource as { apiGroup?: string; kind?: string; name?: string } | undefined;
  if (resource) return `APIGroup: ${resource.apiGroup ?? '<none>'}, Kind: ${resource.kind ?? ''}, Name: ${resource.name ?? ''}`;
  return '';
}

/** ingressLoadBalancerStatusStringerV1(status, wide): each entry's IP, else hostname, deduplicated and sorted. */
export function ingressAddress(status: IngressStatus | undefined): string {
  const addresses = new Set<string>();
  for (const entry of status?.loadBalancer?.ingress ?? []) {
    if (entry.ip) addresses.add(entry.ip);
    else if (entry.hostname) addresses.add(entry.hostname);
  }
  return [...addresses].sort(byteOrder).join(',');
}

/** describeIngressTLSV1: a secret that terminates its hosts, or SNI passthrough when there is none. */
function describeIngressTls(w: PrefixWriter, ingress: Ingress): void {
  w.write(LEVEL_0, 'TLS:\n');
  for (const tls of ingress.spec.tls ?? []) {
    const hosts = (tls.hosts ?? []).join(',');
    if (tls.secretName) w.write(LEVEL_1, `${tls.secretName} terminates ${hosts}\n`);
    else w.write(LEVEL_1, `SNI routes ${hosts}\n`);
  }
}

/**
 * The text `kubectl describe ingress` prints. Rules without `http` are skipped; with none left,
 * one `*  *  DEFAULT` row. Annotations come after the rules, in the same aligned block, as in
 * kubectl.
 */
export function describeIngress(ingress: Ingress, targets: BackendTargets, events: readonly Event[] | undefined, clock: DescribeClock): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${ingress.metadata.name ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', ingress.metadata.labels);
    w.write(LEVEL_0, `Namespace:\t${ingress.metadata.namespace ?? ''}\n`);
    w.write(LEVEL_0, `Address:\t${ingressAddress(ingress.status)}\n`);
    w.write(LEVEL_0, `Ingress Class:\t${ingress.spec.ingressClassName ?? '<none>'}\n`);
    const defaultBackend = ingress.spec.defaultBackend ? describeBackend(ingress.spec.defaultBackend, targets) : '<default>';
    w.write(LEVEL_0, `Default backend:\t${defaultBackend}\n`);
    if ((ingress.spec.tls ?? []).length > 0) describeIngressTls(w, ingress);
    w.write(LEVEL_0, 'Rules:\n  Host\tPath\tBackends\n');
    w.write(LEVEL_1, '----\t----\t--------\n');
    let httpRules = 0;
    for (const rule of ingress.spec.rules ?? []) {
      if (!rule.http) continue;
      httpRules++;
      w.write(LEVEL_1, `${rule.host || '*'}\t\n`);
      for (const path of rule.http.paths ?? []) {
        w.write(LEVEL_2, `\t${path.path ?? ''} \t${describeBackend(path.backend, targets)}\n`);
      }
    }
    if (httpRules === 0) w.write(LEVEL_1, `*\t*\t${defaultBackend}\n`);
    printAnnotationsMultiline(w, 'Annotations', ingress.metadata.annotations);
    if (events) describeEvents(events, w, clock);
  });
}
