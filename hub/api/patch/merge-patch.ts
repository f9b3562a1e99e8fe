/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`), as evanphx/json-patch's MergePatch
 * applies it for kube-apiserver: null deletes a key, objects merge key by key, anything else
 * (lists included) replaces, and nulls inside a value that replaces are dropped. `kubectl label`,
 * `annotate` and `patch --type merge` send these.
 */
import { SkiffError } from '../../../shared/errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json-value.js';

/** The library's pruneNulls: null members of objects go, recursively (lists keep their nulls). */
export function withoutNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map((item) => (item === null ? null : withoutNulls(item)));
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, member] of Object.entries(value)) if (member !== null) result[key] = withoutNulls(member);
  return result;
}

function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (value === null) delete target[key];
    else if (isJsonObject(current) && isJsonObject(value)) mergeInto(current, value);
    else target[key] = withoutNulls(structuredClone(value));
  }
}

/**
 * Merges `patch` into a copy of `doc`. A body that is not an object is the library's
 * ErrBadJSONPatch (400 "Invalid JSON Patch"), except a list, which replaces the whole document
 * and so can never decode as an object (422, as the API server's decode step reports it).
 */
export function applyMergePatch(doc: JsonObject, patch: JsonValue): JsonObject {
  if (Array.isArray(patch)) {
    throw new SkiffError('SKIFF_ERR_INVALID', 'patch: Invalid value: the patched object is a list, not an object', {
      details: [{ path: 'patch', message: 'the patched object is a list, not an object' }],
    });
  }
  if (!isJsonObject(patch)) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'Invalid JSON Patch');
  const result = structuredClone(doc);
  mergeInto(result, patch);
  return result;
}
