/**
 * The StatusReport of one settled pass (pure): node status plus every pod the agent knows —
 * desired pods, and pods it still has containers for (being deleted) — and the fingerprint used
 * to decide whether it changed (timestamps that move on every report are left out).
 */
import type { PodStatus } from '../../shared/api/status-types.js';
import { MESSAGE_SCHEMA, type DesiredPod, type ReportedPod, type StatusReport } from '../../shared/mqtt/messages.js';
import type { NodeStatus } from '../../shared/api/status-types.js';
import type { ContainerHistory } from '../reconcile/history.js';
import type { WaitStep } from '../reconcile/steps.js';
import { isRunningState } from '../reconcile/termination.js';
import type { PassResult } from '../reconcile/loop.js';
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { computePodStatus } from './pod-status.js';

/** A pod that is no longer desired but still has containers: rebuilt from their labels. */
export function podFromContainers(containers: readonly ObservedContainer[]): DesiredPod | undefined {
  const first = containers.map((c) => identityOf(c.labels)).find((id) => id !== undefined);
  if (!first) return undefined;
  const names = new Map<string, string>();
  for (const c of containers) {
    const id = identityOf(c.labels);
    if (id && !names.has(id.container)) names.set(id.container, c.image);
  }
  return {
    metadata: { name: first.podName, namespace: first.namespace, uid: first.podUid },
    spec: { containers: [...names].map(([name, image]) => ({ name, image })) },
  };
}

export interface PodsInput {
  pass: PassResult;
  history: ReadonlyMap<string, ContainerHistory>;
  hostIP: string;
  nowIso: string;
  previous: ReadonlyMap<string, PodStatus>;
}

export function reportedPods(input: PodsInput): ReportedPod[] {
  const { pass } = input;
  const byUid = new Map<string, ObservedContainer[]>();
  for (const c of pass.observed) {
    const uid = identityOf(c.labels)?.podUid;
    if (uid) byUid.set(uid, [...(byUid.get(uid) ?? []), c]);
  }
  // The pod's IP is its sandbox's (the newest running one), or the node's for a hostNetwork pod.
  const podIps = new Map<string, string>();
  for (const s of [...pass.sandboxes].sort((a, b) => a.createdMs - b.createdMs)) {
    const uid = identityOf(s.labels)?.podUid;
    if (uid && isRunningState(s.state)) podIps.set(uid, s.networkMode === 'host' ? input.hostIP : (s.ip ?? ''));
  }
  const waits = new Map<string, WaitStep>();
  for (const step of pass.steps) if (step.kind === 'wait') waits.set(step.key, step);
  const pods: DesiredPod[] = [...(pass.desired?.pods ?? [])];
  const desiredUids = new Set(pods.map((p) => p.metadata.uid));
  for (const [uid, containers] of byUid) {
    if (desiredUids.has(uid)) continue;
    const pod = podFromContainers(containers);
    if (pod) pods.push(pod);
  }
  return pods.map((pod) => {
    const previous = input.previous.get(pod.metadata.uid);
    const status = computePodStatus({
      pod,
      containers: byUid.get(pod.metadata.uid) ?? [],
      ...(podIps.get(pod.metadata.uid) ? { podIP: podIps.get(pod.metadata.uid)! } : {}),
      history: input.history,
      waits,
      probeResults: pass.probeResults,
      hostIP: input.hostIP,
      nowIso: input.nowIso,
      observedGeneration: pass.desired?.generation ?? 0,
      ...(previous ? { previous } : {}),
    });
    return { namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid, status };
  });
}

/** The reconciled pods with the evicted ones in place of any entry for the same uid. */
export function withEvictedPods(pods: ReportedPod[], evicted: readonly ReportedPod[]): ReportedPod[] {
  if (evicted.length === 0) return pods;
  const uids = new Set(evicted.map((pod) => pod.uid));
  return [...pods.filter((pod) => !uids.has(pod.uid)), ...evicted];
}

export function buildStatusReport(fields: {
  node: string;
  seq: number;
  nowIso: string;
  observedGeneration: number;
  labels: Record<string, string>;
  nodeStatus: NodeStatus;
  pods: ReportedPod[];
}): StatusReport {
  return {
    schema: MESSAGE_SCHEMA,
    node: fields.node,
    seq: fields.seq,
    sentAt: fields.nowIso,
    observedGeneration: fields.observedGeneration,
    labels: fields.labels,
    nodeStatus: fields.nodeStatus,
    pods: fields.pods,
  };
}

const VOLATILE_KEYS = new Set(['seq', 'sentAt', 'lastHeartbeatTime']);

/** The report as JSON without the fields that change on every report: equal fingerprints mean nothing changed. */
export function reportFingerprint(report: StatusReport): string {
  return JSON.stringify(report, (key, value: unknown) => (VOLATILE_KEYS.has(key) ? undefined : value));
}
