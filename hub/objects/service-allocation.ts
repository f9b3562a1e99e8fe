/**
 * Service clusterIPs and nodePorts, chosen as kube-apiserver's allocators choose them
 * (pkg/registry/core/service/ipallocator and portallocator) but without a separate bitmap: what is
 * taken is read from the stored Services inside the same store transaction as the write
 * (hub/store/store.ts WriteAdmission), so two Services can never get the same one, even when
 * created at once, and deleting a Service frees its values with no bookkeeping to go stale.
 *
 * - create: an empty clusterIP gets a free address of the service CIDR (the first one is kept for
 *   a future `kubernetes` Service, as Kubernetes gives it), a requested one must be in the CIDR
 *   and free; every port of a NodePort Service without a nodePort gets a free one of the range at
 *   random, a requested one must be in the range and free.
 * - update: clusterIP is immutable; a body that omits clusterIP or a nodePort keeps the allocated
 *   one (patchAllocatedValues: nodePorts are matched by port name), which is what re-applying an
 *   unchanged manifest relies on.
 */
import { DEFAULTS } from '../../shared/defaults.js';
import { SkiffError, type FieldError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import { HEADLESS_CLUSTER_IP, type ServicePort, type ServiceSpec } from '../../shared/api/schema/service.js';
import type { WriteAdmission } from '../store/store.js';
import { invalidError } from '../api/status.js';

export interface ServiceRanges {
  /** IPv4 CIDR clusterIPs come from, e.g. 10.43.0.0/16. */
  clusterIpCidr: string;
  nodePortMin: number;
  nodePortMax: number;
}

export const DEFAULT_SERVICE_RANGES: ServiceRanges = {
  clusterIpCidr: DEFAULTS.services.clusterIpCidr,
  nodePortMin: DEFAULTS.services.nodePortMin,
  nodePortMax: DEFAULTS.services.nodePortMax,
};

interface Cidr {
  base: number;
  size: number;
}

function ipToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [address = '', bitsText = ''] = cidr.split('/');
  const ip = ipToNumber(address);
  const bits = Number(bitsText);
  if (ip === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid service CIDR "${cidr}": want an IPv4 CIDR from /8 to /30`);
  }
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size };
}

const isNodePortType = (spec: ServiceSpec): boolean => spec.type === 'NodePort';
const wantsClusterIP = (spec: ServiceSpec): boolean => spec.clusterIP !== HEADLESS_CLUSTER_IP;

/** Go's %#v of a []string, as Kubernetes quotes spec.clusterIPs in its messages. */
const goStrings = (values: string[]): string => `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;

/**
 * The Service to store: `next` with clusterIP(s) and nodePorts allocated or kept, given the
 * stored version (`previous`, on update) and every other stored Service. Throws the API's
 * Invalid error (nothing stored) for a value out of range, taken, or changed when immutable.
 */
export function allocateService(next: KubeObject, previous: KubeObject | undefined, others: KubeObject[], ranges: ServiceRanges, random: () => number): KubeObject {
  const spec: ServiceSpec = structuredClone((next.spec ?? {}) as ServiceSpec);
  const before = previous?.spec as ServiceSpec | undefined;
  const errors: FieldError[] = [];
  const name = next.metadata.name ?? '';

  if (before) keepAllocatedValues(spec, before);
  if (before && (spec.clusterIP ?? '') !== (before.clusterIP ?? '')) {
    errors.push({ path: 'spec.clusterIP', message: `Invalid value: ${JSON.stringify(spec.clusterIP ?? '')}: field is immutable` });
  }

  const otherSpecs = others.map((o) => (o.spec ?? {}) as ServiceSpec);
  if (errors.length === 0 && !before && wantsClusterIP(spec)) {
    const ip = allocateClusterIP(spec.clusterIP || spec.clusterIPs?.[0], otherSpecs, ranges.clusterIpCidr, random, errors);
    if (ip !== undefined) {
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
    }
  }
  if (spec.clusterIP === HEADLESS_CLUSTER_IP) spec.clusterIPs = [HEADLESS_CLUSTER_IP];

  if (isNodePortType(spec)) {
    const ownedBefore = new Set(before && isNodePortType(before) ? (before.ports ?? []).map((p) => p.nodePort).filter((p) => p !== undefined) : []);
    spec.ports = allocateNodePorts(spec.ports ?? [], ownedBefore, otherSpecs, ranges, random, errors);
  }
  if (errors.length > 0) throw invalidError('Service', name, errors);
  return { ...next, spec };
}

/** patchAllocatedValues: an update that leaves clusterIP or a nodePort out keeps the stored one. */
function keepAllocatedValues(spec: ServiceSpec, before: ServiceSpec): void {
  if ((spec.clusterIP === undefined || spec.clusterIP === '') && before.clusterIP !== undefined) spec.clusterIP = before.clusterIP;
  if ((spec.clusterIPs === undefined || spec.clusterIPs.length === 0) && before.clusterIPs !== undefined) spec.clusterIPs = [...before.clusterIPs];
  if (!isNodePortType(spec) || !isNodePortType(before)) return;
  const requested = new Set((spec.ports ?? []).map((p) => p.nodePort).filter((p) => p !== undefined && p !== 0));
  const byName = new Map((before.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
  spec.ports = (spec.ports ?? []).map((p) => {
    if (p.nodePort !== undefined && p.nodePort !== 0) return p;
    const kept = byName.get(p.name ?? '');
    // A value another port of the new spec asks for explicitly is that port's now.
    return kept !== undefined && !requested.has(kept) ? { ...p, nodePort: kept } : p;
  });
}

function allocateClusterIP(requested: string | undefined, others: ServiceSpec[], cidrText: string, random: () => number, errors: FieldError[]): string | undefined {
  const cidr = parseCidr(cidrText);
  const taken = new Set(others.map((s) => s.clusterIP).filter((ip): ip is string => ip !== undefined && ip !== HEADLESS_CLUSTER_IP));
  if (requested !== undefined && requested !== '') {
    const n = ipToNumber(requested);
    const inRange = n !== undefined && n > cidr.base && n < cidr.base + cidr.size - 1;
    const problem = !inRange ? `provided IP is not in the valid range. The range of valid IPs is ${cidrText}` : taken.has(requested) ? 'provided IP is already allocated' : undefined;
    if (problem) errors.push({ path: 'spec.clusterIPs', message: `Invalid value: ${goStrings([requested])}: failed to allocate IP ${requested}: ${problem}` });
    return requested;
  }
  // Usable: base+2 .. broadcast-1 (base+1 is kept for the `kubernetes` Service). Random start,
  // then the next free one, as the bitmap allocator's random scan does.
  const first = cidr.base + 2;
  const count = cidr.size - 3;
  const start = Math.floor(random() * count);
  for (let i = 0; i < count; i++) {
    const ip = numberToIp(first + ((start + i) % count));
    if (!taken.has(ip)) return ip;
  }
  throw new SkiffError('SKIFF_ERR_INTERNAL', 'Internal error occurred: failed to allocate a serviceIP: range is full');
}

function allocateNodePorts(ports: ServicePort[], ownedBefore: Set<number>, others: ServiceSpec[], ranges: ServiceRanges, random: () => number, errors: FieldError[]): ServicePort[] {
  const taken = new Set<number>();
  for (const s of others) if (isNodePortType(s)) for (const p of s.ports ?? []) if (p.nodePort) taken.add(p.nodePort);
  const rangeText = `${ranges.nodePortMin}-${ranges.nodePortMax}`;
  // Requested ones first, so that a random pick never takes a port this same Service asks for.
  const claimed = new Set<number>();
  ports.forEach((p, i) => {
    if (p.nodePort === undefined || p.nodePort === 0) return;
    claimed.add(p.nodePort);
    if (ownedBefore.has(p.nodePort)) return; // already this Service's
    const path = `spec.ports[${i}].nodePort`;
    if (p.nodePort < ranges.nodePortMin || p.nodePort > ranges.nodePortMax) {
      errors.push({ path, message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${rangeText}` });
    } else if (taken.has(p.nodePort)) {
      errors.push({ path, message: `Invalid value: ${p.nodePort}: provided port is already allocated` });
    }
  });
  return ports.map((p) => {
    if (p.nodePort !== undefined && p.nodePort !== 0) return p;
    const free: number[] = [];
    for (let port = ranges.nodePortMin; port <= ranges.nodePortMax; port++) if (!taken.has(port) && !claimed.has(port)) free.push(port);
    if (free.length === 0) throw new SkiffError('SKIFF_ERR_INTERNAL', 'Internal error occurred: failed to allocate a nodePort: range is full');
    const nodePort = free[Math.floor(random() * free.length)]!;
    claimed.add(nodePort);
    return { ...p, nodePort };
  });
}

/** The store's WriteAdmission for Services: allocation against every other stored Service. */
export function serviceAdmission(ranges: ServiceRanges = DEFAULT_SERVICE_RANGES, random: () => number = Math.random): WriteAdmission {
  parseCidr(ranges.clusterIpCidr); // a bad range fails at start-up, not at the first Service
  const isService = (resource: ResourceType): boolean => resource.group === '' && resource.kind === 'Service';
  return {
    reads: (resource) => (isService(resource) ? [resource] : []),
    admit: ({ resource, object, previous, list }) => {
      if (!isService(resource)) return object;
      const others = list(resource).filter((s) => !(s.metadata.namespace === object.metadata.namespace && s.metadata.name === object.metadata.name));
      return allocateService(object, previous, others, ranges, random);
    },
  };
}
