/**
 * Removes dependents whose controlling owner is gone (background cascading deletion, as
 * Kubernetes' garbage collector): when a Deployment goes, its ReplicaSets; when a ReplicaSet or a
 * DaemonSet goes, its Pods; objects whose Namespace no longer exists at all. Emptying a
 * Terminating Namespace (and honouring its finalizers) is the namespace controller's job
 * (namespace-controller.ts).
 *
 * Work is per object, as Kubernetes' collector keeps its graph: from change events it knows which
 * objects each owner controls, so an owner's deletion checks its own dependents, a Namespace's
 * deletion checks the objects in it, and an object created (or re-owned) under an owner that is
 * already gone is checked then. A sweep of every object runs only at start and on each resync, the
 * safety net for whatever happened while the hub was down. A sweep per deletion (the way before)
 * listed every object each time a Pod went: with 2,000 nodes rolling a DaemonSet, one Pod at a
 * time, the sweeps held the hub's event loop and the roll-out crawled (docs/benchmarks.md).
 */
import type { KubeObject } from '../../shared/api/object.js';
import { RESOURCES, resolveResource, type ResourceType } from '../../shared/api/resources.js';
import type { Logger } from '../../shared/log.js';
import { deleteObject } from '../objects/deletion.js';
import type { Change, Store } from '../store/store.js';
import { QueueController } from './controller.js';

const namespaces = resolveResource('namespaces')!;

const SWEEP = 'sweep';
const NAMESPACE_PREFIX = 'namespace:';
const OBJECT_PREFIX = 'object:';

/** The queue key of one object: its resource's index in RESOURCES, namespace and name. */
function objectKey(rt: ResourceType, object: KubeObject): string {
  return `${OBJECT_PREFIX}${RESOURCES.indexOf(rt)}/${object.metadata.namespace ?? ''}/${object.metadata.name!}`;
}

function parseObjectKey(key: string): { rt: ResourceType; namespace: string | undefined; name: string } {
  const [index, namespace, ...name] = key.slice(OBJECT_PREFIX.length).split('/');
  return { rt: RESOURCES[Number(index)]!, namespace: namespace || undefined, name: name.join('/') };
}

function controllerRef(object: KubeObject): { apiVersion: string; kind: string; name: string; uid: string } | undefined {
  return object.metadata.ownerReferences?.find((ref) => ref.controller);
}

export class GarbageCollector extends QueueController {
  /** Owner uid -> the keys of the objects it controls, from change events and sweeps. */
  private readonly dependents = new Map<string, Set<string>>();
  /** Object key -> the uid of its controlling owner (to move it when that changes or it goes). */
  private readonly ownerOf = new Map<string, string>();

  constructor(store: Store, logger: Logger) {
    super('garbage-collector', store, logger);
  }

  onChange(change: Change): void {
    const { object } = change;
    const key = objectKey(change.resource, object);
    if (change.type === 'DELETED') {
      this.forget(key);
      const uid = object.metadata.uid;
      for (const dependent of (uid && this.dependents.get(uid)) || []) this.queue.add(dependent);
      if (change.resource === namespaces) this.queue.add(`${NAMESPACE_PREFIX}${object.metadata.name!}`);
      return;
    }
    const owner = controllerRef(object)?.uid;
    const ownerBefore = this.ownerOf.get(key);
    this.remember(key, owner);
    // Created under, or handed to, an owner that may be gone already: no deletion of it is coming.
    if (owner !== undefined && (change.type === 'ADDED' || owner !== ownerBefore)) this.queue.add(key);
  }

  async resync(): Promise<void> {
    this.queue.add(SWEEP);
  }

  protected async sync(key: string): Promise<void> {
    if (key === SWEEP) return this.sweep();
    if (key.startsWith(NAMESPACE_PREFIX)) return this.emptyDeletedNamespace(key.slice(NAMESPACE_PREFIX.length));
    const { rt, namespace, name } = parseObjectKey(key);
    const object = await this.store.get(rt, namespace, name);
    if (!object) {
      this.forget(key); // its deletion event may have come before a sweep listed it
      return;
    }
    if (object.metadata.deletionTimestamp) return;
    const orphaned = await this.isOrphaned(object);
    const homeless = rt.namespaced && !(await this.store.get(namespaces, undefined, namespace!));
    if (orphaned || homeless) await this.deleteDependent(rt, object, orphaned, homeless);
  }

  /** Every object, checked against every live uid and Namespace: at start and on each resync. */
  private async sweep(): Promise<void> {
    const all = new Map<ResourceType, KubeObject[]>();
    // Owners before dependents (Pods last), so no controller refills what is being emptied.
    const ordered = [...RESOURCES].sort((x, y) => Number(x.kind === 'Pod') - Number(y.kind === 'Pod'));
    for (const rt of ordered) all.set(rt, await this.store.list(rt));
    const liveUids = new Set([...all.values()].flat().map((o) => o.metadata.uid));
    const liveNamespaces = new Set(all.get(namespaces)!.map((ns) => ns.metadata.name));
    for (const [rt, objects] of all) {
      for (const object of objects) {
        const owner = controllerRef(object);
        if (owner) this.remember(objectKey(rt, object), owner.uid);
        const orphaned = owner !== undefined && !liveUids.has(owner.uid);
        const homeless = rt.namespaced && !liveNamespaces.has(object.metadata.namespace);
        if ((orphaned || homeless) && !object.metadata.deletionTimestamp) await this.deleteDependent(rt, object, orphaned, homeless);
      }
    }
  }

  /** A Namespace is gone (not Terminating: gone): whatever is still in it goes too. */
  private async emptyDeletedNamespace(namespace: string): Promise<void> {
    if (await this.store.get(namespaces, undefined, namespace)) return; // created again since
    for (const rt of RESOURCES) {
      if (!rt.namespaced) continue;
      for (const object of await this.store.list(rt, namespace)) {
        if (!object.metadata.deletionTimestamp) await this.deleteDependent(rt, object, false, true);
      }
    }
  }

  /** The controlling owner is not there, or is another object by the same name (another uid). */
  private async isOrphaned(object: KubeObject): Promise<boolean> {
    const ref = controllerRef(object);
    if (!ref) return false;
    // By group and kind: a reference written with another version of the group names the same object.
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
    const ownerRt = RESOURCES.find((rt) => rt.kind === ref.kind && rt.group === group);
    if (!ownerRt) return true; // no object of a kind the hub does not serve can be alive
    const owner = await this.store.get(ownerRt, ownerRt.namespaced ? object.metadata.namespace : undefined, ref.name);
    return owner?.metadata.uid !== ref.uid;
  }

  private async deleteDependent(rt: ResourceType, object: KubeObject, orphaned: boolean, homeless: boolean): Promise<void> {
    this.logger.info({ component: this.name, kind: rt.kind, namespace: object.metadata.namespace, name: object.metadata.name, orphaned, homeless }, 'deleting dependent');
    await deleteObject(this.store, rt, object);
  }

  private remember(key: string, owner: string | undefined): void {
    const before = this.ownerOf.get(key);
    if (before === owner) return;
    if (before !== undefined) this.forget(key);
    if (owner === undefined) return;
    this.ownerOf.set(key, owner);
    let keys = this.dependents.get(owner);
    if (!keys) this.dependents.set(owner, (keys = new Set()));
    keys.add(key);
  }

  private forget(key: string): void {
    const owner = this.ownerOf.get(key);
    if (owner === undefined) return;
    this.ownerOf.delete(key);
    const keys = this.dependents.get(owner);
    keys?.delete(key);
    if (keys?.size === 0) this.dependents.delete(owner);
  }
}
