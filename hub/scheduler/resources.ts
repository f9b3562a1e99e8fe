/**
 * What a Pod asks for and what a node has left, in the units NodeResourcesFit counts: CPU in
 * millicores, memory in bytes, and one Pod slot per Pod.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { bytes, cpuMillicores } from '../../shared/api/quantity.js';
import type { NodeStatus } from '../../shared/api/status-types.js';
import { DEFAULTS } from '../../shared/defaults.js';

export interface Resources {
  milliCpu: number;
  memory: number;
  /** Bytes of the node's filesystem (kubelet's nodefs) the Pod's containers may write. */
  ephemeralStorage: number;
}


/** The scoring defaults for a container without requests (k8s pkg/scheduler/util: 100m, 200Mi). */
export const NON_ZERO_DEFAULTS: Resources = { milliCpu: 100, memory: 200 * 1024 * 1024, ephemeralStorage: 0 };

interface ContainerResources {
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}

/**
 * A container's request for `name`: requests, else limits (the API server defaults a missing
 * request to the limit; Skiff's defaulting does not, so the scheduler reads it the same way).
 */
function containerRequest(container: ContainerResources, name: 'cpu' | 'memory' | 'ephemeral-storage'): string | number | undefined {
  return container.resources?.requests?.[name] ?? container.resources?.limits?.[name];
}

function containersOf(pod: KubeObject): ContainerResources[] {
  return (pod.spec as { containers?: ContainerResources[] } | undefined)?.containers ?? [];
}

function sumRequests(pod: KubeObject, missing: Resources): Resources {
  const sum: Resources = { milliCpu: 0, memory: 0, ephemeralStorage: 0 };
  for (const container of containersOf(pod)) {
    const cpu = containerRequest(container, 'cpu');
    const mem = containerRequest(container, 'memory');
    const storage = containerRequest(container, 'ephemeral-storage');
    sum.milliCpu += cpu === undefined ? missing.milliCpu : cpuMillicores(cpu);
    sum.memory += mem === undefined ? missing.memory : bytes(mem);
    sum.ephemeralStorage += storage === undefined ? missing.ephemeralStorage : bytes(storage);
  }
  return sum;
}

/**
 * A Pod's sums, parsed once per Pod object: a decision asks for them once per node (filter and
 * score), as kube-scheduler computes them once per cycle (PreFilter state). Keyed by the object,
 * so a new version of a Pod (every store read and change event gives a new object) is parsed anew;
 * the sums are frozen since callers share them.
 */
const parsed = new WeakMap<KubeObject, { requests: Readonly<Resources>; nonZero: Readonly<Resources> }>();

function parsedRequests(pod: KubeObject): { requests: Readonly<Resources>; nonZero: Readonly<Resources> } {
  let sums = parsed.get(pod);
  if (!sums) {
    sums = { requests: Object.freeze(sumRequests(pod, { milliCpu: 0, memory: 0, ephemeralStorage: 0 })), nonZero: Object.freeze(sumRequests(pod, NON_ZERO_DEFAULTS)) };
    parsed.set(pod, sums);
  }
  return sums;
}

/** The requests NodeResourcesFit checks: a container without requests counts as zero. */
export function podRequests(pod: KubeObject): Readonly<Resources> {
  return parsedRequests(pod).requests;
}

/** The requests least-allocated scoring uses: a container without requests counts as 100m/200Mi. */
export function nonZeroPodRequests(pod: KubeObject): Readonly<Resources> {
  return parsedRequests(pod).nonZero;
}

export interface Allocatable extends Resources {
  pods: number;
}

/** A node's status.allocatable; a resource it has not reported counts as none. */
export function nodeAllocatable(node: KubeObject): Allocatable {
  const allocatable = (node.status as NodeStatus | undefined)?.allocatable ?? {};
  return {
    milliCpu: allocatable.cpu === undefined ? 0 : cpuMillicores(allocatable.cpu),
    memory: allocatable.memory === undefined ? 0 : bytes(allocatable.memory),
    ephemeralStorage: allocatable['ephemeral-storage'] === undefined ? 0 : bytes(allocatable['ephemeral-storage']),
    pods: allocatable.pods === undefined ? DEFAULTS.node.maxPods : Number(allocatable.pods),
  };
}

export function addResources(a: Resources, b: Resources): Resources {
  return { milliCpu: a.milliCpu + b.milliCpu, memory: a.memory + b.memory, ephemeralStorage: a.ephemeralStorage + b.ephemeralStorage };
}
