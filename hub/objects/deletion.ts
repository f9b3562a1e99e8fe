/**
 * Deleting an object the way Kubernetes does. A Pod bound to a node is deleted gracefully: it is
 * marked with deletionTimestamp, its node stops its containers, and ingest removes the object
 * once the node no longer reports it. Everything else goes at once; dependents are removed by the
 * garbage collector through their ownerReferences.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { Store } from '../store/store.js';
import { mutate } from './mutate.js';

export function isTerminating(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

export function nowTimestamp(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function deleteObject(store: Store, resource: ResourceType, object: KubeObject, now = new Date()): Promise<KubeObject | undefined> {
  if (resource.kind === 'Namespace') {
    // As Kubernetes: the namespace turns Terminating; the garbage collector empties it and then
    // removes it, so deleting a namespace and then its objects (delete -f) never races.
    return mutate(store, resource, undefined, object.metadata.name!, (current) => {
      if (isTerminating(current)) return undefined;
      current.metadata.deletionTimestamp = nowTimestamp(now);
      current.status = { phase: 'Terminating' };
      return current;
    });
  }
  const nodeName = resource.kind === 'Pod' ? (object.spec as { nodeName?: string }).nodeName : undefined;
  if (!nodeName) return store.delete(resource, object.metadata.namespace, object.metadata.name!);
  return mutate(store, resource, object.metadata.namespace, object.metadata.name!, (current) => {
    if (isTerminating(current)) return undefined;
    const grace = (current.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
    // As Kubernetes: deletionTimestamp is when the grace period ends, not when deletion began.
    current.metadata.deletionTimestamp = nowTimestamp(new Date(now.getTime() + grace * 1000));
    current.metadata.deletionGracePeriodSeconds = grace;
    return current;
  });
}
