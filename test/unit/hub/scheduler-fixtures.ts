/**
 * Builders for scheduler tests: the hub fixtures' Pods and Nodes plus the fields scheduling reads
 * (requests, tolerations, affinity; allocatable cpu/memory, taints).
 */
import type { KubeObject } from '../../../shared/api/object.js';
import type { Affinity, NodeSelectorTerm, Toleration } from '../../../shared/api/schema/pod.js';
import type { Taint } from '../../../hub/scheduler/taints.js';
import { node as baseNode, pod as basePod, type NodeOptions, type PodOptions } from './fixtures.js';

export interface SchedPodOptions extends PodOptions {
  /** Per container requests, e.g. [{ cpu: '500m', memory: '1Gi' }]; one container without requests if absent. */
  requests?: Array<Record<string, string>>;
  limits?: Array<Record<string, string>>;
  tolerations?: Toleration[];
  affinity?: Affinity;
}

export function schedPod(name: string, o: SchedPodOptions = {}): KubeObject {
  const p = basePod(name, o);
  const spec = p.spec as Record<string, unknown>;
  const count = Math.max(o.requests?.length ?? 0, o.limits?.length ?? 0, 1);
  spec.containers = Array.from({ length: count }, (_, i) => {
    const requests = o.requests?.[i];
    const limits = o.limits?.[i];
    const resources = { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
    return { name: `c${i}`, image: 'nginx:1.14.2', ...(requests || limits ? { resources } : {}) };
  });
  if (o.tolerations) spec.tolerations = o.tolerations;
  if (o.affinity) spec.affinity = o.affinity;
  return p;
}

export interface SchedNodeOptions extends NodeOptions {
  cpu?: string;
  memory?: string;
  ephemeralStorage?: string;
  taints?: Taint[];
}

export function schedNode(name: string, o: SchedNodeOptions = {}): KubeObject {
  const n = baseNode(name, o);
  const status = n.status as { allocatable?: Record<string, string> };
  status.allocatable = {
    cpu: o.cpu ?? '4',
    memory: o.memory ?? '8Gi',
    pods: String(o.maxPods ?? 110),
    ...(o.ephemeralStorage !== undefined ? { 'ephemeral-storage': o.ephemeralStorage } : {}),
  };
  if (o.taints) (n.spec as Record<string, unknown>).taints = o.taints;
  return n;
}

/** requiredDuringSchedulingIgnoredDuringExecution with the given terms. */
export function requiredAffinity(...terms: NodeSelectorTerm[]): Affinity {
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}
