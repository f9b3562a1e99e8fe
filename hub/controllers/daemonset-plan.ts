/**
 * What one DaemonSet sync must do, as Kubernetes' daemon controller decides it
 * (pkg/controller/daemon: NodeShouldRunDaemonPod, podsShouldBeOnNode, rollingUpdate with
 * maxSurge 0, updateDaemonSetStatus): which nodes need a daemon Pod, which Pods must go and why,
 * and the status counts. Pure: nodes and Pods come in as small facts, time as `nowMs`.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { Labels } from '../../shared/api/labels.js';
import { isPodReady, nodeNameOf, podAvailability, podStatus } from './pod-facts.js';
import { daemonPodTolerations, toleratesAll, type NodeTaint, type Toleration } from './daemonset-tolerations.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

export interface DaemonNode {
  name: string;
  labels: Labels;
  taints: readonly NodeTaint[];
}

export interface DaemonPod {
  name: string;
  nodeName: string | undefined;
  /** deletionTimestamp is set: it is going, and still occupies its node until it is gone. */
  terminating: boolean;
  failed: boolean;
  succeeded: boolean;
  /** creationTimestamp (RFC 3339, so ordered as text); the oldest Pod on a node is kept. */
  created: string;
  /** Carries the current template (its controller-revision-hash or pod-template-generation). */
  updated: boolean;
  ready: boolean;
  available: boolean;
  /** Ready, not yet for minReadySeconds: when it becomes available. */
  availableAtMs?: number;
}

/** What the template asks of a node: its nodeSelector, nodeName and tolerations (daemon ones added). */
export interface DaemonTemplate {
  nodeSelector: Labels;
  nodeName?: string;
  tolerations: readonly Toleration[];
}

export interface RollingUpdate {
  maxUnavailable: number | string;
}

export type DeleteReason = 'failed' | 'duplicate' | 'misscheduled' | 'outdated' | 'unbound';

export interface PodDeletion {
  pod: string;
  node: string | undefined;
  reason: DeleteReason;
}

export interface DaemonSetCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  numberAvailable: number;
  numberUnavailable: number;
  updatedNumberScheduled: number;
}

export interface DaemonSetPlan {
  /** Nodes that need a daemon Pod created. */
  create: string[];
  delete: PodDeletion[];
  counts: DaemonSetCounts;
  /** When some Pod turns available (minReadySeconds): sync again then. */
  nextAvailableAtMs?: number;
}

/**
 * NodeShouldRunDaemonPod: `shouldRun` when the node matches the template and every NoSchedule /
 * NoExecute taint is tolerated; `shouldContinueRunning` also when only NoSchedule taints are not
 * (a Pod already there stays). Cordoned nodes are not excluded: Kubernetes' daemon Pods tolerate
 * `node.kubernetes.io/unschedulable` and never look at spec.unschedulable.
 */
export function nodeShouldRunDaemonPod(node: DaemonNode, template: DaemonTemplate): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const fitsNodeName = template.nodeName === undefined || template.nodeName === '' || template.nodeName === node.name;
  const fitsSelector = Object.entries(template.nodeSelector).every(([k, v]) => node.labels[k] === v);
  if (!fitsNodeName || !fitsSelector) return { shouldRun: false, shouldContinueRunning: false };
  const hard = node.taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (toleratesAll(template.tolerations, hard)) return { shouldRun: true, shouldContinueRunning: true };
  const noExecute = hard.filter((t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: toleratesAll(template.tolerations, noExecute) };
}

