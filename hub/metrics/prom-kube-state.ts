/**
 * kube-state-metrics-style families from the objects in the hub's store, with ksm's names,
 * labels and encodings: one series per possible phase or condition status, 1 for the current
 * one and 0 for the others, so that `sum by (phase) (kube_pod_status_phase)` counts Pods.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { DeploymentStatus, NodeStatus, PodStatus } from '../../shared/api/status-types.js';
import type { Family, Series } from './prom-families.js';

export interface ClusterObjects {
  pods: readonly KubeObject[];
  deployments: readonly KubeObject[];
  nodes: readonly KubeObject[];
}

const POD_PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'] as const;
const CONDITION_STATUSES: ReadonlyArray<[string, string]> = [
  ['True', 'true'],
  ['False', 'false'],
  ['Unknown', 'unknown'],
];

function podStatus(pod: KubeObject): PodStatus {
  return (pod.status as PodStatus | undefined) ?? {};
}

function podLabels(pod: KubeObject): Record<string, string> {
  return { namespace: pod.metadata.namespace ?? '', pod: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
}

function deploymentSeries(field: (spec: { replicas?: number }, status: DeploymentStatus) => number): (objects: ClusterObjects) => Series[] {
  return ({ deployments }) =>
    deployments.map((d) => ({
      labels: { namespace: d.metadata.namespace ?? '', deployment: d.metadata.name ?? '' },
      value: field((d.spec as { replicas?: number } | undefined) ?? {}, (d.status as DeploymentStatus | undefined) ?? {}),
    }));
}

export const KUBE_STATE_FAMILIES: ReadonlyArray<Family<ClusterObjects>> = [
  {
    name: 'kube_pod_info',
    help: 'Information about pod.',
    type: 'gauge',
    labelNames: ['namespace', 'pod', 'uid', 'node', 'host_ip', 'pod_ip', 'created_by_kind', 'created_by_name'],
    series: ({ pods }) =>
      pods.map((pod) => {
        const status = podStatus(pod);
        const owner = pod.metadata.ownerReferences?.find((ref) => ref.controller === true);
        return {
          labels: {
            ...podLabels(pod),
            node: (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '',
            host_ip: status.hostIP ?? '',
            pod_ip: status.podIP ?? '',
            // ksm writes <none> when a Pod has no controller.
            created_by_kind: owner?.kind ?? '<none>',
            created_by_name: owner?.name ?? '<none>',
          },
          value: 1,
        };
      }),
  },
  {
    name: 'kube_pod_status_phase',
    help: 'The pods current phase.',
    type: 'gauge',
    labelNames: ['namespace', 'pod', 'uid', 'phase'],
    series: ({ pods }) =>
      pods.flatMap((pod) => {
        const phase = podStatus(pod).phase;
        // ksm exports nothing for a Pod whose phase is not set yet.
        return phase === undefined ? [] : POD_PHASES.map((p) => ({ labels: { ...podLabels(pod), phase: p }, value: p === phase ? 1 : 0 }));
      }),
  },
  {
    name: 'kube_pod_container_status_restarts_total',
    help: 'The number of container restarts per container.',
    type: 'counter',
    labelNames: ['namespace', 'pod', 'uid', 'container'],
    series: ({ pods }) =>
      pods.flatMap((pod) => (podStatus(pod).containerStatuses ?? []).map((c) => ({ labels: { ...podLabels(pod), container: c.name }, value: c.restartCount }))),
  },
  {
    name: 'kube_deployment_spec_replicas',
    help: 'Number of desired pods for a deployment.',
    type: 'gauge',
    labelNames: ['namespace', 'deployment'],
    // An unset spec.replicas means 1, as the API server defaults it.
    series: deploymentSeries((spec) => spec.replicas ?? 1),
  },
  {
    name: 'kube_deployment_status_replicas',
    help: 'The number of replicas per deployment.',
    type: 'gauge',
    labelNames: ['namespace', 'deployment'],
    series: deploymentSeries((_spec, status) => status.replicas ?? 0),
  },
  {
    name: 'kube_deployment_status_replicas_available',
    help: 'The number of available replicas per deployment.',
    type: 'gauge',
    labelNames: ['namespace', 'deployment'],
    series: deploymentSeries((_spec, status) => status.availableReplicas ?? 0),
  },
  {
    name: 'kube_deployment_status_replicas_updated',
    help: 'The number of updated replicas per deployment.',
    type: 'gauge',
    labelNames: ['namespace', 'deployment'],
    series: deploymentSeries((_spec, status) => status.updatedReplicas ?? 0),
  },
  {
    name: 'kube_node_info',
    help: 'Information about a cluster node.',
    type: 'gauge',
    labelNames: ['node', 'kernel_version', 'os_image', 'container_runtime_version', 'kubelet_version', 'internal_ip'],
    series: ({ nodes }) =>
      nodes.map((node) => {
        const status = (node.status as NodeStatus | undefined) ?? {};
        const info = status.nodeInfo;
        return {
          labels: {
            node: node.metadata.name ?? '',
            kernel_version: info?.kernelVersion ?? '',
            os_image: info?.osImage ?? '',
            container_runtime_version: info?.containerRuntimeVersion ?? '',
            kubelet_version: info?.kubeletVersion ?? '',
            internal_ip: status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
          },
          value: 1,
        };
      }),
  },
  {
    name: 'kube_node_spec_unschedulable',
    help: 'Whether a node can schedule new pods.',
    type: 'gauge',
    labelNames: ['node'],
    series: ({ nodes }) => nodes.map((node) => ({ labels: { node: node.metadata.name ?? '' }, value: (node.spec as { unschedulable?: boolean } | undefined)?.unschedulable ? 1 : 0 })),
  },
  {
    name: 'kube_node_status_condition',
    help: 'The condition of a cluster node.',
    type: 'gauge',
    labelNames: ['node', 'condition', 'status'],
    series: ({ nodes }) =>
      nodes.flatMap((node) =>
        ((node.status as NodeStatus | undefined)?.conditions ?? []).flatMap((condition) =>
          CONDITION_STATUSES.map(([apiStatus, status]) => ({
            labels: { node: node.metadata.name ?? '', condition: condition.type, status },
            value: condition.status === apiStatus ? 1 : 0,
          })),
        ),
      ),
  },
];
