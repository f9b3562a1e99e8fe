/**
 * What one watcher sees of the store's changes: its resource, its namespace and its selectors
 * decide, exactly as kube-apiserver's cacheWatcher.convertToWatchEvent does. An object that
 * starts matching a selector is ADDED for that watcher, one that stops matching is DELETED
 * (with its last matching content and the change's resourceVersion). Pure.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { apiVersionOf, type ResourceType } from '../../shared/api/resources.js';
import type { CachedChange } from './watch-cache.js';
import type { ObjectFilter } from './selectors.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One line of a watch stream (meta/v1 WatchEvent). */
export interface WatchEvent {
  type: WatchEventType;
  object: unknown;
}

export interface ObjectWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

export interface WatchScope {
  resource: ResourceType;
  /** undefined: every namespace (or a cluster-scoped resource). */
  namespace?: string;
  /** Label and field selectors together. */
  matches: ObjectFilter;
}

function sameResource(a: ResourceType, b: ResourceType): boolean {
  return a.group === b.group && a.plural === b.plural;
}

function inScope(object: KubeObject, scope: WatchScope): boolean {
  return (scope.namespace === undefined || object.metadata.namespace === scope.namespace) && scope.matches(object);
}

export function eventForWatcher(change: CachedChange, scope: WatchScope): ObjectWatchEvent | undefined {
  if (!sameResource(change.resource, scope.resource)) return undefined;
  // A deletion is judged by the object as it was: the store hands it over with the delete's
  // resourceVersion already set, as the apiserver's DELETED events carry.
  const before = change.type === 'DELETED' ? change.object : change.previous;
  const matchesNow = change.type !== 'DELETED' && inScope(change.object, scope);
  const matchedBefore = before !== undefined && inScope(before, scope);
  if (matchesNow) return { type: matchedBefore ? 'MODIFIED' : 'ADDED', object: change.object };
  if (!matchedBefore) return undefined;
  const gone = change.type === 'DELETED' ? before : { ...before, metadata: { ...before.metadata, resourceVersion: String(change.revision) } };
  return { type: 'DELETED', object: gone };
}

/** "Get State and Start at Most Recent": a synthetic ADDED for every object in scope now. */
export function initialEvents(objects: KubeObject[], scope: WatchScope): ObjectWatchEvent[] {
  return objects.filter((object) => inScope(object, scope)).map((object) => ({ type: 'ADDED', object }));
}

/** A BOOKMARK carries an object of the watched kind with only its resourceVersion set. */
export function bookmarkObject(resource: ResourceType, resourceVersion: number): KubeObject {
  return { apiVersion: apiVersionOf(resource), kind: resource.kind, metadata: { resourceVersion: String(resourceVersion) } };
}
