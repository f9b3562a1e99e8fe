/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), after k8s.io/apimachinery's
 * strategicpatch as kube-apiserver runs it (MergeParallelList, IgnoreUnmatchedNulls): a merge
 * patch whose lists merge item by item when the kind's table (merge-keys.ts) says so, with the
 * directives kubectl sends:
 * - `$patch: replace | delete` in a map (replace it whole, delete it) or as a list item
 *   (`{$patch: replace}` replaces the list, `{name: x, $patch: delete}` deletes item x);
 * - `$retainKeys: [..]` in a map: keys not listed are cleared (Deployment strategy, volumes);
 * - `$deleteFromPrimitiveList/<field>: [..]`: those values leave a set list;
 * - `$setElementOrder/<field>: [..]`: the order of the merged list (kubectl apply sends it).
 * Lists without an entry in the table are replaced, as a merge patch does. The result's order
 * follows Kubernetes': patch items in patch order, interleaved with server-only items where the
 * server's order places them, so a patch that adds an item without an order puts it first.
 *
 * Errors: a malformed directive is 400 (Kubernetes' mergepatch "invalid patch format" errors);
 * a patch that cannot apply (an item without its merge key, an unknown `$patch`) is 422 here,
 * where kube-apiserver lets it through as a 500 InternalError with the same message.
 */
import { SkiffError } from '../../../shared/errors.js';
import { goFormat, goJsonKind, isJsonObject, jsonEqual, shapeOf, type JsonObject, type JsonValue } from './json-value.js';
import { withoutNulls } from './merge-patch.js';
import { strategyAt } from './merge-keys.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

function badFormat(message: string): SkiffError {
  return new SkiffError('SKIFF_ERR_BAD_REQUEST', message);
}

function cannotApply(message: string): SkiffError {
  return new SkiffError('SKIFF_ERR_INVALID', message);
}

function noMergeKey(item: JsonValue, mergeKey: string): SkiffError {
  return cannotApply(`map: ${goFormat(item)} does not contain declared merge key: ${mergeKey}`);
}

interface Place {
  kind: string;
  /** Field names from the object's root; list items are transparent. */
  path: string[];
}

const at = (place: Place, field: string): Place => ({ kind: place.kind, path: [...place.path, field] });

/** Index of `item` in `list`: by merge key for maps, by value for scalars; -1 if absent. */
function indexIn(list: readonly JsonValue[], item: JsonValue, mergeKey: string | undefined): number {
  if (mergeKey === undefined) return list.findIndex((other) => jsonEqual(other, item));
  const key = isJsonObject(item) ? item[mergeKey] : undefined;
  return list.findIndex((other) => isJsonObject(other) && key !== undefined && jsonEqual(other[mergeKey], key));
}

function sortByOrder(items: JsonValue[], order: readonly JsonValue[], mergeKey: string | undefined): JsonValue[] {
  const position = (item: JsonValue) => {
    const index = indexIn(order, item, mergeKey);
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  return items
    .map((item, i) => ({ item, i, at: position(item) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ item }) => item);
}

/**
 * mergeSortedSlice: inserts the server-only items among the patch items. Both keep their own
 * order; a server-only item goes before a patch item only when the server's order says so.
 */
function interleave(serverOnly: JsonValue[], patchItems: JsonValue[], serverOrder: readonly JsonValue[], mergeKey: string | undefined): JsonValue[] {
  const result: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (j >= patchItems.length) result.push(serverOnly[i++]!);
    else if (i >= serverOnly.length) result.push(patchItems[j++]!);
    else {
      const left = indexIn(serverOrder, serverOnly[i]!, mergeKey);
      const right = indexIn(serverOrder, patchItems[j]!, mergeKey);
      if (left >= 0 && right >= 0 && left < right) result.push(serverOnly[i++]!);
      else result.push(patchItems[j++]!);
    }
  }
  return result;
}

/** Splits `merged` into the items `order` names and the others, then orders both (normalizeElementOrder). */
function ordered(merged: JsonValue[], order: readonly JsonValue[], serverOrder: readonly JsonValue[], mergeKey: string | undefined): JsonValue[] {
  const named = merged.filter((item) => indexIn(order, item, mergeKey) >= 0);
  const serverOnly = merged.filter((item) => indexIn(order, item, mergeKey) < 0);
  return interleave(sortByOrder(serverOnly, serverOrder, mergeKey), sortByOrder(named, order, mergeKey), serverOrder, mergeKey);
}

/** Handles `$patch` list items (mergeSliceWithSpecialElements): deletions and a whole-list replace. */
function withSpecialItems(original: JsonValue[], patch: JsonValue[], mergeKey: string): { original: JsonValue[]; patch: JsonValue[] } {
  const plain: JsonValue[] = [];
  let replace = false;
  let remaining = original;
  for (const item of patch) {
    if (!isJsonObject(item) || !Object.hasOwn(item, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      remaining = remaining.filter((other) => !(isJsonObject(other) && jsonEqual(other[mergeKey], item[mergeKey])));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw cannotApply('merging lists cannot yet be specified in the patch');
    } else {
      throw cannotApply(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(item)}`);
    }
  }
  return replace ? { original: plain, patch: [] } : { original: remaining, patch: plain };
}

/** mergeSlice: a list with the merge strategy, of maps by `mergeKey` or of scalars as a set. */
function mergeList(original: JsonValue[], patch: JsonValue[], place: Place, mergeKey: string | undefined, deleteValues: boolean): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const first = [...original, ...patch][0]!;
  if (!isJsonObject(first)) {
    if (deleteValues) return original.filter((item) => !patch.some((value) => jsonEqual(value, item)));
    const merged: JsonValue[] = [];
    for (const item of [...original, ...patch]) if (!merged.some((kept) => jsonEqual(kept, item))) merged.push(item);
    return ordered(merged, patch, original, undefined);
  }
  if (mergeKey === undefined) throw cannotApply(`cannot merge lists without merge key for ${place.path.join('.')}`);
  const special = withSpecialItems(original, patch, mergeKey);
  const merged = [...special.original];
  for (const item of special.patch) {
    if (!isJsonObject(item) || !Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    const index = indexIn(merged, item, mergeKey);
    if (index >= 0) merged[index] = mergeMap(merged[index] as JsonObject, item, place);
    else merged.push(mergeMap({}, item, place));
  }
  return ordered(merged, special.patch, special.original, mergeKey);
}

/** mergeSliceHandler: merge lists the table knows, replace the others. */
function mergeField(original: JsonValue[], patch: JsonValue[], place: Place, deleteValues = false): JsonValue[] {
  const strategy = strategyAt(place.kind, place.path);
  if (strategy && 'list' in strategy) return mergeList(original, patch, place, strategy.list === 'map' ? strategy.key : undefined, deleteValues);
  return withoutNulls(patch) as JsonValue[];
}

/** `$retainKeys`: the original keeps only the listed keys before the merge. */
function retainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const keep = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keep) || keep.some((key) => typeof key !== 'string')) throw badFormat('invalid patch format of retainKeys');
  for (const key of Object.keys(original)) if (!keep.includes(key)) delete original[key];
}

/** `$setElementOrder/<field>` (mergePatchIntoOriginal): merge that list now, in the given order. */
function orderLists(original: JsonObject, patch: JsonObject, place: Place): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badFormat('invalid patch format of setElementOrder list');
    const field = key.slice(SET_ELEMENT_ORDER.length);
    const fieldPlace = at(place, field);
    const originalList = Array.isArray(original[field]) ? (original[field] as JsonValue[]) : undefined;
    const patchList = Array.isArray(patch[field]) ? (patch[field] as JsonValue[]) : undefined;
    if (!originalList && !patchList) continue;
    const merged = patchList ? mergeField(originalList ?? [], patchList, fieldPlace) : originalList!;
    const strategy = strategyAt(place.kind, fieldPlace.path);
    const mergeKey = strategy && 'list' in strategy && strategy.list === 'map' ? strategy.key : undefined;
    original[field] = ordered(merged, order, originalList ?? [], mergeKey);
    delete patch[field];
  }
}

/** The value of a field the original does not have: the patch's, its directives applied. */
function newValue(patch: JsonValue, place: Place): JsonValue | undefined {
  if (isJsonObject(patch)) return patch[DIRECTIVE] === 'delete' ? undefined : mergeMap({}, patch, place);
  if (Array.isArray(patch)) return mergeField([], patch, place);
  return patch;
}

function mergeMap(original: JsonObject, patch: JsonObject, place: Place): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'delete') return {};
    if (directive !== 'replace') throw cannotApply(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
    const { [DIRECTIVE]: _directive, ...replacement } = patch;
    return withoutNulls(replacement) as JsonObject;
  }
  retainKeys(original, patch);
  orderLists(original, patch, place);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      if (!Array.isArray(value)) throw badFormat('invalid patch format of primitive list');
      const current = original[field];
      if (Array.isArray(current)) original[field] = mergeField(current, value, at(place, field), true);
      continue;
    }
    const fieldPlace = at(place, key);
    const current = original[key];
    if (value === null) delete original[key];
    else if (current === undefined) {
      const created = newValue(value, fieldPlace);
      if (created !== undefined) original[key] = created;
    } else if (shapeOf(current) !== shapeOf(value)) original[key] = withoutNulls(value);
    else if (isJsonObject(current)) original[key] = mergeMap(current, value as JsonObject, fieldPlace);
    else if (Array.isArray(current)) original[key] = mergeField(current, value as JsonValue[], fieldPlace);
    else original[key] = value;
  }
  return original;
}

/** Applies a strategic merge patch body to a copy of `doc`, an object of `kind`. */
export function applyStrategicMergePatch(doc: JsonObject, patch: JsonValue, kind: string): JsonObject {
  if (patch === null) return structuredClone(doc);
  if (!isJsonObject(patch)) {
    throw badFormat(`json: cannot unmarshal ${goJsonKind(patch)} into Go value of type map[string]interface {}`);
  }
  return mergeMap(structuredClone(doc), structuredClone(patch), { kind, path: [] });
}