/** podByCreationTimestampAndPhase: bound first, then oldest, then by name. */
function oldestFirst(a: DaemonPod, b: DaemonPod): number {
  if (Boolean(a.nodeName) !== Boolean(b.nodeName)) return a.nodeName ? -1 : 1;
  if (a.created !== b.created) return a.created < b.created ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** intstr.GetScaledValueFromIntOrPercent(value, total, roundUp=true). */
export function scaledValue(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const percent = Number(value.replace(/%$/, ''));
  return Math.ceil((percent * total) / 100);
}

/**
 * Plans one sync. `pods` are the DaemonSet's own Pods (any state); `rollingUpdate` is absent for
 * OnDelete, where old Pods are replaced only once someone deletes them.
 */
export function planDaemonSet(nodes: readonly DaemonNode[], pods: readonly DaemonPod[], template: DaemonTemplate, rollingUpdate: RollingUpdate | undefined): DaemonSetPlan {
  const known = new Set(nodes.map((n) => n.name));
  // getNodesToDaemonPods: Pods that are both terminal and terminating are as good as gone.
  const present = pods.filter((p) => !(p.terminating && (p.failed || p.succeeded)));
  const byNode = new Map<string, DaemonPod[]>();
  for (const pod of present) {
    if (!pod.nodeName) continue;
    byNode.set(pod.nodeName, [...(byNode.get(pod.nodeName) ?? []), pod]);
  }
  const create: string[] = [];
  const deletions: PodDeletion[] = [];
  const remove = (pod: DaemonPod, reason: DeleteReason) => deletions.push({ pod: pod.name, node: pod.nodeName, reason });

  // A daemon Pod is always created bound; one without a node (made by hand and adopted) cannot be placed.
  for (const pod of present) if (!pod.nodeName && !pod.terminating) remove(pod, 'unbound');
  // Pods on nodes that are gone: Kubernetes' Pod GC removes them; here the DaemonSet does.
  for (const [nodeName, onNode] of byNode) {
    if (!known.has(nodeName)) for (const pod of onNode) if (!pod.terminating) remove(pod, 'misscheduled');
  }

  const eligibility = new Map(nodes.map((n) => [n.name, nodeShouldRunDaemonPod(n, template)]));
  for (const node of [...nodes].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const { shouldRun, shouldContinueRunning } = eligibility.get(node.name)!;
    const onNode = byNode.get(node.name) ?? [];
    if (shouldRun && onNode.length === 0) {
      create.push(node.name);
    } else if (shouldContinueRunning) {
      const running: DaemonPod[] = [];
      for (const pod of onNode) {
        if (pod.terminating) continue;
        if (pod.failed) remove(pod, 'failed');
        else running.push(pod);
      }
      // Without surge, one Pod per node: the oldest stays.
      for (const extra of running.sort(oldestFirst).slice(1)) remove(extra, 'duplicate');
    } else {
      for (const pod of onNode) if (!pod.terminating) remove(pod, 'misscheduled');
    }
  }

  const counts = countStatus(nodes, byNode, eligibility);
  // As updateDaemonSet: the rolling update waits for a sync in which nothing else is created or
  // deleted (Kubernetes' expectations), so a Pod just created counts as unavailable when it does.
  if (rollingUpdate && create.length === 0 && deletions.length === 0) {
    for (const pod of rollingUpdateDeletions(byNode, scaledMaxUnavailable(rollingUpdate, counts.desiredNumberScheduled))) remove(pod, 'outdated');
  }
  const next = Math.min(...present.map((p) => p.availableAtMs ?? Infinity));
  return { create, delete: deletions, counts, ...(Number.isFinite(next) ? { nextAvailableAtMs: next } : {}) };
}

/** updatedDesiredNodeCounts: maxUnavailable of the desired nodes; 0 would stall, so at least 1. */
function scaledMaxUnavailable(rollingUpdate: RollingUpdate, desired: number): number {
  const value = scaledValue(rollingUpdate.maxUnavailable, desired);
  return desired > 0 && value === 0 ? 1 : value;
}

/**
 * rollingUpdate with maxSurge 0: an old Pod is deleted (and recreated by the next sync) only while
 * fewer than maxUnavailable nodes are unavailable; an old Pod that is not available anyway is
 * replaced at once. Nodes are taken in name order so the rollout goes node by node, predictably.
 */
function rollingUpdateDeletions(byNode: Map<string, DaemonPod[]>, maxUnavailable: number): DaemonPod[] {
  let numUnavailable = 0;
  const replaceNow: DaemonPod[] = [];
  const candidates: DaemonPod[] = [];
  for (const nodeName of [...byNode.keys()].sort()) {
    const live = byNode.get(nodeName)!.filter((p) => !p.terminating);
    const fresh = live.filter((p) => p.updated);
    const old = live.filter((p) => !p.updated);
    if (fresh.length > 1 || old.length > 1 || fresh.length === old.length) {
      numUnavailable++; // the manage step is still creating or pruning here
    } else if (fresh.length === 1) {
      if (!fresh[0]!.available) numUnavailable++;
    } else if (!old[0]!.available) {
      replaceNow.push(old[0]!);
    } else if (numUnavailable < maxUnavailable) {
      candidates.push(old[0]!);
    }
  }
  const room = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
  return [...replaceNow, ...candidates.slice(0, room)];
}

/** updateDaemonSetStatus: counts of nodes, judged by the oldest daemon Pod on each. */
function countStatus(
  nodes: readonly DaemonNode[],
  byNode: Map<string, DaemonPod[]>,
  eligibility: Map<string, { shouldRun: boolean }>,
): DaemonSetCounts {
  const counts = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberAvailable: 0, updatedNumberScheduled: 0 };
  for (const node of nodes) {
    const onNode = byNode.get(node.name) ?? [];
    if (!eligibility.get(node.name)!.shouldRun) {
      if (onNode.length > 0) counts.numberMisscheduled++;
      continue;
    }
    counts.desiredNumberScheduled++;
    if (onNode.length === 0) continue;
    counts.currentNumberScheduled++;
    const pod = [...onNode].sort(oldestFirst)[0]!;
    if (pod.ready) {
      counts.numberReady++;
      if (pod.available) counts.numberAvailable++;
    }
    if (pod.updated) counts.updatedNumberScheduled++;
  }
  return { ...counts, numberUnavailable: counts.desiredNumberScheduled - counts.numberAvailable };
}

