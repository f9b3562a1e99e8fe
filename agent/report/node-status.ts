/**
 * The Node's labels and status as the agent asserts them (pure; node-facts.ts gathers the facts).
 * Field for field what kubelet reports, so `skiff get nodes -o wide` and kube tooling read it.
 */
import { KUBE_COMPAT_VERSION } from '../../shared/defaults.js';
import type { NodeAddress, NodeStatus } from '../../shared/api/status-types.js';

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

export function buildNodeStatus(facts: NodeFacts, nowIso: string, readySinceIso: string): NodeStatus {
  const resources = {
    cpu: String(facts.cpuCores),
    memory: `${Math.floor(facts.memoryBytes / 1024)}Ki`,
    pods: '110', // kubelet's default maxPods
  };
  const addresses: NodeAddress[] = [
    ...(facts.internalIP ? [{ type: 'InternalIP' as const, address: facts.internalIP }] : []),
    { type: 'Hostname', address: facts.hostname },
  ];
  return {
    capacity: { ...resources },
    allocatable: { ...resources },
    conditions: [
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
