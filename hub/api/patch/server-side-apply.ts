/**
 * Server-side apply (`application/apply-patch+yaml`), field ownership kept simple but correct
 * for one manager, after sigs.k8s.io/structured-merge-diff's Updater.Apply:
 * 1. the applied configuration merges into the live object: maps key by key, keyed lists item by
 *    item (merge-keys.ts), set lists as sets, anything else replaced;
 * 2. a field another manager owns whose value this changes is a conflict: 409 unless `force`,
 *    which takes the field from that manager;
 * 3. the manager now owns exactly the fields it applied;
 * 4. fields it applied last time and not this time are removed, unless some manager still owns
 *    them (or something under them);
 * 5. fields that disappeared leave every owner's set.
 * Simplifications, documented in the module header of field-set.ts: status is not owned, and a
 * keyed list uses one key. Nulls in the applied configuration are dropped (as unset).
 */
import type { KubeObject } from '../../../shared/api/object.js';
import { SkiffError } from '../../../shared/errors.js';
import { fieldsOf, pathKey, pathText, removeAt, valueAt, type FieldPath, type FieldSet } from './field-set.js';
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value.js';
import { entriesOf, ownersOf, rfc3339, sameOwner, type Owner } from './managed-fields.js';
import { strategyAt } from './merge-keys.js';
import { withoutNulls } from './merge-patch.js';

export interface ApplyRequest {
  live: KubeObject | undefined;
  /** The applied configuration, already checked to name apiVersion, kind and metadata.name. */
  applied: JsonObject;
  manager: string;
  apiVersion: string;
  force: boolean;
  now: Date;
}

/** Merges the applied configuration into the live value at `path` (field names). */
function merge(live: JsonValue | undefined, applied: JsonValue, kind: string, path: string[]): JsonValue {
  if (isJsonObject(live) && isJsonObject(applied)) {
    const result: JsonObject = { ...live };
    for (const [field, value] of Object.entries(applied)) result[field] = merge(live[field], value, kind, [...path, field]);
    return result;
  }
  const strategy = strategyAt(kind, path);
  if (!Array.isArray(live) || !Array.isArray(applied) || !strategy || !('list' in strategy)) return structuredClone(applied);
  const result = structuredClone(live);
  for (const item of applied) {
    const index =
      strategy.list === 'set'
        ? result.findIndex((other) => jsonEqual(other, item))
        : result.findIndex((other) => isJsonObject(other) && isJsonObject(item) && item[strategy.key] !== undefined && jsonEqual(other[strategy.key], item[strategy.key]));
    if (index < 0) result.push(structuredClone(item));
    else if (strategy.list === 'map') result[index] = merge(result[index], item, kind, path);
  }
  return result;
}

/** A path names a list item (`k:`, `v:`, `i:`) rather than a field. */
function isItem(path: FieldPath): boolean {
  return !path.at(-1)!.startsWith('f:');
}

interface Conflict {
  owner: Owner;
  path: FieldPath;
}

/** How Kubernetes names a manager in a conflict (printManager). */
function managerText(owner: Owner): string {
  const name = `${JSON.stringify(owner.manager)}${owner.subresource ? ` with subresource ${JSON.stringify(owner.subresource)}` : ''}`;
  return owner.operation === 'Update' ? `${name} using ${owner.apiVersion}` : name;
}

/** The 409 kube-apiserver answers (NewConflictError): one line per conflict, grouped by manager. */
function conflictError(conflicts: readonly Conflict[]): SkiffError {
  const details = conflicts.map(({ owner, path }) => ({ path: pathText(path), message: `conflict with ${managerText(owner)}` }));
  if (conflicts.length === 1) {
    const [{ path, message }] = details as [(typeof details)[number]];
    return new SkiffError('SKIFF_ERR_CONFLICT', `Apply failed with 1 conflict: ${message}: ${path}`, { details });
  }
  const byManager = new Map<string, string[]>();
  for (const { owner, path } of conflicts) {
    const paths = byManager.get(managerText(owner)) ?? [];
    paths.push(pathText(path));
    byManager.set(managerText(owner), paths);
  }
  const lines = [...byManager.keys()].sort().flatMap((manager) => [`conflicts with ${manager}:`, ...byManager.get(manager)!.map((path) => `- ${path}`)]);
  return new SkiffError('SKIFF_ERR_CONFLICT', `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`, { details });
}

/** Fields of other managers whose value the merge changes (structured-merge-diff's Compare ∩ their sets). */
function conflictsOf(owners: readonly Owner[], me: Owner, live: JsonObject, merged: JsonObject): Conflict[] {
  const conflicts: Conflict[] = [];
  for (const owner of owners) {
    if (owner === me) continue;
    for (const path of owner.fields.values()) {
      if (isItem(path)) continue;
      const after = valueAt(merged, path);
      if (after !== undefined && !isJsonObject(after) && !jsonEqual(valueAt(live, path), after)) conflicts.push({ owner, path });
    }
  }
  return conflicts;
}

/** Every path some owner holds, and every prefix of one: what pruning must keep. */
function ownedOrAbove(owners: readonly Owner[]): Set<string> {
  const kept = new Set<string>();
  for (const owner of owners) for (const path of owner.fields.values()) for (let n = 1; n <= path.length; n++) kept.add(pathKey(path.slice(0, n)));
  return kept;
}

export function serverSideApply(request: ApplyRequest): KubeObject {
  const applied = withoutNulls(request.applied) as JsonObject;
  const kind = String(applied.kind);
  const live = (request.live ? structuredClone(request.live) : {}) as unknown as JsonObject;
  const merged = merge(live, applied, kind, []) as JsonObject;

  const owners = ownersOf(request.live);
  const identity = { manager: request.manager, operation: 'Apply' as const, apiVersion: request.apiVersion };
  let me = owners.find((owner) => sameOwner(owner, identity));
  const lastApplied: FieldSet = me?.fields ?? new Map();
  if (!me) {
    me = { ...identity, time: rfc3339(request.now), fields: new Map() };
    owners.push(me);
  }

  const conflicts = conflictsOf(owners, me, live, merged);
  if (conflicts.length > 0 && !request.force) throw conflictError(conflicts);
  for (const { owner, path } of conflicts) owner.fields.delete(pathKey(path));

  const appliedFields = fieldsOf(applied, kind);
  const setChanged = appliedFields.size !== lastApplied.size || [...appliedFields.keys()].some((key) => !lastApplied.has(key));
  me.fields = appliedFields;

  const kept = ownedOrAbove(owners);
  for (const [key, path] of lastApplied) if (!kept.has(key)) removeAt(merged, path);

  for (const owner of owners) for (const [key, path] of owner.fields) if (valueAt(merged, path) === undefined) owner.fields.delete(key);

  const { managedFields: _previous, ...liveMeta } = (isJsonObject(live.metadata) ? live.metadata : {}) as JsonObject;
  const { managedFields: _merged, ...mergedMeta } = merged.metadata as JsonObject;
  const objectChanged = !jsonEqual({ ...live, metadata: liveMeta }, { ...merged, metadata: mergedMeta });
  if (objectChanged || setChanged || me.apiVersion !== request.apiVersion) me.time = rfc3339(request.now);
  me.apiVersion = request.apiVersion;

  const result = merged as unknown as KubeObject;
  result.metadata = { ...result.metadata, managedFields: entriesOf(owners) };
  return result;
}
