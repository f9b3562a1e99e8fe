/**
 * The verbs on an object path, after authentication and authorization (server.ts): GET one, list
 * (`limit`/`continue`, label and field selectors), watch, POST, PUT, PATCH, DELETE, and the
 * subresources answered from the store: `status` and `scale` (Deployments and ReplicaSets),
 * `eviction` and `log` of Pods. Every write honours `?dryRun=All` and `?fieldValidation=`, and
 * its warnings leave as `Warning` headers. The verbs themselves live in resource-handlers.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSkiffError, SkiffError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';
import { apiVersionOf, groupResource, type ResourceType } from '../../shared/api/resources.js';
import type { NodeStreams } from '../ingest/node-streams.js';
import { deleteOptions, evictionOptions } from './delete-options.js';
import { fieldValidationOf } from './field-validation.js';
import { parseLimit } from './list-pages.js';
import type { ResourceRoute, VersionConversion } from './paths.js';
import { servePodLogs } from './pod-logs.js';
import type { ResourceHandlers, WriteOptions } from './resource-handlers.js';
import { isScalable } from './scale.js';
import { fieldFilter, labelFilter } from './selectors.js';
import { isWatchRequest, type WatchServer } from './watch.js';
import { patchObject, patchRequestOf, patchScale, patchStatus } from './patch-route.js';
import { managerOrUserAgent } from './patch/patch.js';

export interface ResourceRouteDependencies {
  handlers: ResourceHandlers;
  watches: WatchServer;
  printTable: (resource: ResourceType, objects: KubeObject[], now: Date) => object;
  nodeStreams?: NodeStreams;
  /** RBAC writes grant no more than their author holds (hub/auth/escalation.ts). */
  confirmNoEscalation: (body: unknown) => Promise<void>;
  send: (res: ServerResponse, code: number, body: unknown, warnings?: readonly string[]) => void;
  /** The request body as an object (JSON, or kubectl's protobuf). */
  readBody: (req: IncomingMessage) => Promise<unknown>;
  /** The body, or undefined when there is none (a DELETE's optional DeleteOptions). */
  readOptionalBody: (req: IncomingMessage) => Promise<unknown>;
  /** The raw body as text (a PATCH's patch document). */
  readText: (req: IncomingMessage) => Promise<string>;
}

/**
 * `?dryRun=All` on a write (kubectl --dry-run=server), or `dryRun: ["All"]` in a delete's
 * DeleteOptions or an eviction's: true to run every check of the write and store nothing.
 */
export function dryRunOf(values: unknown): boolean {
  const list = values === undefined || values === null ? [] : Array.isArray(values) ? values : [values];
  for (const value of list) {
    if (value !== 'All') throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `dryRun: Unsupported value: ${JSON.stringify(value)}: supported values: "All"`);
  }
  return list.length > 0;
}

function notAllowed(method: string): SkiffError {
  return new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', `the server does not allow this method on the requested resource (${method})`);
}

function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => part.includes('as=Table') && part.includes('g=meta.k8s.io'));
}

/**
 * The dependencies for a path in an older version (paths.ts CONVERTED_VERSIONS): bodies are
 * converted to the stored version as they are read, and objects and lists back as they are sent.
 */
function converting(deps: ResourceRouteDependencies, resource: ResourceType, conversion: VersionConversion): ResourceRouteDependencies {
  const outward = (body: unknown): unknown => {
    const typed = body as { kind?: unknown; items?: KubeObject[] } | null;
    if (typed?.kind === resource.kind) return conversion.fromStored(body as KubeObject);
    if (typed?.kind === `${resource.kind}List`) {
      return { ...typed, apiVersion: `${resource.group}/${conversion.version}`, items: (typed.items ?? []).map((item) => conversion.fromStored(item)) };
    }
    return body; // a Status, a Table
  };
  return {
    ...deps,
    readBody: async (req) => conversion.toStored(await deps.readBody(req)),
    send: (res, code, body, warnings) => deps.send(res, code, outward(body), warnings),
  };
}

/**
 * An Invalid error names the Kind it is about (shared/errors.ts `kind`; status.ts puts it in the
 * Status details, where kubectl reads it). invalidError names the object's; an Invalid raised
 * without one (a patch that does not apply, DeleteOptions, log options, a scale) is said to be
 * about the Kind the path addresses.
 */
function namingKind(err: unknown, kind: string): unknown {
  if (!isSkiffError(err, 'SKIFF_ERR_INVALID') || err.kind !== undefined) return err;
  return new SkiffError(err.code, err.message, { cause: err.cause, details: err.details, kind });
}

export async function serveResource(deps: ResourceRouteDependencies, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRoute): Promise<void> {
  try {
    await serveRoute(deps, req, res, url, r);
  } catch (err) {
    throw namingKind(err, r.resource.kind);
  }
}

