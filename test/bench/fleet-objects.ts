/**
 * Nodes and Pods as the hub stores them, for benchmarks that fill a store without running agents:
 * a Node as an agent registers it (the agent's own nodeLabels and buildNodeStatus: 4 cores, 8 GiB,
 * 110 Pods, Ready), and Pods as the API stores them (applyDefaults), pending or bound and Running.
 */
import { buildNodeStatus, nodeLabels } from '../../agent/report/node-status.js';
import { applyDefaults } from '../../hub/api/defaults.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { OwnerReference } from '../../shared/api/schema/meta.js';
import type { ResourceType } from '../../shared/api/resources.js';
import type { PodStatus } from '../../shared/api/status-types.js';
import type { Store } from '../../hub/store/store.js';

const T0 = '2026-01-01T00:00:00Z';

export function benchNodeName(index: number): string {
  return `edge-${String(index).padStart(5, '0')}`;
}

/** The Node an agent on a 4-core, 8 GiB machine registers (three of four amd64, as in the fleet bench). */
export function agentNode(index: number): KubeObject {
  const name = benchNodeName(index);
  const architecture = index % 4 === 0 ? 'arm64' : 'amd64';
  const facts = {
    cpuCores: 4,
    memoryBytes: 8 * 2 ** 30,
    architecture,
    kernelVersion: '6.1.0-bench',
    osImage: 'Skiff bench',
    containerRuntimeVersion: 'docker://20.10.24',
    internalIP: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
    hostname: name,
  };
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: nodeLabels(name, architecture, {}) }, spec: {}, status: buildNodeStatus(facts, T0, T0) };
}

/** The ReplicaSet every bench Pod belongs to (it need not exist: no garbage collector runs in these benches). */
const OWNER: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'bench-7c9d8', uid: '5f1e7a52-0d4c-4b7e-9a43-0b6c2f1d9e11', controller: true, blockOwnerDeletion: true };

export interface BenchPodOptions {
  /** Give the Pod a controlling ReplicaSet (the scheduler then spreads its replicas). */
  owned?: boolean;
  /** Bound to this node and reported Running, as after the agent's first status report. */
  runningOn?: string;
}

/** One replica: a web container asking for 100m and 32Mi, as the API stores it. */
export function benchPod(index: number, options: BenchPodOptions = {}): KubeObject {
  const pod = applyDefaults({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${String(index).padStart(6, '0')}`,
      namespace: 'default',
      labels: { app: 'web' },
      ...(options.owned ? { ownerReferences: [OWNER] } : {}),
    },
    spec: { containers: [{ name: 'web', image: 'skiff-test/web:1', resources: { requests: { cpu: '100m', memory: '32Mi' } } }] },
  });
  if (options.runningOn === undefined) return pod;
  (pod.spec as { nodeName?: string }).nodeName = options.runningOn;
  pod.status = { ...(pod.status as object), ...runningStatus(index) };
  return pod;
}

/** What status ingest writes for a Pod whose one container runs and is ready; `generation` varies startedAt so each write changes it. */
export function runningStatus(index: number, generation = 0): PodStatus {
  const at = new Date(Date.parse(T0) + generation * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const condition = (type: 'Initialized' | 'Ready' | 'ContainersReady' | 'PodScheduled') => ({ type, status: 'True' as const, lastProbeTime: null, lastTransitionTime: at });
  return {
    phase: 'Running',
    conditions: [condition('PodScheduled'), condition('Initialized'), condition('Ready'), condition('ContainersReady')],
    hostIP: '10.0.0.1',
    podIP: '10.0.0.1',
    startTime: at,
    containerStatuses: [
      {
        name: 'web',
        state: { running: { startedAt: at } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: 'skiff-test/web:1',
        imageID: 'docker://sha256:2f0c1d1b0e6f',
        containerID: `docker://${String(index).padStart(12, '0')}`,
        started: true,
      },
    ],
  };
}

/** Stores every object, 1,000 to a transaction (setup: one commit each would take ~5 ms apiece). */
export async function createAll(store: Store, objects: ReadonlyArray<{ resource: ResourceType; object: KubeObject }>): Promise<void> {
  for (let i = 0; i < objects.length; i += 1000) {
    const outcomes = await store.writeBatch(objects.slice(i, i + 1000).map((o) => ({ type: 'create' as const, ...o })));
    const failed = outcomes.find((o) => o.error);
    if (failed?.error) throw failed.error;
  }
}
