/**
 * Deleting an object the way Kubernetes does. A Pod bound to a node is deleted gracefully: it is
 * marked with deletionTimestamp, its node stops its containers (with the grace the delete asked
 * for, else the Pod's terminationGracePeriodSeconds), and ingest removes the object once the node
 * no longer reports it; gracePeriodSeconds=0 removes it at once. Everything else goes at once; dependents are removed by the
 * garbage collector through their ownerReferences.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { RESOURCES, type ResourceType } from '../../shared/api/resources.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { Store } from '../store/store.js';
import { mutate } from './mutate.js';

export function isTerminating(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

export function nowTimestamp(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The part of meta/v1 DeleteOptions the hub honours. */
export interface DeleteOptions {
  /** Seconds the Pod's containers get to stop; 0 deletes the object at once (a forced delete). */
  gracePeriodSeconds?: number;
  /**
   * Orphan: dependents lose their ownerReference to the object and stay (`kubectl delete
   * --cascade=orphan`). Background (the default) and Foreground: the garbage collector removes
   * them after the object; Skiff does not hold the owner back until they are gone (Foreground).
   */
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

/**
 * Drops every ownerReference to `owner` from the objects that have one, as Kubernetes' garbage
 * collector does for the orphan finalizer, before the owner goes: nothing then deletes them.
 */
export async function orphanDependents(store: Store, owner: KubeObject): Promise<number> {
  const uid = owner.metadata.uid;
  let orphaned = 0;
  for (const rt of RESOURCES) {
    // A namespaced owner can only own objects of its own namespace.
    const scope = owner.metadata.namespace !== undefined ? (rt.namespaced ? owner.metadata.namespace : null) : undefined;
    if (scope === null) continue;
    for (const object of await store.list(rt, scope)) {
      if (!object.metadata.ownerReferences?.some((ref) => ref.uid === uid)) continue;
      await mutate(store, rt, object.metadata.namespace, object.metadata.name!, (current) => {
        const kept = (current.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
        if (kept.length === (current.metadata.ownerReferences ?? []).length) return undefined;
        if (kept.length > 0) current.metadata.ownerReferences = kept;
        else delete current.metadata.ownerReferences;
        return current;
      });
      orphaned++;
    }
  }
  return orphaned;
}

export async function deleteObject(store: Store, resource: ResourceType, object: KubeObject, now = new Date(), options: DeleteOptions = {}): Promise<KubeObject | undefined> {
  if (resource.kind === 'Namespace') {
    // As Kubernetes: the namespace turns Terminating; the namespace controller
    // (hub/controllers/namespace-controller.ts) empties it, drops its "kubernetes" finalizer and
    // removes it, so deleting a namespace and then its objects (delete -f) never races.
    return mutate(store, resource, undefined, object.metadata.name!, (current) => {
      if (isTerminating(current)) return undefined;
      current.metadata.deletionTimestamp = nowTimestamp(now);
      current.status = { ...(current.status as object | undefined), phase: 'Terminating' };
      return current;
    });
  }
  if (options.propagationPolicy === 'Orphan') await orphanDependents(store, object);
  const nodeName = resource.kind === 'Pod' ? (object.spec as { nodeName?: string }).nodeName : undefined;
  if (!nodeName || options.gracePeriodSeconds === 0) return store.delete(resource, object.metadata.namespace, object.metadata.name!);
  return mutate(store, resource, object.metadata.namespace, object.metadata.name!, (current) => {
    const grace = options.gracePeriodSeconds ?? (current.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
    // As Kubernetes: deletionTimestamp is when the grace period ends, not when deletion began.
    const deadline = nowTimestamp(new Date(now.getTime() + grace * 1000));
    // A second delete may only shorten the grace (kubectl delete --grace-period=1 on a stuck Pod).
    if (isTerminating(current) && Date.parse(deadline) >= Date.parse(current.metadata.deletionTimestamp!)) return undefined;
    current.metadata.deletionTimestamp = deadline;
    current.metadata.deletionGracePeriodSeconds = grace;
    return current;
  });
}
