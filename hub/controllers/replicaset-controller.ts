/**
 * Keeps each ReplicaSet's number of live Pods equal to its replicas, and its status counts true.
 * Pods are created from the template with the ReplicaSet as controlling owner, named
 * `<replicaset>-<5 random>` (so a Deployment's Pods read `<deployment>-<hash>-<suffix>`).
 * Each Pod created or deleted is recorded as an Event on the ReplicaSet, as Kubernetes' PodControl does.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import type { ReplicaSetStatus } from '../../shared/api/status-types.js';
import type { Logger } from '../../shared/log.js';
import { applyDefaults } from '../api/defaults.js';
import { deleteObject } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import { randomSuffix } from '../objects/names.js';
import type { Change, Store } from '../store/store.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { QueueController, key, splitKey } from './controller.js';
import { PodIndex, controllingReplicaSetUid } from '../objects/pods-by-node.js';
import { isOwnedBy, isPodActive, isPodReady, podAvailability } from './pod-facts.js';
import { replicaDiff } from './replica-math.js';

const replicaSets = resolveResource('replicasets')!;
const pods = resolveResource('pods')!;
const SOURCE = { component: 'replicaset-controller' };

interface ReplicaSetSpec {
  replicas?: number;
  template: { metadata?: KubeObject['metadata']; spec: PodSpec };
}

export class ReplicaSetController extends QueueController {
  /**
   * Each ReplicaSet's Pods from change events: a sync reads its own Pods, not the namespace's
   * (fleet scale). The store emits a change as part of each write, so a Pod created by one sync
   * is indexed before the next sync of its ReplicaSet (no informer lag, so no "expectations").
   */
  private readonly owned: PodIndex;

  constructor(
    store: Store,
    logger: Logger,
    private readonly events: EventRecorder,
  ) {
    super('replicaset-controller', store, logger);
    this.owned = new PodIndex(store, controllingReplicaSetUid);
  }

  onChange(change: Change): void {
    this.owned.onChange(change);
    if (change.resource === replicaSets) this.enqueue(change.object);
    if (change.resource === pods) this.enqueueOwner(change.object, 'ReplicaSet');
  }

  async resync(): Promise<void> {
    await this.owned.load();
    for (const rs of await this.store.list(replicaSets)) this.enqueue(rs);
  }

  protected async sync(k: string): Promise<void> {
    const { namespace, name } = splitKey(k);
    const rs = await this.store.get(replicaSets, namespace, name);
    if (!rs || rs.metadata.deletionTimestamp) return; // its Pods go with it (garbage collector)
    const spec = rs.spec as ReplicaSetSpec;
    if (!this.owned.ready) await this.owned.load();
    const owned = this.owned.podsFor(rs.metadata.uid!).filter((p) => isOwnedBy(p, rs.metadata.uid!));
    const active = owned.filter(isPodActive);
    const diff = replicaDiff(spec.replicas ?? 1, active);
    for (let i = 0; i < diff.create; i++) await this.createPod(rs, spec);
    for (const pod of diff.remove) {
      await deleteObject(this.store, pods, pod);
      this.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, SOURCE);
    }
    if (diff.create > 0 || diff.remove.length > 0) {
      this.logger.info({ component: this.name, replicaset: k, created: diff.create, deleted: diff.remove.length }, 'scaled');
    }
    await this.updateStatus(rs, owned);
  }

  private async createPod(rs: KubeObject, spec: ReplicaSetSpec): Promise<void> {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rs.metadata.name}-${randomSuffix()}`,
        namespace: rs.metadata.namespace,
        labels: { ...spec.template.metadata?.labels },
        ...(spec.template.metadata?.annotations ? { annotations: { ...spec.template.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name!, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(spec.template.spec),
      status: { phase: 'Pending' },
    };
    await this.store.create(pods, applyDefaults(pod));
    this.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, SOURCE);
  }

  private async updateStatus(rs: KubeObject, owned: KubeObject[]): Promise<void> {
    const active = owned.filter(isPodActive);
    const ready = active.filter(isPodReady).length;
    const nowMs = Date.now();
    const minReadySeconds = (rs.spec as { minReadySeconds?: number }).minReadySeconds ?? 0;
    const availability = active.map((pod) => podAvailability(pod, minReadySeconds, nowMs));
    // A Pod Ready but not yet for minReadySeconds becomes available later: count again then.
    const nextMs = Math.min(...availability.map((a) => a.atMs ?? Infinity));
    if (Number.isFinite(nextMs)) this.queue.addAfter(key(rs.metadata.namespace, rs.metadata.name!), nextMs - nowMs + 50);
    const status: ReplicaSetStatus = {
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: ready,
      availableReplicas: availability.filter((a) => a.available).length,
      observedGeneration: rs.metadata.generation,
    };
    await mutate(this.store, replicaSets, rs.metadata.namespace, rs.metadata.name!, (current) => {
      if (JSON.stringify(current.status) === JSON.stringify(status)) return undefined;
      return { ...current, status };
    });
  }
}
