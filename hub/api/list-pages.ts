/**
 * `?limit=N&continue=TOKEN` on a list, as kubectl (chunks of 500) and client libraries page
 * through large lists. The token is Kubernetes' own shape (base64 of
 * `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`), opaque to clients: the list resumes
 * after the key of the last object sent, in the store's namespace/name order.
 *
 * One difference from etcd: Skiff's SQLite store keeps no old revisions, so a later page is read
 * at its own time, not at the first page's resourceVersion; an object created or deleted behind
 * the cursor meanwhile is missed or seen, as with kube-apiserver's `resourceVersionMatch` unset
 * after compaction. Each page says the revision it was read at. Pure.
 */
import { SkiffError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';

export interface ListPage {
  items: KubeObject[];
  /** Set when more objects follow. */
  continue?: string;
  /** How many objects follow this page, as Kubernetes reports it. */
  remainingItemCount?: number;
}

function keyOf(object: KubeObject): string {
  return object.metadata.namespace !== undefined ? `${object.metadata.namespace}/${object.metadata.name}` : `${object.metadata.name}`;
}

/** Whether `object` sorts after the key, comparing namespace then name as the store orders them. */
function isAfter(object: KubeObject, key: string): boolean {
  const slash = key.indexOf('/');
  const [namespace, name] = slash === -1 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
  const ownNamespace = object.metadata.namespace ?? '';
  if (ownNamespace !== namespace) return ownNamespace > namespace;
  return (object.metadata.name ?? '') > name;
}

export function parseLimit(query: URLSearchParams): number | undefined {
  const text = query.get('limit');
  if (text === null || text === '') return undefined;
  const limit = Number(text);
  if (!Number.isSafeInteger(limit)) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `limit: Invalid value: ${JSON.stringify(text)}: must be a whole number`);
  // As kube-apiserver: zero or a negative limit means no limit.
  return limit > 0 ? limit : undefined;
}

export function encodeContinue(revision: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start: `${lastKey}\u0000` })).toString('base64');
}

const INVALID_CONTINUE = 'continue key is not valid: ';

/** The key to resume after. */
export function decodeContinue(token: string): string {
  let parsed: { v?: unknown; start?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { v?: unknown; start?: unknown };
  } catch {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `${INVALID_CONTINUE}the token is not base64-encoded JSON`);
  }
  if (parsed?.v !== 'meta.k8s.io/v1') throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `${INVALID_CONTINUE}incorrect encoded start resourceVersion (version meta.k8s.io/v1)`);
  if (typeof parsed.start !== 'string' || !parsed.start.endsWith('\u0000')) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `${INVALID_CONTINUE}the start key is missing`);
  return parsed.start.slice(0, -1);
}

/** One page of `sorted` (namespace/name order, as the store lists). */
export function pageOf(sorted: KubeObject[], revision: number, limit: number | undefined, continueToken: string | undefined): ListPage {
  let rest = sorted;
  if (continueToken !== undefined && continueToken !== '') {
    const after = decodeContinue(continueToken);
    rest = sorted.filter((object) => isAfter(object, after));
  }
  if (limit === undefined || rest.length <= limit) return { items: rest };
  const items = rest.slice(0, limit);
  return { items, continue: encodeContinue(revision, keyOf(items[items.length - 1]!)), remainingItemCount: rest.length - limit };
}
