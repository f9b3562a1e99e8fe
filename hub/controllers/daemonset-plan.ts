/**
 * What one DaemonSet sync must do, as Kubernetes' daemon controller decides it
 * (pkg/controller/daemon: NodeShouldRunDaemonPod, podsShouldBeOnNode, rollingUpdate with and
 * without maxSurge, updateDaemonSetStatus): which nodes need a daemon Pod, which Pods must go and
 * why, and the status counts. Pure: nodes and Pods come in as small facts, time as `nowMs`.
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
  /** Absent counts as 0, as Kubernetes' SurgeCount reads a nil maxSurge. */
  maxSurge?: number | string;
}

/**
 * Why a Pod goes: `outdated` is the rolling update making room (maxSurge 0) or retiring an old Pod
 * whose node it no longer fits; `replaced` is an old Pod whose surged successor is available (or
 * which is not ready itself) on the same node.
 */
export type DeleteReason = 'failed' | 'duplicate' | 'misscheduled' | 'outdated' | 'replaced' | 'unbound';

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
  // util.AllowsSurge: SurgeCount(ds, 1) > 0, so any non-zero percentage allows a second Pod.
  const surge = rollingUpdate !== undefined && scaledValue(rollingUpdate.maxSurge ?? 0, 1) > 0;
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
      running.sort(oldestFirst);
      if (!surge) {
        // Without surge, one Pod per node: the oldest stays.
        for (const extra of running.slice(1)) remove(extra, 'duplicate');
      } else if (running.length === 0) {
        // Surging: the node needs a live Pod even while its old one is still terminating.
        if (shouldRun) create.push(node.name);
      } else {
        for (const pod of surgePrune(running)) remove(pod.pod, pod.reason);
      }
    } else {
      for (const pod of onNode) if (!pod.terminating) remove(pod, 'misscheduled');
    }
  }

  const counts = countStatus(nodes, byNode, eligibility);
  // As updateDaemonSet: the rolling update waits for a sync in which nothing else is created or
  // deleted (Kubernetes' expectations), so a Pod just created counts as unavailable when it does.
  if (rollingUpdate && create.length === 0 && deletions.length === 0) {
    const { maxSurge, maxUnavailable } = updatedDesiredNodeCounts(rollingUpdate, counts.desiredNumberScheduled);
    if (maxSurge === 0) {
      for (const pod of rollingUpdateDeletions(byNode, maxUnavailable)) remove(pod, 'outdated');
    } else {
      // Every node that should run the DaemonSet is considered, those without any Pod too.
      const considered = new Map(byNode);
      for (const node of nodes) if (eligibility.get(node.name)!.shouldRun && !considered.has(node.name)) considered.set(node.name, []);
      const step = surgingRollingUpdate(considered, eligibility, maxSurge, counts.desiredNumberScheduled);
      create.push(...step.create);
      for (const pod of step.delete) remove(pod, 'outdated');
    }
  }
  const next = Math.min(...present.map((p) => p.availableAtMs ?? Infinity));
  return { create, delete: deletions, counts, ...(Number.isFinite(next) ? { nextAvailableAtMs: next } : {}) };
}

/**
 * updatedDesiredNodeCounts: both limits are taken of the desired nodes and, unlike a Deployment's,
 * both round up (util.SurgeCount / util.UnavailableCount). Both 0 would stall (the API refuses it,
 * but an old object may carry it): then one node may be unavailable.
 */
export function updatedDesiredNodeCounts(rollingUpdate: RollingUpdate, desired: number): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = scaledValue(rollingUpdate.maxSurge ?? 0, desired);
  const maxUnavailable = scaledValue(rollingUpdate.maxUnavailable, desired);
  return { maxSurge, maxUnavailable: desired > 0 && maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
}

/**
 * podsShouldBeOnNode with surge: two Pods may share a node only while the oldest up-to-date one
 * is not yet available and the oldest outdated one is still ready. Any other Pod is a duplicate;
 * the outdated one goes once its successor is available (after minReadySeconds) or once it is
 * not ready itself. `running` is sorted oldest first.
 */
function surgePrune(running: readonly DaemonPod[]): Array<{ pod: DaemonPod; reason: DeleteReason }> {
  const out: Array<{ pod: DaemonPod; reason: DeleteReason }> = [];
  let oldestNew: DaemonPod | undefined;
  let oldestOld: DaemonPod | undefined;
  for (const pod of running) {
    if (pod.updated && !oldestNew) oldestNew = pod;
    else if (!pod.updated && !oldestOld) oldestOld = pod;
    else out.push({ pod, reason: 'duplicate' });
  }
  if (oldestNew && oldestOld && (!oldestOld.ready || oldestNew.available)) out.push({ pod: oldestOld, reason: 'replaced' });
  return out;
}

/**
 * rollingUpdate with maxSurge > 0: a new Pod is created next to an old one (at once where the old
 * one is not available, otherwise on at most maxSurge nodes at a time), and the old one goes only
 * when the new one is available. An available old Pod on a node the DaemonSet no longer fits
 * (it only stays there by tolerance) goes only while more nodes are available than desired, so
 * the DaemonSet never drops below full availability. Nodes are taken in name order.
 */
function surgingRollingUpdate(
  byNode: ReadonlyMap<string, DaemonPod[]>,
  eligibility: ReadonlyMap<string, { shouldRun: boolean }>,
  maxSurge: number,
  desired: number,
): { create: string[]; delete: DaemonPod[] } {
  const oldToDelete: DaemonPod[] = [];
  const shouldNotRunToDelete: DaemonPod[] = [];
  const allowedNewNodes: string[] = [];
  const candidateNewNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const nodeName of [...byNode.keys()].sort()) {
    const live = byNode.get(nodeName)!.filter((p) => !p.terminating);
    const fresh = live.filter((p) => p.updated);
    const old = live.filter((p) => !p.updated);
    if (fresh.length > 1 || old.length > 1) {
      numSurge++; // findUpdatedPodsOnNode: the manage step prunes this node first
      continue;
    }
    const [newPod] = fresh;
    const [oldPod] = old;
    // Availability counts on every node, the ones the DaemonSet is leaving too.
    if ((oldPod ?? newPod)?.available) numAvailable++;
    if (!oldPod) continue;
    const shouldRun = eligibility.get(nodeName)?.shouldRun ?? false;
    if (!newPod) {
      if (!oldPod.available) {
        if (shouldRun) allowedNewNodes.push(nodeName);
        else oldToDelete.push(oldPod);
      } else if (!shouldRun) {
        shouldNotRunToDelete.push(oldPod);
      } else if (numSurge < maxSurge) {
        candidateNewNodes.push(nodeName);
      }
    } else if (!newPod.available) {
      numSurge++; // surged here, waiting for the new Pod to become available
    } else {
      oldToDelete.push(oldPod);
    }
  }
  const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRunToDelete.length);
  oldToDelete.push(...shouldNotRunToDelete.slice(0, deletable));
  const room = Math.min(Math.max(0, maxSurge - numSurge), candidateNewNodes.length);
  return { create: [...allowedNewNodes, ...candidateNewNodes.slice(0, room)], delete: oldToDelete };
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
