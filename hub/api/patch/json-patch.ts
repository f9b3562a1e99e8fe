/**
 * JSON patch (RFC 6902, `application/json-patch+json`) exactly as kube-apiserver applies it: with
 * evanphx/json-patch v4, whose quirks clients rely on and whose error texts kubectl prints. Those
 * quirks, kept on purpose: `replace` of a missing object key adds it (only a missing parent or
 * array index fails), a key holding null counts as absent for `test`, negative array indices
 * count from the end, and `-` appends on `add`. `kubectl patch --type json` and `rollout undo`
 * send these.
 */
import { SkiffError } from '../../../shared/errors.js';
import { goJsonKind, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value.js';

type Container = JsonObject | JsonValue[];

/** A failure of one operation: Kubernetes answers 422 with this text. */
class OperationError extends Error {}

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';

/** RFC 6901 section 4: `~1` is `/`, then `~0` is `~`. */
function decodeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Go's strconv.Atoi, as the library parses array indices (a sign is allowed). */
function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) throw new OperationError(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  return Number(key);
}

function invalidIndex(index: number): OperationError {
  return new OperationError(`Unable to access invalid index: ${index}: ${INVALID_INDEX}`);
}

function get(container: Container, key: string): JsonValue | undefined {
  if (!Array.isArray(container)) return container[key] ?? undefined;
  const index = atoi(key);
  if (index < 0 || index >= container.length) throw invalidIndex(index);
  return container[index];
}

function set(container: Container, key: string, value: JsonValue): void {
  if (Array.isArray(container)) container[atoi(key)] = value;
  else container[key] = value;
}

function add(container: Container, key: string, value: JsonValue): void {
  if (!Array.isArray(container)) {
    container[key] = value;
    return;
  }
  if (key === '-') {
    container.push(value);
    return;
  }
  let index: number;
  try {
    index = atoi(key);
  } catch (err) {
    throw new OperationError(`value was not a proper array index: '${key}': ${(err as Error).message}`);
  }
  const size = container.length + 1;
  if (index >= size || index < -size) throw invalidIndex(index);
  container.splice(index < 0 ? index + size : index, 0, value);
}

function remove(container: Container, key: string): void {
  if (!Array.isArray(container)) {
    if (!Object.hasOwn(container, key)) throw new OperationError(`Unable to remove nonexistent key: ${key}: ${MISSING}`);
    delete container[key];
    return;
  }
  const index = atoi(key);
  if (index >= container.length || index < -container.length) throw invalidIndex(index);
  container.splice(index < 0 ? index + container.length : index, 1);
}

/** The container that holds the last token of `path`, or undefined when a parent is missing. */
function findParent(doc: JsonObject, path: string): { container: Container; key: string } | undefined {
  const tokens = path.split('/');
  if (tokens.length < 2) return undefined;
  let current: Container = doc;
  for (const token of tokens.slice(1, -1)) {
    let next: JsonValue | undefined;
    try {
      next = get(current, decodeToken(token));
    } catch {
      return undefined; // the library treats any failure on the way down as a missing path
    }
    if (!Array.isArray(next) && !isJsonObject(next)) return undefined;
    current = next;
  }
  return { container: current, key: decodeToken(tokens.at(-1)!) };
}

interface Operation {
  op: JsonValue | undefined;
  path: JsonValue | undefined;
  from: JsonValue | undefined;
  value: JsonValue | undefined;
}

function stringField(value: JsonValue | undefined, missing: string): string {
  if (typeof value !== 'string') throw new OperationError(`${missing}: ${MISSING}`);
  return value;
}

function pathOf(operation: Operation, name: string): string {
  try {
    return stringField(operation.path, 'operation missing path field');
  } catch (err) {
    throw new OperationError(`${name} operation failed to decode path: ${(err as Error).message}`);
  }
}

function fromOf(operation: Operation, name: string): string {
  try {
    return stringField(operation.from, 'operation, missing from field');
  } catch (err) {
    throw new OperationError(`${name} operation failed to decode from: ${(err as Error).message}`);
  }
}

function wrap<T>(prefix: string, action: () => T): T {
  try {
    return action();
  } catch (err) {
    throw new OperationError(`${prefix}: ${(err as Error).message}`);
  }
}

