/**
 * Read-modify-write of one object (the hub has no PATCH): GET, change, PUT with the read
 * resourceVersion, and on 409 Conflict read again and retry, as `apply` does.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { isApiStatusError } from './api-errors.js';
import type { HubClient } from './hub-client.js';

const MAX_ATTEMPTS = 5;

export interface UpdateResult<T> {
  /** The object as the server holds it afterwards (the read one when nothing changed). */
  object: T;
  changed: boolean;
}

/**
 * `change` gets a private copy of the live object and returns the object to PUT, or undefined
 * when nothing needs to change (no request is sent then). It may throw to abort.
 */
export async function updateObject<T extends KubeObject>(client: HubClient, path: string, change: (live: T) => T | undefined | Promise<T | undefined>): Promise<UpdateResult<T>> {
  for (let attempt = 1; ; attempt++) {
    const live = await client.get<T>(path);
    const next = await change(structuredClone(live));
    if (next === undefined) return { object: live, changed: false };
    next.metadata.resourceVersion = live.metadata.resourceVersion;
    try {
      return { object: await client.request<T>('PUT', path, { body: next }), changed: true };
    } catch (err) {
      if (!isApiStatusError(err, 'Conflict') || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}
