/**
 * The Node's labels and status as the agent asserts them (pure; node-facts.ts gathers the facts).
 * Field for field what kubelet reports, so `skiff get nodes -o wide` and kube tooling read it.
 */
import { DEFAULTS, KUBE_COMPAT_VERSION } from '../../shared/defaults.js';
import type { NodeAddress, NodeCondition, NodeStatus } from '../../shared/api/status-types.js';
import { resourceLists, type NodeCapacity } from './node-resources.js';

export interface NodeFacts {
  cpuCores: number;
  memoryBytes: number;
  /** Go's GOARCH spelling, as Kubernetes reports it (amd64, arm64, arm). */
  architecture: string;
  kernelVersion: string;
  osImage: string;
  /** e.g. docker://20.10.24 */
  containerRuntimeVersion: string;
  internalIP?: string;
  hostname: string;
}

/** Node's process.arch in Go's GOARCH spelling (kubernetes.io/arch values). */
export function goArch(nodeArch: string): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return map[nodeArch] ?? nodeArch;
}

/** Well-known kubernetes.io labels, then --node-label entries (which may override them). */
export function nodeLabels(node: string, architecture: string, extra: Readonly<Record<string, string>>): Record<string, string> {
  return {
    'kubernetes.io/hostname': node,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': architecture,
    ...extra,
  };
}

/** The machine's capacity from its facts; storage is the data dir's filesystem when known. */
export function machineCapacity(facts: NodeFacts, maxPods: number = DEFAULTS.node.maxPods, ephemeralStorageBytes?: number): NodeCapacity {
  return { milliCpu: facts.cpuCores * 1000, memoryBytes: facts.memoryBytes, maxPods, ...(ephemeralStorageBytes !== undefined ? { ephemeralStorageBytes } : {}) };
}

export interface NodeStatusOptions {
  /** capacity and allocatable (node-resources.ts); default: the whole machine for both, 110 pods. */
  resources?: { capacity: Record<string, string>; allocatable: Record<string, string> };
  /** MemoryPressure, DiskPressure, PIDPressure (node-pressure.ts); kubelet lists them before Ready. */
  pressure?: readonly NodeCondition[];
  /** The port the agent's service relay listens on, once it does. */
  relayPort?: number;
}

export function buildNodeStatus(facts: NodeFacts, nowIso: string, readySinceIso: string, options: NodeStatusOptions = {}): NodeStatus {
  const whole = machineCapacity(facts);
  const resources = options.resources ?? resourceLists(whole, { ...whole, pods: whole.maxPods });
  const addresses: NodeAddress[] = [
    ...(facts.internalIP ? [{ type: 'InternalIP' as const, address: facts.internalIP }] : []),
    { type: 'Hostname', address: facts.hostname },
  ];
  return {
    capacity: { ...resources.capacity },
    allocatable: { ...resources.allocatable },
    conditions: [
      ...(options.pressure ?? []),
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'skiff agent is posting ready status',
        lastHeartbeatTime: nowIso,
        lastTransitionTime: readySinceIso,
      },
    ],
    addresses,
    ...(options.relayPort !== undefined ? { daemonEndpoints: { kubeletEndpoint: { Port: options.relayPort } } } : {}),
    nodeInfo: {
      architecture: facts.architecture,
      operatingSystem: 'linux',
      kernelVersion: facts.kernelVersion,
      osImage: facts.osImage,
      containerRuntimeVersion: facts.containerRuntimeVersion,
      kubeletVersion: KUBE_COMPAT_VERSION,
    },
  };
}
