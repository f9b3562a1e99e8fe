/**
 * Pod rows, ported from kubectl 1.32's printPod (pkg/printers/internalversion/printers.go) so
 * that STATUS, READY and RESTARTS read exactly as they do on a Kubernetes cluster. Skiff pods
 * have no init containers, readiness gates or nominated nodes, so those branches reduce to
 * their empty cases.
 */
import type { Pod } from '../../shared/api/schema/pod.js';
import type { ContainerStatus, PodCondition } from '../../shared/api/status-types.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const podColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
  column('Restarts', 'string', 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  AGE_COLUMN,
  column('IP', 'string', 1, 'IP address allocated to the pod.'),
  column('Node', 'string', 1, 'NodeName is the node this pod is bound to.'),
  column('Nominated Node', 'string', 1, 'nominatedNodeName is set when this pod preempts other pods on the node.'),
  column('Readiness Gates', 'string', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'),
];

/** node.NodeUnreachablePodReason: the node controller marks pods of a lost node this way. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** READY, STATUS and RESTARTS of one pod; `now` makes "(35s ago)" deterministic. */
export function summarizePod(pod: Pod, now: Date): PodSummary {
  const status = pod.status ?? {};
  const totalContainers = pod.spec.containers.length;
  let readyContainers = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  const phase = status.phase ?? '';
  let reason: string = status.reason ? status.reason : phase;

  // A pod held by scheduling gates says so (kubectl checks PodScheduled's reason).
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let hasRunning = false;
  const statuses: ContainerStatus[] = status.containerStatuses ?? [];
  // Walked from the last container to the first, so the first container's state wins, as in kubectl.
  for (let i = statuses.length - 1; i >= 0; i--) {
    const container = statuses[i]!;
    restarts += container.restartCount ?? 0;
    const finishedAt = container.lastState?.terminated?.finishedAt;
    if (finishedAt !== undefined) {
      const at = Date.parse(finishedAt);
      if (!Number.isNaN(at) && (lastRestart === undefined || at > lastRestart)) lastRestart = at;
    }
    const state = container.state ?? {};
    if (state.waiting && state.waiting.reason) {
      reason = state.waiting.reason;
    } else if (state.terminated && state.terminated.reason) {
      reason = state.terminated.reason;
    } else if (state.terminated) {
      reason = state.terminated.signal ? `Signal:${state.terminated.signal}` : `ExitCode:${state.terminated.exitCode}`;
    } else if (container.ready && state.running) {
      hasRunning = true;
      readyContainers++;
    }
  }

  // One container completed while another still runs: the pod is Running (or NotReady).
  if (reason === 'Completed' && hasRunning) reason = hasCondition(status.conditions, 'Ready') ? 'Running' : 'NotReady';

  if (pod.metadata.deletionTimestamp && status.reason === NODE_UNREACHABLE_POD_REASON) {
    reason = 'Unknown';
  } else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  const restartsText =
    restarts !== 0 && lastRestart !== undefined ? `${restarts} (${timestampSince(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

function hasCondition(conditions: PodCondition[] | undefined, type: PodCondition['type']): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

export function podCells(pod: Pod, now: Date): TableCell[] {
  const { ready, status, restarts } = summarizePod(pod, now);
  return [
    pod.metadata.name ?? '',
    ready,
    status,
    restarts,
    timestampSince(pod.metadata.creationTimestamp, now),
    pod.status?.podIP || '<none>',
    pod.spec.nodeName || '<none>',
    '<none>', // nominated node: Skiff's scheduler never preempts
    '<none>', // readiness gates: not part of Skiff's PodSpec
  ];
}