const OPERATIONS: Record<string, (doc: JsonObject, operation: Operation) => void> = {
  add(doc, operation) {
    const path = pathOf(operation, 'add');
    const target = findParent(doc, path);
    if (!target) throw new OperationError(`add operation does not apply: doc is missing path: "${path}": ${MISSING}`);
    wrap(`error in add for path: '${path}'`, () => add(target.container, target.key, structuredClone(operation.value ?? null)));
  },
  remove(doc, operation) {
    const path = pathOf(operation, 'remove');
    const target = findParent(doc, path);
    if (!target) throw new OperationError(`remove operation does not apply: doc is missing path: "${path}": ${MISSING}`);
    wrap(`error in remove for path: '${path}'`, () => remove(target.container, target.key));
  },
  replace(doc, operation) {
    const path = pathOf(operation, 'replace');
    const target = findParent(doc, path);
    if (!target) throw new OperationError(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
    try {
      get(target.container, target.key);
    } catch {
      throw new OperationError(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
    }
    set(target.container, target.key, structuredClone(operation.value ?? null));
  },
  move(doc, operation) {
    const from = fromOf(operation, 'move');
    const source = findParent(doc, from);
    if (!source) throw new OperationError(`move operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
    const value = wrap(`error in move for path: '${source.key}'`, () => get(source.container, source.key));
    wrap(`error in move for path: '${source.key}'`, () => remove(source.container, source.key));
    const path = pathOf(operation, 'move');
    const target = findParent(doc, path);
    if (!target) throw new OperationError(`move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
    wrap(`error in move for path: '${path}'`, () => add(target.container, target.key, value ?? null));
  },
  copy(doc, operation) {
    const from = fromOf(operation, 'copy');
    const source = findParent(doc, from);
    if (!source) throw new OperationError(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
    const value = wrap(`error in copy for from: '${from}'`, () => get(source.container, source.key));
    const path = pathOf(operation, 'copy');
    const target = findParent(doc, path);
    if (!target) throw new OperationError(`copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
    wrap('error while adding value during copy', () => add(target.container, target.key, structuredClone(value ?? null)));
  },
  test(doc, operation) {
    const path = pathOf(operation, 'test');
    const target = findParent(doc, path);
    if (!target) throw new OperationError(`test operation does not apply: is missing path: ${path}: ${MISSING}`);
    const actual = wrap(`error in test for path: '${path}'`, () => get(target.container, target.key)) ?? null;
    if (!jsonEqual(actual, operation.value ?? null)) throw new OperationError(`testing value ${path} failed: test failed`);
  },
};

/** Decodes the body as DecodePatch does: a list of objects, else a 400 in Go's words. */
export function decodeJsonPatch(patch: JsonValue): Operation[] {
  if (!Array.isArray(patch)) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `json: cannot unmarshal ${goJsonKind(patch)} into Go value of type jsonpatch.Patch`);
  }
  return patch.map((item) => {
    if (item === null) return { op: undefined, path: undefined, from: undefined, value: undefined };
    if (!isJsonObject(item)) {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `json: cannot unmarshal ${goJsonKind(item)} into Go value of type jsonpatch.Operation`);
    }
    return { op: item.op, path: item.path, from: item.from, value: item.value };
  });
}

/** Applies the operations in order to a copy of `doc`; the first failure is a 422. */
export function applyJsonPatch(doc: JsonObject, patch: JsonValue): JsonObject {
  const operations = decodeJsonPatch(patch);
  const result = structuredClone(doc);
  for (const operation of operations) {
    const kind = typeof operation.op === 'string' ? operation.op : 'unknown';
    const apply = Object.hasOwn(OPERATIONS, kind) ? OPERATIONS[kind] : undefined;
    try {
      if (!apply) throw new OperationError(`Unexpected kind: ${kind}`);
      apply(result, operation);
    } catch (err) {
      // Every failure of an operation is the patch's (kube-apiserver: 422 with the library's text).
      throw new SkiffError('SKIFF_ERR_INVALID', (err as Error).message, { cause: err });
    }
  }
  return result;
}
