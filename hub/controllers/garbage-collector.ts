/**
 * Removes dependents whose controlling owner is gone (background cascading deletion, as
 * Kubernetes' garbage collector): when a Deployment goes, its ReplicaSets; when a ReplicaSet goes,
 * its Pods; objects whose Namespace no longer exists at all. The resync also sweeps orphans left
 * by a crash between an owner's deletion and its dependents'. Emptying a Terminating Namespace
 * (and honouring its finalizers) is the namespace controller's job (namespace-controller.ts).
 */
import type { KubeObject } from '../../shared/api/object.js';
import { RESOURCES, resolveResource, type ResourceType } from '../../shared/api/resources.js';
import type { Logger } from '../../shared/log.js';
import { deleteObject } from '../objects/deletion.js';
import type { Change, Store } from '../store/store.js';
import { QueueController } from './controller.js';

const namespaces = resolveResource('namespaces')!;

export class GarbageCollector extends QueueController {
  constructor(store: Store, logger: Logger) {
    super('garbage-collector', store, logger);
  }

  /** One key: a sweep is cheap at edge-fleet sizes and always converges, whatever was missed. */
  protected sync(): Promise<void> {
    return this.sweep();
  }

  onChange(change: Change): void {
    // Events own nothing, and the event sweeper deletes them all the time: a sweep (a listing of
    // every object) per deleted Event was 90% of the hub's CPU with 6,000 nodes joining, whose
    // Registered events it was trimming, until their keepalives expired. The resync still sweeps.
    if (change.resource.kind === 'Event') return;
    if (change.type === 'DELETED' || change.object.metadata.deletionTimestamp) this.queue.add('sweep');
  }

  async resync(): Promise<void> {
    this.queue.add('sweep');
  }

  private async sweep(): Promise<void> {
    const all = new Map<ResourceType, KubeObject[]>();
    // Owners before dependents (Pods last), so no controller refills what is being emptied.
    const ordered = [...RESOURCES].sort((x, y) => Number(x.kind === 'Pod') - Number(y.kind === 'Pod'));
    for (const rt of ordered) all.set(rt, await this.store.list(rt));
    const liveUids = new Set([...all.values()].flat().map((o) => o.metadata.uid));
    const liveNamespaces = new Set(all.get(namespaces)!.map((ns) => ns.metadata.name));
    for (const [rt, objects] of all) {
      for (const object of objects) {
        const owner = object.metadata.ownerReferences?.find((ref) => ref.controller);
        const orphaned = owner !== undefined && !liveUids.has(owner.uid);
        const homeless = rt.namespaced && !liveNamespaces.has(object.metadata.namespace);
        if ((orphaned || homeless) && !object.metadata.deletionTimestamp) {
          this.logger.info({ component: this.name, kind: rt.kind, namespace: object.metadata.namespace, name: object.metadata.name, orphaned, homeless }, 'deleting dependent');
          await deleteObject(this.store, rt, object);
        }
      }
    }
  }
}
