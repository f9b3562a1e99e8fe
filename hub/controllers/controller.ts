/**
 * What every hub controller is: a work queue of keys, fed by store changes and a periodic
 * resync, draining into one idempotent sync per key.
 */
import type { Change } from '../store/store.js';

export interface Controller {
  readonly name: string;
  /** Maps a committed change to the keys it affects (and enqueues them). */
  onChange(change: Change): void;
  /** Enqueues every key this controller owns (the safety net behind change events). */
  resync(): Promise<void>;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** "namespace/name" keys, as Kubernetes' MetaNamespaceKeyFunc. */
export function key(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(k: string): { namespace: string | undefined; name: string } {
  const slash = k.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: k } : { namespace: k.slice(0, slash), name: k.slice(slash + 1) };
}
