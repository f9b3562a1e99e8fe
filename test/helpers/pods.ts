/** Reading Pods the way the CLI returns them (`skiff get pods -o json`). */
import type { KubeObject } from '../../shared/api/object.js';
import type { PodStatus } from '../../shared/api/status-types.js';
import { join } from 'node:path';
import type { TestCluster } from './cluster.js';
import { repoRoot } from './repo.js';

export interface PodView extends KubeObject {
  spec: { nodeName?: string; containers: Array<{ name: string; image: string }> };
  status?: PodStatus;
}

/**
 * The Pods matching a label selector, as `skiff get pods -l SELECTOR -o json` lists them, read
 * straight from the API: tests poll this several times a second, and through the CLI each probe
 * is a Node start-up (0.5 s idle, seconds under load) that also takes CPU from the hub and agents
 * under test. What the CLI prints stays asserted through the CLI.
 */
export async function listPods(cluster: TestCluster, selector: string, namespace = 'default'): Promise<PodView[]> {
  const list = await cluster.api<{ items: PodView[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?labelSelector=${encodeURIComponent(selector)}`);
  return list.items;
}

export function isRunningAndReady(pod: PodView): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function restarts(pod: PodView): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + c.restartCount, 0);
}

export function fixture(name: string): string {
  return join(repoRoot(), 'test', 'fixtures', name);
}
