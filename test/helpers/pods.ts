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

export async function listPods(cluster: TestCluster, selector: string, namespace = 'default'): Promise<PodView[]> {
  const list = await cluster.getJson<{ items: PodView[] }>(['get', 'pods', '-n', namespace, '-l', selector]);
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