// ---- Readings of stored objects into the plan's facts ----

/** A Node as the plan sees it. */
export function daemonNodeOf(node: KubeObject): DaemonNode {
  const taints = (node.spec as { taints?: NodeTaint[] } | undefined)?.taints;
  return { name: node.metadata.name!, labels: node.metadata.labels ?? {}, taints: Array.isArray(taints) ? taints : [] };
}

/** IsPodUpdated: the revision hash or the template generation matches. */
export function isDaemonPodUpdated(pod: KubeObject, hash: string, templateGeneration: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  return labels[REVISION_HASH_LABEL] === hash || (templateGeneration !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(templateGeneration));
}

/** A Pod as the plan sees it. */
export function daemonPodOf(pod: KubeObject, hash: string, templateGeneration: number | undefined, minReadySeconds: number, nowMs: number): DaemonPod {
  const phase = podStatus(pod).phase;
  const availability = podAvailability(pod, minReadySeconds, nowMs);
  return {
    name: pod.metadata.name!,
    nodeName: nodeNameOf(pod),
    terminating: pod.metadata.deletionTimestamp !== undefined,
    failed: phase === 'Failed',
    succeeded: phase === 'Succeeded',
    created: String(pod.metadata.creationTimestamp ?? ''),
    updated: isDaemonPodUpdated(pod, hash, templateGeneration),
    ready: isPodReady(pod),
    available: availability.available,
    ...(availability.atMs !== undefined ? { availableAtMs: availability.atMs } : {}),
  };
}

/**
 * The template's placement rules. Tolerations are read defensively (the Pod schema gains the
 * field separately): anything that is not an array of objects counts as none.
 */
export function daemonTemplateOf(templateSpec: Record<string, unknown>): DaemonTemplate {
  const nodeSelector = templateSpec.nodeSelector;
  const nodeName = templateSpec.nodeName;
  return {
    nodeSelector: typeof nodeSelector === 'object' && nodeSelector !== null ? (nodeSelector as Labels) : {},
    ...(typeof nodeName === 'string' ? { nodeName } : {}),
    tolerations: daemonPodTolerations(templateSpec.tolerations, templateSpec.hostNetwork === true),
  };
}
