/**
 * The filters a node must pass, in kube-scheduler's default plugin order (NodeUnschedulable,
 * TaintToleration, NodeAffinity, NodeResourcesFit), after Skiff's Ready check. As the scheduling
 * framework does, a node is judged by the first filter that fails, and that filter may give
 * several reasons (NodeResourcesFit names every resource that is short). Each reason is the
 * plugin's own phrase, since FailedScheduling messages are built from them.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { NodeStatus } from '../../shared/api/status-types.js';
import { UNSCHEDULABLE_TAINT as UNSCHEDULABLE_TAINT_KEY } from '../../shared/api/taint-keys.js';
import type { NodeInfo } from './node-info.js';
import { matchesRequiredNodeAffinity, type AffinitySpec } from './node-affinity.js';
import { podRequests } from './resources.js';
import { untoleratedTaint, type Taint, type Toleration } from './taints.js';

export interface Filter {
  name: string;
  /** Why the node does not fit; empty when it does. */
  check(pod: KubeObject, info: NodeInfo): string[];
}

const specOf = (pod: KubeObject) => (pod.spec ?? {}) as AffinitySpec & { tolerations?: Toleration[] };
const nodeSpecOf = (node: KubeObject) => (node.spec ?? {}) as { unschedulable?: boolean; taints?: Taint[] };

/** node.kubernetes.io/unschedulable: tolerating it lets a Pod onto a cordoned node. */
export const UNSCHEDULABLE_TAINT: Taint = { key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule' };

function isNodeReady(node: KubeObject): boolean {
  const status = node.status as NodeStatus | undefined;
  return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * kube-scheduler itself never reads the Ready condition (it relies on the not-ready/unreachable
 * taints); Skiff keeps every Pod off a node that is not Ready, with the phrase older
 * kube-schedulers used, so a Pod never lands on a node before the lifecycle taints are on it.
 */
export const nodeReady: Filter = {
  name: 'NodeReady',
  check: (_pod, info) => (isNodeReady(info.node) ? [] : ['node(s) were not ready']),
};

export const nodeUnschedulable: Filter = {
  name: 'NodeUnschedulable',
  check: (pod, info) => {
    if (nodeSpecOf(info.node).unschedulable !== true) return [];
    const tolerated = untoleratedTaint(specOf(pod).tolerations, [UNSCHEDULABLE_TAINT], ['NoSchedule']) === undefined;
    return tolerated ? [] : ['node(s) were unschedulable'];
  },
};

export const taintToleration: Filter = {
  name: 'TaintToleration',
  check: (pod, info) => {
    const taint = untoleratedTaint(specOf(pod).tolerations, nodeSpecOf(info.node).taints, ['NoSchedule', 'NoExecute']);
    return taint ? [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`] : [];
  },
};

export const nodeAffinity: Filter = {
  name: 'NodeAffinity',
  check: (pod, info) => (matchesRequiredNodeAffinity(specOf(pod), info.node) ? [] : ["node(s) didn't match Pod's node affinity/selector"]),
};

/** NodeResourcesFit's fitsRequest: the Pod count first, then cpu, memory and ephemeral-storage, each only if asked for. */
export const nodeResourcesFit: Filter = {
  name: 'NodeResourcesFit',
  check: (pod, info) => {
    const reasons: string[] = [];
    if (info.pods.length + 1 > info.allocatable.pods) reasons.push('Too many pods');
    const wants = podRequests(pod);
    if (wants.milliCpu > 0 && wants.milliCpu > info.allocatable.milliCpu - info.requested.milliCpu) reasons.push('Insufficient cpu');
    if (wants.memory > 0 && wants.memory > info.allocatable.memory - info.requested.memory) reasons.push('Insufficient memory');
    if (wants.ephemeralStorage > 0 && wants.ephemeralStorage > info.allocatable.ephemeralStorage - info.requested.ephemeralStorage) reasons.push('Insufficient ephemeral-storage');
    return reasons;
  },
};

export const FILTERS: readonly Filter[] = [nodeReady, nodeUnschedulable, taintToleration, nodeAffinity, nodeResourcesFit];

/** The reasons of the first filter the node fails, or empty when it passes them all. */
export function failingReasons(pod: KubeObject, info: NodeInfo, filters: readonly Filter[] = FILTERS): string[] {
  for (const filter of filters) {
    const reasons = filter.check(pod, info);
    if (reasons.length > 0) return reasons;
  }
  return [];
}
