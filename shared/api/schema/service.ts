/**
 * core/v1 Service and Endpoints (issue #8), with Kubernetes' ValidateService / ValidateEndpoints
 * rules in its own words. Skiff serves the types ClusterIP and NodePort and the protocol TCP; the
 * rest is refused as Kubernetes refuses an unsupported value. Checks that need the other Services
 * (a clusterIP or nodePort already taken, the configured ranges) are the hub's, at write time
 * (hub/objects/service-allocation.ts), as kube-apiserver's allocators are.
 */
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { labels, objectMeta } from './meta.js';
import { DNS1123_LABEL } from '../names.js';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort'] as const;
export const SERVICE_PROTOCOLS = ['TCP'] as const;
export const SESSION_AFFINITIES = ['ClientIP', 'None'] as const;
/** clusterIP "None": a headless Service, which gets no clusterIP (and no proxying). */
export const HEADLESS_CLUSTER_IP = 'None';
/** Kubernetes' upper bound for sessionAffinityConfig.clientIP.timeoutSeconds (one day). */
export const MAX_CLIENT_IP_TIMEOUT_SECONDS = 86_400;

export const servicePort = z.strictObject({
  name: z.string().optional(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
  port: z.number().int(),
  targetPort: z.union([z.number().int(), z.string()]).optional(),
  nodePort: z.number().int().optional(),
});

export const serviceSpec = z.strictObject({
  type: z.string().optional(),
  selector: labels.optional(),
  ports: z.array(servicePort).optional(),
  clusterIP: z.string().optional(),
  clusterIPs: z.array(z.string()).optional(),
  ipFamilies: z.array(z.enum(['IPv4'])).optional(),
  ipFamilyPolicy: z.enum(['SingleStack']).optional(),
  sessionAffinity: z.string().optional(),
  sessionAffinityConfig: z.strictObject({ clientIP: z.strictObject({ timeoutSeconds: z.number().int().optional() }).optional() }).optional(),
  internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  publishNotReadyAddresses: z.boolean().optional(),
});

export type ServicePort = z.infer<typeof servicePort>;
export type ServiceSpec = z.infer<typeof serviceSpec>;

/** field.NotSupported's message. */
function unsupported(value: string, supported: readonly string[]): string {
  return `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`;
}

const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const validPort = (port: number): boolean => port >= 1 && port <= 65535;

/** validation.IsValidPortName (IANA_SVC_NAME): what a named targetPort must look like. */
export function portNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > 15) problems.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) problems.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) problems.push('must contain at least one letter (a-z)');
  if (name.includes('--')) problems.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) problems.push('must not begin or end with a hyphen');
  return problems;
}

const DNS_LABEL_MESSAGE = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

function checkPorts(spec: ServiceSpec, type: string, ctx: z.RefinementCtx): void {
  const ports = spec.ports ?? [];
  const names = new Set<string>();
  const portKeys = new Set<string>();
  const nodePorts = new Set<number>();
  ports.forEach((p, i) => {
    const at = (field?: string): PropertyKey[] => (field ? ['spec', 'ports', i, field] : ['spec', 'ports', i]);
    const issue = (path: PropertyKey[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
    const name = p.name ?? '';
    if (ports.length > 1 && name === '') issue(at('name'), 'Required value');
    if (name !== '') {
      if (name.length > 63 || !DNS1123_LABEL.test(name)) issue(at('name'), `Invalid value: ${JSON.stringify(name)}: ${DNS_LABEL_MESSAGE}`);
      else if (names.has(name)) issue(at('name'), `Duplicate value: ${JSON.stringify(name)}`);
      names.add(name);
    }
    const protocol = p.protocol ?? 'TCP';
    if (!(SERVICE_PROTOCOLS as readonly string[]).includes(protocol)) issue(at('protocol'), unsupported(protocol, SERVICE_PROTOCOLS));
    if (!validPort(p.port)) issue(at('port'), `Invalid value: ${p.port}: ${PORT_RANGE}`);
    const portKey = `${p.port}/${protocol}`;
    if (portKeys.has(portKey)) issue(at(), `Duplicate value: {"port":${p.port},"protocol":${JSON.stringify(protocol)}}`);
    portKeys.add(portKey);
    if (typeof p.targetPort === 'number') {
      if (!validPort(p.targetPort)) issue(at('targetPort'), `Invalid value: ${p.targetPort}: ${PORT_RANGE}`);
    } else if (p.targetPort !== undefined) {
      for (const problem of portNameProblems(p.targetPort)) issue(at('targetPort'), `Invalid value: ${JSON.stringify(p.targetPort)}: ${problem}`);
    }
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type === 'ClusterIP') issue(at('nodePort'), "Forbidden: may not be used when `type` is 'ClusterIP'");
      else if (!validPort(p.nodePort)) issue(at('nodePort'), `Invalid value: ${p.nodePort}: ${PORT_RANGE}`);
      else if (nodePorts.has(p.nodePort)) issue(at('nodePort'), `Duplicate value: ${p.nodePort}`);
      nodePorts.add(p.nodePort);
    }
  });
}

