/**
 * Small builders for hub unit tests: Pods, Nodes, ReplicaSets and Deployments with only the
 * fields a case needs. Times are fixed strings so results never depend on the clock.
 */
import type { KubeObject } from '../../../shared/api/object.js';
import type { ContainerStatus, PodPhase, ReplicaSetStatus } from '../../../shared/api/status-types.js';

export const T0 = '2026-01-01T00:00:00Z';
export const T1 = '2026-01-01T00:05:00Z';

/** An ISO timestamp `minutes` after T0; later minutes are newer objects. */
export function at(minutes: number): string {
  return new Date(Date.parse(T0) + minutes * 60_000).toISOString();
}

export interface PodOptions {
  namespace?: string;
  nodeName?: string;
  phase?: PodPhase;
  ready?: boolean;
  restarts?: number;
  created?: string;
  owner?: string;
  nodeSelector?: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  uid?: string;
}

export function pod(name: string, o: PodOptions = {}): KubeObject {
  const containerStatuses: ContainerStatus[] | undefined =
    o.restarts === undefined
      ? undefined
      : [{ name: 'c', state: { running: {} }, lastState: {}, ready: o.ready ?? false, restartCount: o.restarts, image: 'i', imageID: '' }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `uid-${name}`,
      creationTimestamp: o.created ?? T0,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deletionTimestamp ? { deletionTimestamp: o.deletionTimestamp } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true }] } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'nginx:1.14.2' }],
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
    },
    status: {
      ...(o.phase ? { phase: o.phase } : {}),
      ...(o.ready !== undefined ? { conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }] } : {}),
      ...(containerStatuses ? { containerStatuses } : {}),
    },
  };
}

export interface NodeOptions {
  /** Ready condition status; 'True' unless given. 'missing' leaves conditions out. */
  ready?: 'True' | 'False' | 'Unknown' | 'missing';
  unschedulable?: boolean;
  labels?: Record<string, string>;
  /** status.allocatable.pods */
  maxPods?: number;
}

export function node(name: string, o: NodeOptions = {}): KubeObject {
  const ready = o.ready ?? 'True';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, ...(o.labels ? { labels: o.labels } : {}) },
    spec: o.unschedulable === undefined ? {} : { unschedulable: o.unschedulable },
    status: {
      ...(ready === 'missing' ? {} : { conditions: [{ type: 'Ready', status: ready }] }),
      ...(o.maxPods !== undefined ? { allocatable: { pods: String(o.maxPods) } } : {}),
    },
  };
}

export function replicaSet(name: string, status: ReplicaSetStatus | undefined, replicas = status?.replicas ?? 0): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    ...(status ? { status } : {}),
  };
}

export function deployment(spec: { replicas?: number; maxUnavailable?: number | string } = {}, status?: object, generation = 1): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation },
    spec: {
      ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      ...(spec.maxUnavailable !== undefined ? { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: spec.maxUnavailable } } } : {}),
    },
    ...(status ? { status } : {}),
  };
}

/** Polls `probe` until it returns true, failing after `timeoutMs` (never a fixed sleep as an assertion). */
export async function eventually(description: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
