/**
 * metadata.managedFields: who owns which fields. Each entry is one manager and operation
 * (`Apply` for server-side apply, `Update` for every other write), with the set of fields it
 * owns in fieldsV1. An ordinary write (create, PUT, a PATCH of the other three types) hands the
 * fields it changes to its manager, as kube-apiserver's FieldManager.Update does: recordUpdate.
 */
import type { KubeObject } from '../../../shared/api/object.js';
import { decodeFieldsV1, encodeFieldsV1, fieldsOf, valueAt, type FieldSet } from './field-set.js';
import { isJsonObject, jsonEqual, type JsonObject } from './json-value.js';

export type ManagedFieldsOperation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** One entry decoded: its identity and the set of paths it owns. */
export interface Owner {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: FieldSet;
}

/** RFC 3339 to the second, as metav1.Time serialises. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Whether two owners are the same manager (BuildManagerIdentifier): an Apply is its manager
 * name alone, an Update also its apiVersion and subresource.
 */
export function sameOwner(a: Pick<Owner, 'manager' | 'operation' | 'apiVersion' | 'subresource'>, b: Pick<Owner, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): boolean {
  if (a.manager !== b.manager || a.operation !== b.operation || (a.subresource ?? '') !== (b.subresource ?? '')) return false;
  return a.operation === 'Apply' || a.apiVersion === b.apiVersion;
}

/** The owners recorded on an object; entries that are not well-formed are left out. */
export function ownersOf(obj: KubeObject | undefined): Owner[] {
  const entries = obj?.metadata.managedFields ?? [];
  return entries.filter(isJsonObject).flatMap((entry): Owner[] => {
    const { manager, operation, apiVersion, time, subresource, fieldsV1 } = entry;
    if (typeof manager !== 'string' || (operation !== 'Apply' && operation !== 'Update')) return [];
    return [
      {
        manager,
        operation,
        apiVersion: typeof apiVersion === 'string' ? apiVersion : '',
        time: typeof time === 'string' ? time : '',
        ...(typeof subresource === 'string' && subresource !== '' ? { subresource } : {}),
        fields: decodeFieldsV1(fieldsV1),
      },
    ];
  });
}

/** Entries of the owners that still own something, in Kubernetes' order (operation, time, manager). */
export function entriesOf(owners: readonly Owner[]): ManagedFieldsEntry[] {
  return owners
    .filter((owner) => owner.fields.size > 0)
    .sort((a, b) => compare(a.operation, b.operation) || compare(a.time, b.time) || compare(a.manager, b.manager) || compare(a.apiVersion, b.apiVersion))
    .map((owner) => ({
      manager: owner.manager,
      operation: owner.operation,
      apiVersion: owner.apiVersion,
      time: owner.time,
      fieldsType: 'FieldsV1',
      fieldsV1: encodeFieldsV1(owner.fields),
      ...(owner.subresource ? { subresource: owner.subresource } : {}),
    }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a write changed, as structured-merge-diff's Compare: paths added or modified, paths removed. */
export function diff(before: KubeObject | undefined, after: KubeObject): { changed: FieldSet; removed: FieldSet } {
  const kind = after.kind;
  const beforeFields = before ? fieldsOf(before as unknown as JsonObject, kind, true) : new Map();
  const afterFields = fieldsOf(after as unknown as JsonObject, kind, true);
  const changed: FieldSet = new Map();
  for (const [key, path] of afterFields) {
    const value = valueAt(after as unknown as JsonObject, path);
    const added = !beforeFields.has(key);
    const modified = !added && !isJsonObject(value) && !jsonEqual(valueAt(before as unknown as JsonObject, path), value);
    if (added || modified) changed.set(key, path);
  }
  const removed: FieldSet = new Map([...beforeFields].filter(([key]) => !afterFields.has(key)));
  return { changed, removed };
}

/**
 * managedFields after an ordinary write of `after` (over `before`, undefined for a create) by
 * `manager` speaking `apiVersion`: the paths it changed move to it from every other owner, the
 * paths it removed leave every owner, and its entry's time is `now` when it changed anything.
 */
export function recordUpdate(before: KubeObject | undefined, after: KubeObject, manager: string, apiVersion: string, now: Date): ManagedFieldsEntry[] {
  const owners = ownersOf(before);
  const { changed, removed } = diff(before, after);
  const identity = { manager, operation: 'Update' as const, apiVersion };
  for (const owner of owners) {
    if (sameOwner(owner, identity)) continue;
    for (const key of [...changed.keys(), ...removed.keys()]) owner.fields.delete(key);
  }
  let mine = owners.find((owner) => sameOwner(owner, identity));
  if (!mine && changed.size > 0) {
    mine = { ...identity, time: rfc3339(now), fields: new Map() };
    owners.push(mine);
  }
  if (mine) {
    for (const [key, path] of changed) mine.fields.set(key, path);
    for (const key of removed.keys()) mine.fields.delete(key);
    if (changed.size > 0) mine.time = rfc3339(now);
  }
  return entriesOf(owners);
}

/** Kubernetes' FieldManagerMaxLength. */
const MAX_MANAGER_LENGTH = 128;

/**
 * The manager of a write that names none (managerOrUserAgent): the User-Agent up to its first
 * `/` ("kubectl" for `kubectl/v1.32.0 (linux/amd64) ...`), without unprintable characters and cut
 * to 128 bytes. kubectl itself names most of its writes (`kubectl-client-side-apply`,
 * `kubectl-edit`, `kubectl-label`, ...).
 */
export function managerOrUserAgent(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  let manager = '';
  for (const char of (userAgent ?? '').split('/')[0]!) {
    if (/\p{C}/u.test(char)) continue;
    if (Buffer.byteLength(manager + char) > MAX_MANAGER_LENGTH) break;
    manager += char;
  }
  return manager;
}
