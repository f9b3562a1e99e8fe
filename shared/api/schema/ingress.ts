/**
 * networking.k8s.io/v1 Ingress (issue #8), with Kubernetes' ValidateIngressCreate rules
 * (pkg/apis/networking/validation/validation.go) in its own words. Skiff routes to Services only:
 * a `resource` backend (an object of another API, which only some controllers understand) is
 * refused. There is no IngressClass kind: `ingressClassName` is checked for shape and kept, and
 * every Ingress is served by the agents' proxy whatever its class.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { objectMeta } from './meta.js';
import { portNameProblems } from './service.js';
import { DNS1123_SUBDOMAIN } from '../names.js';

export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'] as const;
export type PathType = (typeof PATH_TYPES)[number];

/** The annotation that named the class before `spec.ingressClassName` existed. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** Sequences and suffixes an Exact or Prefix path may not hold (invalidPathSequences, invalidPathSuffixes). */
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'] as const;
const INVALID_PATH_SUFFIXES = ['/..', '/.'] as const;

export const serviceBackendPort = z.strictObject({
  name: z.string().optional(),
  number: z.number().int().optional(),
});

export const ingressBackend = z.strictObject({
  service: z
    .strictObject({
      name: z.string().optional(),
      port: serviceBackendPort.optional(),
    })
    .optional(),
  // A TypedLocalObjectReference; kept loose because it is refused whatever it holds.
  resource: z.record(z.string(), z.unknown()).optional(),
});

export const httpIngressPath = z.strictObject({
  path: z.string().optional(),
  pathType: z.string().optional(),
  backend: ingressBackend,
});

export const ingressRule = z.strictObject({
  host: z.string().optional(),
  http: z.strictObject({ paths: z.array(httpIngressPath).optional() }).optional(),
});

export const ingressTls = z.strictObject({
  hosts: z.array(z.string()).optional(),
  secretName: z.string().optional(),
});

export const ingressSpec = z.strictObject({
  ingressClassName: z.string().optional(),
  defaultBackend: ingressBackend.optional(),
  rules: z.array(ingressRule).optional(),
  tls: z.array(ingressTls).optional(),
});

export const ingressLoadBalancerIngress = z.strictObject({
  ip: z.string().optional(),
  hostname: z.string().optional(),
  ports: z
    .array(z.strictObject({ port: z.number().int(), protocol: z.string().optional(), error: z.string().optional() }))
    .optional(),
});

export const ingressStatus = z.strictObject({
  loadBalancer: z.strictObject({ ingress: z.array(ingressLoadBalancerIngress).optional() }).optional(),
});

export type IngressBackend = z.infer<typeof ingressBackend>;
export type HttpIngressPath = z.infer<typeof httpIngressPath>;
export type IngressRule = z.infer<typeof ingressRule>;
export type IngressTlsSpec = z.infer<typeof ingressTls>;
export type IngressSpec = z.infer<typeof ingressSpec>;
export type IngressStatus = z.infer<typeof ingressStatus>;

type Issue = (path: PropertyKey[], message: string) => void;

/** field.Invalid's message: `Invalid value: <value>: <detail>`. */
const invalid = (value: unknown, detail: string): string => `Invalid value: ${JSON.stringify(value)}: ${detail}`;

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const WILDCARD_MESSAGE =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
/** netutils.ParseIPSloppy also takes IPv4 with leading zeros ("010.0.0.1"), which node's isIP refuses. */
const SLOPPY_IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** validation.IsDNS1123Subdomain. */
export function subdomainProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 253) problems.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) problems.push(SUBDOMAIN_MESSAGE);
  return problems;
}

/** validation.IsWildcardDNS1123Subdomain: `*.` and a subdomain, one wildcard label only. */
function wildcardProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 253) problems.push('must be no more than 253 characters');
  if (!value.startsWith('*.') || !DNS1123_SUBDOMAIN.test(value.slice(2))) problems.push(WILDCARD_MESSAGE);
  return problems;
}

/** A rule's or a TLS entry's host: a wildcard or plain subdomain (validateIngressRules, validateIngressTLS). */
function hostProblems(host: string): string[] {
  return host.includes('*') ? wildcardProblems(host) : subdomainProblems(host);
}

export function isIpAddress(host: string): boolean {
  return isIP(host) !== 0 || SLOPPY_IPV4.test(host);
}

/** apivalidation.ValidateServiceName (NameIsDNS1035Label). */
function serviceNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > 63) problems.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(name)) problems.push(DNS1035_MESSAGE);
  return problems;
}