function checkClusterIP(spec: ServiceSpec, type: string, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
  const ip = spec.clusterIP ?? spec.clusterIPs?.[0] ?? '';
  if (spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIPs?.[0] !== undefined && spec.clusterIPs[0] !== spec.clusterIP) {
    issue(['spec', 'clusterIPs'], `Invalid value: ${JSON.stringify(spec.clusterIPs)}: first value must match \`clusterIP\``);
  }
  if ((spec.clusterIPs?.length ?? 0) > 1) issue(['spec', 'clusterIPs'], 'Invalid value: may specify no more than one IP for each IP family (Skiff serves IPv4 only)');
  if (ip === HEADLESS_CLUSTER_IP) {
    if (type === 'NodePort') issue(['spec', 'clusterIPs', 0], `Invalid value: "None": may not be set to 'None' for NodePort services`);
    return;
  }
  if (ip !== '' && !isIPv4(ip)) issue(['spec', 'clusterIPs', 0], `Invalid value: ${JSON.stringify(ip)}: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`);
  if ((spec.ports ?? []).length === 0) issue(['spec', 'ports'], 'Required value');
}

function checkSessionAffinity(spec: ServiceSpec, ctx: z.RefinementCtx): void {
  const affinity = spec.sessionAffinity ?? 'None';
  if (!(SESSION_AFFINITIES as readonly string[]).includes(affinity)) {
    ctx.addIssue({ code: 'custom', path: ['spec', 'sessionAffinity'], message: unsupported(affinity, SESSION_AFFINITIES) });
    return;
  }
  if (affinity === 'None' && spec.sessionAffinityConfig !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['spec', 'sessionAffinityConfig'], message: `Invalid value: ${JSON.stringify(spec.sessionAffinityConfig)}: must not be set when session affinity is None` });
  }
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (affinity === 'ClientIP' && timeout !== undefined && (timeout <= 0 || timeout > MAX_CLIENT_IP_TIMEOUT_SECONDS)) {
    ctx.addIssue({
      code: 'custom',
      path: ['spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds'],
      message: `Invalid value: ${timeout}: must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT_SECONDS}`,
    });
  }
}

export const service = z
  .strictObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('Service'),
    metadata: objectMeta,
    spec: serviceSpec,
    status: z.unknown().optional(),
  })
  .superRefine((svc, ctx) => {
    const type = svc.spec.type ?? 'ClusterIP';
    if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'type'], message: unsupported(type, SERVICE_TYPES) });
    }
    checkPorts(svc.spec, type, ctx);
    checkClusterIP(svc.spec, type, ctx);
    checkSessionAffinity(svc.spec, ctx);
  });

export interface ServiceStatus {
  loadBalancer: Record<string, never>;
}

export type Service = Omit<z.infer<typeof service>, 'status'> & { status?: ServiceStatus };

export const objectReference = z.strictObject({
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});

const ipAddress = z.string().refine(isIPv4, { message: 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' });

export const endpointAddress = z.strictObject({
  ip: ipAddress,
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: objectReference.optional(),
});

export const endpointPort = z.strictObject({
  name: z.string().optional(),
  port: z.number().int(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
});

export const endpointSubset = z.strictObject({
  addresses: z.array(endpointAddress).optional(),
  notReadyAddresses: z.array(endpointAddress).optional(),
  ports: z.array(endpointPort).optional(),
});

export const endpoints = z
  .strictObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('Endpoints'),
    metadata: objectMeta,
    subsets: z.array(endpointSubset).optional(),
  })
  .superRefine((ep, ctx) => {
    // ValidateEndpoints: within a subset, port names are required when there are several, and unique.
    (ep.subsets ?? []).forEach((subset, i) => {
      const ports = subset.ports ?? [];
      const seen = new Set<string>();
      ports.forEach((p, j) => {
        const issue = (field: string, message: string): void => ctx.addIssue({ code: 'custom', path: ['subsets', i, 'ports', j, field], message });
        if (ports.length > 1 && !p.name) issue('name', 'Required value');
        else if (p.name && seen.has(p.name)) issue('name', `Duplicate value: ${JSON.stringify(p.name)}`);
        if (p.name) seen.add(p.name);
        if (!validPort(p.port)) issue('port', `Invalid value: ${p.port}: ${PORT_RANGE}`);
        const protocol = p.protocol ?? 'TCP';
        if (!(SERVICE_PROTOCOLS as readonly string[]).includes(protocol)) issue('protocol', unsupported(protocol, SERVICE_PROTOCOLS));
      });
    });
  });

export type EndpointAddress = z.infer<typeof endpointAddress>;
export type EndpointPort = z.infer<typeof endpointPort>;
export type EndpointSubset = z.infer<typeof endpointSubset>;
export type Endpoints = z.infer<typeof endpoints>;
