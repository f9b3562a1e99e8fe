/**
 * The JSON values every patch algorithm works on, and the few helpers they share: type tests,
 * deep equality, and Go's `%v` rendering, because kube-apiserver's patch errors print the
 * offending map that way (`map[image:x]`) and kubectl users search for those messages.
 */
import { SkiffError } from '../../../shared/errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of two JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** The three shapes Go's reflect.Kind tells apart in the merge algorithms. */
export function shapeOf(value: JsonValue): 'map' | 'list' | 'scalar' {
  return Array.isArray(value) ? 'list' : isJsonObject(value) ? 'map' : 'scalar';
}

/** Go's fmt `%v` of a decoded JSON value: `map[a:1 b:[x y]]`, keys sorted, `<nil>` for null. */
export function goFormat(value: JsonValue | undefined): string {
  if (value == null) return '<nil>'; // null, or a member that is not there
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((key) => `${key}:${goFormat(value[key])}`).join(' ')}]`;
  }
  return String(value);
}

/** Parses a JSON request body; a syntax error is Kubernetes' 400 with the parser's words. */
export function parseJsonBody(body: string): JsonValue {
  try {
    return JSON.parse(body) as JsonValue;
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `error decoding patch: ${(err as Error).message}`, { cause: err });
  }
}

/** Go's json type word for a value that landed where another was expected. */
export function goJsonKind(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isJsonObject(value)) return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}
