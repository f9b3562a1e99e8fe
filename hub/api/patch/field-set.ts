/**
 * Sets of field paths, the unit of ownership in server-side apply, in the encoding of
 * sigs.k8s.io/structured-merge-diff that metadata.managedFields[].fieldsV1 carries: a path is a
 * list of tokens, `f:<field>` for a map member, `k:{"name":"web"}` for the item of a keyed list,
 * `v:"value"` for a value of a set list, `i:<n>` for an item that has no key; fieldsV1 nests
 * them, `{}` closing a path and `.` marking a node that is itself owned and has owned children.
 *
 * Fields the server sets (apiVersion, kind, metadata.name, uid, resourceVersion, ...) are never
 * owned (Kubernetes' stripMeta), nor is status, which kube-apiserver resets on main-resource
 * writes; Skiff keeps no per-subresource ownership.
 */
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value.js';
import { strategyAt } from './merge-keys.js';

export type FieldPath = readonly string[];

/** A set of paths, keyed by their JSON text so that equal paths collapse. */
export type FieldSet = Map<string, FieldPath>;

const STRIPPED_TOP = new Set(['apiVersion', 'kind', 'status']);
/** Structs Go never leaves out (non-pointer fields), so Kubernetes never reports them added. */
const ALWAYS_PRESENT = new Set(['metadata', 'spec', 'spec.template', 'spec.template.metadata', 'spec.template.spec']);
const STRIPPED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

export function pathKey(path: FieldPath): string {
  return JSON.stringify(path);
}

export function fieldSet(paths: Iterable<FieldPath>): FieldSet {
  const set: FieldSet = new Map();
  for (const path of paths) set.set(pathKey(path), path);
  return set;
}

/** `.spec.containers[name="web"].image`, as structured-merge-diff prints a path in conflicts. */
export function pathText(path: FieldPath): string {
  return path
    .map((token) => {
      const body = token.slice(2);
      if (token.startsWith('f:')) return `.${body}`;
      if (token.startsWith('v:')) return `[=${body}]`;
      if (token.startsWith('i:')) return `[${body}]`;
      const key = JSON.parse(body) as JsonObject;
      return `[${Object.entries(key).map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(',')}]`;
    })
    .join('');
}

function keyToken(item: JsonValue, keyField: string, index: number): string {
  return isJsonObject(item) && item[keyField] !== undefined ? `k:${JSON.stringify({ [keyField]: item[keyField] })}` : `i:${index}`;
}

/**
 * The paths `value` sets, as structured-merge-diff's ToFieldSet: every scalar, every atomic list,
 * every empty map, each item of a keyed list (and its fields), each value of a set list. With
 * `withMaps` (used to diff two versions of an object) every non-empty map is a path too, so that
 * a new map is "added" as Kubernetes' Compare reports it.
 */
export function fieldsOf(obj: JsonObject, kind: string, withMaps = false): FieldSet {
  const set: FieldSet = new Map();
  const add = (path: FieldPath) => set.set(pathKey(path), path);
  const walk = (value: JsonValue, path: string[], schemaPath: string[]): void => {
    if (isJsonObject(value)) {
      const entries = Object.entries(value).filter(([field]) => !isStripped(schemaPath, field));
      if (Object.keys(value).length === 0 || (withMaps && !ALWAYS_PRESENT.has(schemaPath.join('.')))) add(path);
      for (const [field, member] of entries) if (member !== null) walk(member, [...path, `f:${field}`], [...schemaPath, field]);
      return;
    }
    const strategy = strategyAt(kind, schemaPath);
    if (!Array.isArray(value) || !strategy || !('list' in strategy)) {
      add(path);
      return;
    }
    value.forEach((item, index) => {
      if (strategy.list === 'set') return add([...path, `v:${JSON.stringify(item)}`]);
      const itemPath = [...path, keyToken(item, strategy.key, index)];
      add(itemPath);
      if (isJsonObject(item)) {
        for (const [field, member] of Object.entries(item)) if (member !== null) walk(member, [...itemPath, `f:${field}`], [...schemaPath, field]);
      }
    });
  };
  for (const [field, member] of Object.entries(obj)) {
    if (!STRIPPED_TOP.has(field) && member !== null) walk(member, [`f:${field}`], [field]);
  }
  set.delete(pathKey([]));
  return set;
}

function isStripped(schemaPath: readonly string[], field: string): boolean {
  return schemaPath.length === 1 && schemaPath[0] === 'metadata' && STRIPPED_META.has(field);
}

/** The value at `path` in `obj`, or undefined when the path does not exist. */
export function valueAt(obj: JsonValue, path: FieldPath): JsonValue | undefined {
  let current: JsonValue | undefined = obj;
  for (const token of path) {
    if (current === undefined) return undefined;
    const found = step(current, token);
    current = found?.value;
  }
  return current;
}

/** One step down: the container and where in it the token points. */
function step(container: JsonValue, token: string): { value: JsonValue; index: number | string } | undefined {
  const body = token.slice(2);
  if (token.startsWith('f:')) {
    return isJsonObject(container) && Object.hasOwn(container, body) ? { value: container[body]!, index: body } : undefined;
  }
  if (!Array.isArray(container)) return undefined;
  let index: number;
  if (token.startsWith('i:')) index = Number(body) < container.length ? Number(body) : -1;
  else if (token.startsWith('v:')) index = container.findIndex((item) => jsonEqual(item, JSON.parse(body)));
  else {
    const key = JSON.parse(body) as JsonObject;
    index = container.findIndex((item) => isJsonObject(item) && Object.entries(key).every(([name, value]) => jsonEqual(item[name], value)));
  }
  return index < 0 ? undefined : { value: container[index]!, index };
}

/** Removes the node at `path` from `obj` (in place); nothing happens when it is not there. */
export function removeAt(obj: JsonObject, path: FieldPath): void {
  const parent = valueAt(obj, path.slice(0, -1));
  if (parent === undefined || parent === null || typeof parent !== 'object') return;
  const found = step(parent, path.at(-1)!);
  if (!found) return;
  if (Array.isArray(parent)) parent.splice(found.index as number, 1);
  else delete parent[found.index as string];
}

interface Node {
  [token: string]: Node;
}

/** The fieldsV1 object of a set: nested tokens, `.` where an owned node has owned children. */
export function encodeFieldsV1(set: FieldSet): JsonObject {
  const root: Node = {};
  const members = new Set<Node>();
  for (const path of set.values()) {
    let node = root;
    for (const token of path) node = node[token] ??= {};
    members.add(node);
  }
  const render = (node: Node): JsonObject => {
    const tokens = Object.keys(node).sort();
    const out: JsonObject = members.has(node) && tokens.length > 0 ? { '.': {} } : {};
    for (const token of tokens) out[token] = render(node[token]!);
    return out;
  };
  return render(root);
}

/** The set a fieldsV1 object encodes; anything that is not an object of objects is skipped. */
export function decodeFieldsV1(fields: unknown): FieldSet {
  const set: FieldSet = new Map();
  const walk = (node: JsonObject, path: string[]): void => {
    const tokens = Object.keys(node);
    if (path.length > 0 && (tokens.length === 0 || tokens.includes('.'))) set.set(pathKey(path), path);
    for (const token of tokens) {
      const child = node[token];
      if (token !== '.' && isJsonObject(child)) walk(child, [...path, token]);
    }
  };
  if (isJsonObject(fields)) walk(fields, []);
  return set;
}
