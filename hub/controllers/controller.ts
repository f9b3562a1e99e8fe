/**
 * What every hub controller is: a work queue of keys, fed by store changes and a periodic
 * resync, draining into one idempotent sync per key.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { Logger } from '../../shared/log.js';
import type { Change, Store } from '../store/store.js';
import { WorkQueue, type WorkQueueOptions } from './work-queue.js';

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

/**
 * The shape every hub controller shares: a work queue draining into `sync(key)`. Subclasses say
 * which keys a change affects (`onChange`), which keys exist (`resync`) and how to converge one.
 */
export abstract class QueueController implements Controller {
  protected readonly queue: WorkQueue;

  constructor(
    readonly name: string,
    protected readonly store: Store,
    protected readonly logger: Logger,
    options: Pick<WorkQueueOptions, 'concurrency' | 'throttle'> = {},
  ) {
    this.queue = new WorkQueue({ name, logger, sync: (k) => this.sync(k), ...options });
  }

  abstract onChange(change: Change): void;
  abstract resync(): Promise<void>;
  protected abstract sync(key: string): Promise<void>;

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  /** Enqueues "namespace/name" of an object. */
  protected enqueue(object: KubeObject): void {
    this.queue.add(key(object.metadata.namespace, object.metadata.name!));
  }

  /** Enqueues the controlling owner of `object` when it is of `kind`. */
  protected enqueueOwner(object: KubeObject, kind: string): void {
    for (const ref of object.metadata.ownerReferences ?? []) {
      if (ref.kind === kind && ref.controller) this.queue.add(key(object.metadata.namespace, ref.name));
    }
  }
}
