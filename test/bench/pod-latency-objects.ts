/**
 * The objects the pod latency benchmark applies, and how it waits for them to go: one web Pod,
 * and a Deployment of many. Every Pod carries bench=pod-latency, which the benchmark's watch
 * selects. The image is cached (IfNotPresent finds it), and a stop takes at most a second.
 */
import type { TestCluster } from '../helpers/cluster.js';
import type { PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';
import { WEB_IMAGE } from './pod-latency-docker.js';

export const BENCH_LABELS = { bench: 'pod-latency' } as const;
export const BENCH_SELECTOR = 'bench=pod-latency';
const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

function podSpec(): Record<string, unknown> {
  return {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'web', image: WEB_IMAGE, imagePullPolicy: 'IfNotPresent' }],
  };
}

export function webPod(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { ...BENCH_LABELS } }, spec: podSpec() };
}

/** A Deployment whose Pods carry batch=NAME besides the bench label. */
export function webDeployment(name: string, replicas: number): Record<string, unknown> {
  const labels = { ...BENCH_LABELS, batch: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec() } },
  };
}

export function createPod(cluster: TestCluster, pod: Record<string, unknown>): Promise<void> {
  return cluster.create(PODS, pod);
}

export function createDeployment(cluster: TestCluster, deployment: Record<string, unknown>): Promise<void> {
  return cluster.create(DEPLOYMENTS, deployment);
}

/** The hub says Running and every container runs (what `get pods` shows as Running). */
export function isPodRunning(pod: PodView): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  return pod.status?.phase === 'Running' && statuses.length > 0 && statuses.every((c) => c.state.running !== undefined);
}

async function deleteObject(cluster: TestCluster, path: string): Promise<void> {
  const res = await cluster.fetch(path, { method: 'DELETE' });
  if (!res.ok) throw new Error(`DELETE ${path}: ${res.status} ${await res.text()}`);
}

/** Waits until no bench Pod is left in the API and no container (sandboxes included) on the node. */
async function awaitNothingLeft(cluster: TestCluster, node: string): Promise<void> {
  await waitFor(
    'the bench pods and their containers to be gone',
    async () => {
      const pods = await cluster.api<{ items: PodView[] }>(`${PODS}?labelSelector=${encodeURIComponent(BENCH_SELECTOR)}`);
      return pods.items.length === 0 && (await cluster.containers(node, { sandboxes: true })).length === 0;
    },
    { intervalMs: 100, timeoutMs: 300_000 },
  );
}

export async function deletePod(cluster: TestCluster, node: string, name: string): Promise<void> {
  await deleteObject(cluster, `${PODS}/${name}`);
  await awaitNothingLeft(cluster, node);
}

/** Deletes the Deployment (the garbage collector takes its ReplicaSet and Pods) and waits for all to go. */
export async function deleteDeployment(cluster: TestCluster, node: string, name: string): Promise<void> {
  await deleteObject(cluster, `${DEPLOYMENTS}/${name}`);
  await awaitNothingLeft(cluster, node);
}
