/**
 * A minimal OpenAPI v3 (GET /openapi/v3, /openapi/v3/api/v1, /openapi/v3/apis/{group}/{version}),
 * written for one reader: kubectl's field-validation check. Before `kubectl apply -f` or
 * `kubectl create -f` sends an object, kubectl (cli-runtime's queryParamVerifierV3) looks in the
 * object's group-version document for a PATCH operation of that kind taking the `fieldValidation`
 * query parameter; when it finds one it leaves validation to the server, which Skiff does anyway
 * (every schema is strict: an unknown field is refused). Without these documents kubectl falls
 * back to /openapi/v2 (protobuf, not served) and refuses to send anything ("failed to download
 * openapi ... turn validation off with --validate=false").
 *
 * Paths and operations only, built from the registry of kinds; no component schemas, so
 * `kubectl explain` has nothing to show yet. The PATCH operation is listed because that is where
 * kubectl looks, and is marked as not served: the hub answers PATCH with 405, and discovery's verbs
 * (hub/api/discovery.ts), which kubectl reads to decide what it may send, do not claim it.
 */
import { createHash } from 'node:crypto';
import { SkiffError } from '../../shared/errors.js';
import { RESOURCES, resourcePath, type ResourceType } from '../../shared/api/resources.js';

export const OPENAPI_V3_PREFIX = '/openapi/v3';

type Operation = Record<string, unknown>;
type PathItem = Record<string, Operation>;

export interface OpenApiV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, never> };
}

/** The index at /openapi/v3: each group version's document, by path ("api/v1", "apis/apps/v1"). */
export interface OpenApiV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface OpenApiV3 {
  index: OpenApiV3Index;
  /** By the index's path ("api/v1", "apis/apps/v1"). */
  documents: Map<string, OpenApiV3Document>;
}

const FIELD_VALIDATION_PARAMETER = {
  name: 'fieldValidation',
  in: 'query',
  description: 'Strict, Warn or Ignore; Skiff validates strictly whatever is asked: an object with an unknown or duplicated field is refused.',
  schema: { type: 'string', uniqueItems: true },
};

function groupVersionPath(rt: ResourceType): string {
  return rt.group === '' ? `api/${rt.version}` : `apis/${rt.group}/${rt.version}`;
}

function operation(rt: ResourceType, action: string, extra: Operation = {}): Operation {
  return {
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: rt.group, version: rt.version, kind: rt.kind },
    responses: { '200': { description: 'OK' } },
    ...extra,
  };
}

/** The collection and object paths of one kind, with the operations the hub serves on them. */
function pathsOf(rt: ResourceType): Record<string, PathItem> {
  const namespace = rt.namespaced ? '{namespace}' : undefined;
  const writes = { parameters: [FIELD_VALIDATION_PARAMETER] };
  // resourcePath percent-encodes its arguments; OpenAPI path templates keep their braces.
  const collection = decodeURIComponent(resourcePath(rt, namespace));
  const object = decodeURIComponent(resourcePath(rt, namespace, '{name}'));
  return {
    [collection]: { get: operation(rt, 'list'), post: operation(rt, 'post', writes) },
    [object]: {
      get: operation(rt, 'get'),
      put: operation(rt, 'put', writes),
      delete: operation(rt, 'delete'),
      patch: operation(rt, 'patch', { ...writes, description: 'Not served yet: the hub answers 405 (see docs/kubectl.md).' }),
    },
  };
}

export function buildOpenApiV3(version: string): OpenApiV3 {
  const documents = new Map<string, OpenApiV3Document>();
  for (const rt of RESOURCES) {
    const key = groupVersionPath(rt);
    let document = documents.get(key);
    if (!document) documents.set(key, (document = { openapi: '3.0.0', info: { title: 'Skiff', version }, paths: {}, components: { schemas: {} } }));
    Object.assign(document.paths, pathsOf(rt));
  }
  const index: OpenApiV3Index = { paths: {} };
  for (const [key, document] of documents) {
    // As kube-apiserver: the hash of the content lets clients cache each document until it changes.
    const hash = createHash('sha256').update(JSON.stringify(document)).digest('hex').toUpperCase();
    index.paths[key] = { serverRelativeURL: `${OPENAPI_V3_PREFIX}/${key}?hash=${hash}` };
  }
  return { index, documents };
}

export function isOpenApiV3Path(pathname: string): boolean {
  return pathname === OPENAPI_V3_PREFIX || pathname.startsWith(`${OPENAPI_V3_PREFIX}/`);
}

/** The index or one group version's document; 404 for a group version not served, 405 for any method but GET. */
export function openApiV3Body(openapi: OpenApiV3, method: string, pathname: string): object {
  if (method !== 'GET') throw new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', `the server does not allow this method on the requested resource (${method})`);
  const key = pathname.slice(OPENAPI_V3_PREFIX.length).replace(/^\/+|\/+$/g, '');
  const body = key === '' ? openapi.index : openapi.documents.get(key);
  if (body === undefined) throw new SkiffError('SKIFF_ERR_NOT_FOUND', 'the server could not find the requested resource');
  return body;
}
