/**
 * The PATCH verb's front door: which of Kubernetes' four patch types a request speaks (from its
 * Content-Type) and the object after applying it. Pure: the HTTP layer parses the URL and query,
 * calls applyPatch with the stored object, then validates and stores what comes back (and keeps
 * managedFields with recordUpdate for the three non-apply types).
 */
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../../shared/api/object.js';
import { SkiffError } from '../../../shared/errors.js';
import { applyJsonPatch } from './json-patch.js';
import { goJsonKind, isJsonObject, parseJsonBody, type JsonObject, type JsonValue } from './json-value.js';
import { applyMergePatch } from './merge-patch.js';
import { serverSideApply } from './server-side-apply.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

// The rest of the PATCH contract: managedFields for the writes that are not server-side apply.
export { managerOrUserAgent, recordUpdate, type ManagedFieldsEntry } from './managed-fields.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/**
 * The patch type of a Content-Type header (parameters such as `; charset=utf-8` ignored);
 * undefined for any other, including application/apply-patch+cbor, which Kubernetes 1.32 serves
 * only behind a feature gate: the server answers 415.
 */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const mediaType = contentType?.split(';')[0]!.trim().toLowerCase() ?? '';
  return Object.hasOwn(CONTENT_TYPES, mediaType) ? CONTENT_TYPES[mediaType] : undefined;
}

export interface PatchRequest {
  type: PatchType;
  /** The raw request body (utf8). */
  body: string;
  /** The stored object; undefined only for an apply that creates. */
  live: KubeObject | undefined;
  /** What the URL addresses. */
  target: { group: string; version: string; kind: string };
  /** ?fieldManager= (required for apply, as kube-apiserver requires it). */
  fieldManager: string | undefined;
  /** ?force=true (apply only). */
  force: boolean;
  now: Date;
}

/** ValidatePatchOptions' 422s, worded as kube-apiserver words them. */
function invalidOptions(field: string, message: string): SkiffError {
  return new SkiffError('SKIFF_ERR_INVALID', `PatchOptions.meta.k8s.io "" is invalid: ${field}: ${message}`, { details: [{ path: field, message }] });
}

function groupVersion(target: PatchRequest['target']): string {
  return target.group === '' ? target.version : `${target.group}/${target.version}`;
}

/** Parses an apply body (YAML or JSON) and checks it names what the URL addresses. */
function appliedConfiguration(request: PatchRequest): JsonObject {
  let applied: JsonValue;
  try {
    applied = (parseYaml(request.body, { maxAliasCount: 100 }) ?? null) as JsonValue;
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `error decoding YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (!isJsonObject(applied)) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `error decoding YAML: json: cannot unmarshal ${goJsonKind(applied)} into Go value of type map[string]interface {}`);
  }
  const expectedVersion = groupVersion(request.target);
  if (applied.apiVersion !== expectedVersion) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `Incorrect version specified in apply patch. Specified patch version: ${String(applied.apiVersion ?? '')}, expected: ${expectedVersion}`);
  }
  if (applied.kind !== request.target.kind) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `Incorrect kind specified in apply patch. Specified patch kind: ${String(applied.kind ?? '')}, expected: ${request.target.kind}`);
  }
  const metadata = isJsonObject(applied.metadata) ? applied.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (request.live && name !== request.live.metadata.name) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `the name of the object (${name}) does not match the name on the URL (${request.live.metadata.name ?? ''})`);
  }
  if (name === '') {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'metadata.name: Required value: name is required', { details: [{ path: 'metadata.name', message: 'Required value: name is required' }] });
  }
  if (metadata.managedFields !== undefined && metadata.managedFields !== null) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'metadata.managedFields must be nil');
  }
  return applied;
}

/**
 * The object after the patch, not yet validated or stored. Throws SkiffError with Kubernetes'
 * status and message: 400 for a body that does not parse, 422 for a patch that cannot apply
 * (a failed json `test`, a missing path) or bad options, 409 for server-side apply conflicts.
 */
export function applyPatch(request: PatchRequest): KubeObject {
  if (request.type !== 'apply' && request.force) throw invalidOptions('force', 'Forbidden: may not be specified for non-apply patch');
  if (request.type === 'apply') {
    if (!request.fieldManager) throw invalidOptions('fieldManager', 'Required value: is required for apply patch');
    const applied = appliedConfiguration(request);
    return serverSideApply({ live: request.live, applied, manager: request.fieldManager, apiVersion: groupVersion(request.target), force: request.force, now: request.now });
  }
  if (!request.live) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `${request.target.kind} to patch not found`);
  const live = request.live as unknown as JsonObject;
  const patch = parseJsonBody(request.body);
  const patched =
    request.type === 'json' ? applyJsonPatch(live, patch) : request.type === 'merge' ? applyMergePatch(live, patch) : applyStrategicMergePatch(live, patch, request.target.kind);
  return patched as unknown as KubeObject;
}
