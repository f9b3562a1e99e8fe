/**
 * The scheduler's view of one node (as kube-scheduler's NodeInfo): the node, the Pods bound to it
 * and the sum of their requests. Pods that have finished (Succeeded or Failed) hold nothing; a
 * terminating Pod still holds its place until it is gone, since its containers still run.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { nodeNameOf, podStatus } from '../controllers/pod-facts.js';
import { addResources, nodeAllocatable, nonZeroPodRequests, podRequests, type Allocatable, type Resources } from './resources.js';

export interface NodeInfo {
  node: KubeObject;
  name: string;
  pods: KubeObject[];
  allocatable: Allocatable;
  /** Sum of the bound Pods' requests (what NodeResourcesFit subtracts). */
  requested: Resources;
  /** The same with 100m/200Mi for containers without requests (what scoring uses). */
  nonZeroRequested: Resources;
}

function isTerminal(pod: KubeObject): boolean {
  const phase = podStatus(pod).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function buildNodeInfos(nodes: readonly KubeObject[], pods: readonly KubeObject[]): NodeInfo[] {
  const infos = new Map<string, NodeInfo>();
  for (const node of nodes) {
    const name = node.metadata.name!;
    const zero = { milliCpu: 0, memory: 0, ephemeralStorage: 0 };
    infos.set(name, { node, name, pods: [], allocatable: nodeAllocatable(node), requested: zero, nonZeroRequested: zero });
  }
  for (const pod of pods) {
    const info = infos.get(nodeNameOf(pod) ?? '');
    if (!info || isTerminal(pod)) continue;
    info.pods.push(pod);
    info.requested = addResources(info.requested, podRequests(pod));
    info.nonZeroRequested = addResources(info.nonZeroRequested, nonZeroPodRequests(pod));
  }
  return [...infos.values()];
}