/** validateIngressBackend, with `resource` refused: Skiff proxies to Services only. */
function checkBackend(backend: IngressBackend, at: PropertyKey[], issue: Issue): void {
  if (backend.resource !== undefined && backend.service !== undefined) {
    issue(at, invalid('', 'cannot set both resource and service backends'));
    return;
  }
  if (backend.resource !== undefined) {
    issue([...at, 'resource'], 'Forbidden: resource backends are not supported by Skiff, which routes to Services only: use `service`');
    return;
  }
  const service = backend.service;
  if (service === undefined) {
    issue(at, invalid('', 'resource or service backend is required'));
    return;
  }
  const name = service.name ?? '';
  if (name === '') issue([...at, 'service', 'name'], 'Required value');
  else for (const problem of serviceNameProblems(name)) issue([...at, 'service', 'name'], invalid(name, problem));
  const portName = service.port?.name ?? '';
  const portNumber = service.port?.number ?? 0;
  if (portName !== '' && portNumber !== 0) {
    issue(at, invalid('', 'cannot set both port name & port number'));
  } else if (portName !== '') {
    for (const problem of portNameProblems(portName)) issue([...at, 'service', 'port', 'name'], invalid(portName, problem));
  } else if (portNumber !== 0) {
    if (portNumber < 1 || portNumber > 65535) issue([...at, 'service', 'port', 'number'], invalid(portNumber, 'must be between 1 and 65535, inclusive'));
  } else {
    issue(at, 'Required value: port name or number is required');
  }
}

/** validateHTTPIngressPath. */
function checkPath(path: HttpIngressPath, at: PropertyKey[], issue: Issue): void {
  const value = path.path ?? '';
  if (path.pathType === undefined) {
    // Kubernetes stops here for this path: without a type there is no telling what the path means.
    issue([...at, 'pathType'], 'Required value: pathType must be specified');
    return;
  }
  if (path.pathType === 'Exact' || path.pathType === 'Prefix') {
    if (!value.startsWith('/')) issue([...at, 'path'], invalid(value, 'must be an absolute path'));
    for (const sequence of INVALID_PATH_SEQUENCES) if (value.includes(sequence)) issue([...at, 'path'], invalid(value, `must not contain '${sequence}'`));
    for (const suffix of INVALID_PATH_SUFFIXES) if (value.endsWith(suffix)) issue([...at, 'path'], invalid(value, `cannot end with '${suffix}'`));
  } else if (path.pathType === 'ImplementationSpecific') {
    if (value !== '' && !value.startsWith('/')) issue([...at, 'path'], invalid(value, 'must be an absolute path'));
  } else {
    issue([...at, 'pathType'], `Unsupported value: ${JSON.stringify(path.pathType)}: supported values: ${PATH_TYPES.map((t) => JSON.stringify(t)).join(', ')}`);
  }
  checkBackend(path.backend, [...at, 'backend'], issue);
}

/** validateIngressRules and the HTTP rule values under them. */
function checkRules(rules: IngressRule[], issue: Issue): void {
  rules.forEach((rule, i) => {
    const at: PropertyKey[] = ['spec', 'rules', i];
    const host = rule.host ?? '';
    if (host !== '') {
      if (isIpAddress(host)) issue([...at, 'host'], invalid(host, 'must be a DNS name, not an IP address'));
      for (const problem of hostProblems(host)) issue([...at, 'host'], invalid(host, problem));
    }
    if (rule.http === undefined) return;
    const paths = rule.http.paths ?? [];
    if (paths.length === 0) issue([...at, 'http', 'paths'], 'Required value');
    paths.forEach((path, j) => checkPath(path, [...at, 'http', 'paths', j], issue));
  });
}

/** validateIngressTLS: hosts as rule hosts (IPs are not refused there), secretName a Secret's name. */
function checkTls(tls: IngressTlsSpec[], issue: Issue): void {
  tls.forEach((entry, i) => {
    (entry.hosts ?? []).forEach((host, j) => {
      for (const problem of hostProblems(host)) issue(['spec', 'tls', i, 'hosts', j], invalid(host, problem));
    });
    const secretName = entry.secretName ?? '';
    if (secretName !== '') for (const problem of subdomainProblems(secretName)) issue(['spec', 'tls', i, 'secretName'], invalid(secretName, problem));
  });
}

export const ingress = z
  .strictObject({
    apiVersion: z.literal('networking.k8s.io/v1'),
    kind: z.literal('Ingress'),
    metadata: objectMeta,
    spec: ingressSpec,
    status: ingressStatus.optional(),
  })
  .superRefine((object, ctx) => {
    const issue: Issue = (path, message) => ctx.addIssue({ code: 'custom', path, message });
    const spec = object.spec;
    const rules = spec.rules ?? [];
    if (rules.length === 0 && spec.defaultBackend === undefined) issue(['spec'], invalid(spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
    if (spec.defaultBackend !== undefined) checkBackend(spec.defaultBackend, ['spec', 'defaultBackend'], issue);
    checkRules(rules, issue);
    checkTls(spec.tls ?? [], issue);
    if (spec.ingressClassName !== undefined) {
      for (const problem of subdomainProblems(spec.ingressClassName)) issue(['spec', 'ingressClassName'], invalid(spec.ingressClassName, problem));
    }
    const annotated = object.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
    if (annotated !== undefined && spec.ingressClassName !== undefined && annotated !== spec.ingressClassName) {
      issue(['metadata', 'annotations', INGRESS_CLASS_ANNOTATION], invalid(annotated, 'must match `ingressClassName` when both are specified'));
    }
  });

export type Ingress = z.infer<typeof ingress>;