async function serveRoute(deps: ResourceRouteDependencies, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRoute): Promise<void> {
  const method = req.method ?? 'GET';
  if (r.conversion) {
    // Reads and whole-object writes are converted; a watch or a patch would need conversion inside them.
    if (r.subresource !== undefined || method === 'PATCH' || isWatchRequest(url.searchParams)) {
      throw new SkiffError(
        'SKIFF_ERR_METHOD_NOT_ALLOWED',
        `${groupResource(r.resource)} is served in ${r.resource.group}/${r.conversion.version} for get, list, create, update and delete only; use ${apiVersionOf(r.resource)}`,
      );
    }
    const conversion = r.conversion;
    const { conversion: _, ...stored } = r;
    void _;
    return serveRoute(converting(deps, r.resource, conversion), req, res, url, stored);
  }
  const { handlers, send } = deps;
  const named = r.name !== undefined ? { ...r, name: r.name } : undefined;
  const query = url.searchParams;
  const warnings: string[] = [];
  const write = (): WriteOptions => {
    const dryRun = dryRunOf(query.getAll('dryRun'));
    const fieldValidation = fieldValidationOf(query);
    return {
      dryRun,
      ...(fieldValidation !== undefined ? { fieldValidation } : {}),
      warnings,
      fieldManager: managerOrUserAgent(query.get('fieldManager') ?? undefined, req.headers['user-agent']),
    };
  };

  if (r.subresource !== undefined) {
    if (!named) throw new SkiffError('SKIFF_ERR_NOT_FOUND', 'the server could not find the requested resource');
    if (r.subresource === 'eviction' && r.resource.kind === 'Pod' && method === 'POST') {
      // policy/v1 Eviction: no PodDisruptionBudgets yet, so nothing refuses it; the Pod is deleted as its options say.
      const eviction = await deps.readBody(req);
      const options = evictionOptions(named.name, eviction);
      const dryRun = dryRunOf(query.getAll('dryRun')) || dryRunOf((eviction as { deleteOptions?: { dryRun?: unknown } }).deleteOptions?.dryRun);
      await handlers.delete(named, { ...options, dryRun });
      return send(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    }
    if (r.subresource === 'log' && r.resource.kind === 'Pod' && method === 'GET' && deps.nodeStreams) {
      return servePodLogs(deps.nodeStreams, await handlers.get(named), query, res);
    }
    if ((r.subresource === 'exec' || r.subresource === 'portforward') && r.resource.kind === 'Pod' && deps.nodeStreams) {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'Upgrade request required');
    }
    if (r.subresource === 'status') {
      if (method === 'GET') return send(res, 200, await handlers.get(named));
      if (method === 'PUT') return send(res, 200, await handlers.replaceStatus(named, await deps.readBody(req), write()), warnings);
      if (method === 'PATCH') return send(res, 200, await patchStatus(handlers, named, patchRequestOf(req, query, await deps.readText(req)), write()), warnings);
      throw notAllowed(method);
    }
    if (r.subresource === 'scale' && isScalable(r.resource)) {
      if (method === 'GET') return send(res, 200, await handlers.getScale(named));
      if (method === 'PUT') return send(res, 200, await handlers.replaceScale(named, await deps.readBody(req), write()), warnings);
      if (method === 'PATCH') return send(res, 200, await patchScale(handlers, named, patchRequestOf(req, query, await deps.readText(req)), write()), warnings);
      throw notAllowed(method);
    }
    throw new SkiffError('SKIFF_ERR_NOT_FOUND', `the server could not find the requested resource (${r.subresource})`);
  }

  switch (method) {
    case 'GET': {
      const table = wantsTable(req);
      if (named) {
        const object = await handlers.get(named);
        return send(res, 200, table ? deps.printTable(r.resource, [object], new Date()) : object);
      }
      const filter = labelFilter(query.get('labelSelector'));
      const fields = fieldFilter(query.get('fieldSelector'));
      if (isWatchRequest(query)) {
        return deps.watches.serve(req, res, { resource: r.resource, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), matches: (o) => filter(o) && fields(o) }, table);
      }
      const limit = parseLimit(query);
      const token = query.get('continue');
      const list = await handlers.list(r, (o) => filter(o) && fields(o), { ...(limit !== undefined ? { limit } : {}), ...(token ? { continue: token } : {}) });
      return send(res, 200, table ? { ...deps.printTable(r.resource, list.items, new Date()), metadata: list.metadata } : list);
    }
    case 'POST': {
      if (named) throw new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', 'POST is not supported on a named object; use PUT');
      const body = await deps.readBody(req);
      await deps.confirmNoEscalation(body);
      return send(res, 201, await handlers.create(r, body, write()), warnings);
    }
    case 'PUT': {
      if (!named) throw new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', 'PUT needs an object name');
      const body = await deps.readBody(req);
      await deps.confirmNoEscalation(body);
      return send(res, 200, await handlers.replace(named, body, write()), warnings);
    }
    case 'PATCH': {
      if (!named) throw notAllowed(method);
      const result = await patchObject(handlers, named, patchRequestOf(req, query, await deps.readText(req)), write(), deps.confirmNoEscalation);
      return send(res, result.created ? 201 : 200, result.object, warnings);
    }
    case 'DELETE': {
      if (!named) throw new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', 'deleting a collection is not supported yet');
      const options = await deps.readOptionalBody(req);
      const dryRun = dryRunOf(query.getAll('dryRun')) || dryRunOf((options as { dryRun?: unknown } | undefined)?.dryRun);
      const deleted = await handlers.delete(named, { ...deleteOptions(query, options), dryRun });
      // As kube-apiserver: an object still there (Terminating) is returned; one gone at once is a Status.
      if (deleted.metadata.deletionTimestamp) return send(res, 200, deleted);
      return send(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: named.name, ...(r.resource.group ? { group: r.resource.group } : {}), kind: r.resource.plural, ...(deleted.metadata.uid ? { uid: deleted.metadata.uid } : {}) },
      });
    }
    default:
      throw notAllowed(method);
  }
}
