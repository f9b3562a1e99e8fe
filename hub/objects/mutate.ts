/**
 * Read-modify-write with optimistic concurrency (client-go's retry.RetryOnConflict): reads the
 * newest object, applies `change`, writes it with the resourceVersion it read, and starts over if
 * someone else wrote in between. Controllers, ingest and the API all change objects this way, so
 * no writer silently overwrites another's fields.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import { isSkiffError } from '../../shared/errors.js';
import type { Store } from '../store/store.js';

/** Return the changed object, or undefined to write nothing. */
export type Change<T extends KubeObject> = (current: T) => T | undefined;

export async function mutate<T extends KubeObject>(
  store: Store,
  resource: ResourceType,
  namespace: string | undefined,
  name: string,
  change: Change<T>,
  attempts = 5,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    const current = (await store.get(resource, namespace, name)) as T | undefined;
    if (!current) return undefined;
    const next = change(structuredClone(current));
    if (next === undefined) return current;
    try {
      return (await store.update(resource, { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } })) as T;
    } catch (err) {
      if (!isSkiffError(err, 'SKIFF_ERR_CONFLICT') || attempt >= attempts) throw err;
    }
  }
}
