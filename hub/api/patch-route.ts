/**
 * PATCH on an object, its `status` or its `scale`: the patch document (hub/api/patch/) is applied
 * to what the path addresses, and the result is written through the same verb as a PUT there,
 * so it is validated, defaulted and checked exactly as a replace (resource-handlers.ts). A
 * server-side apply (`application/apply-patch+yaml`) to an object that does not exist creates
 * it, as kube-apiserver does.
 */
import type { IncomingMessage } from 'node:http';
import { SkiffError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';
import { applyPatch, patchTypeOf, type PatchRequest } from './patch/patch.js';
import type { ResourceRoute } from './paths.js';
import type { ResourceHandlers, WriteOptions } from './resource-handlers.js';
import { scaleOf, type Scale } from './scale.js';

/** What a request says of its patch; what the path addresses and the stored object are added when it is applied. */
export type PatchDocument = Omit<PatchRequest, 'live' | 'target' | 'now'>;

const ACCEPTED = 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json';

/** The patch of a request: its type from Content-Type (415 for any other), ?fieldManager= and ?force=. */
export function patchRequestOf(req: IncomingMessage, query: URLSearchParams, body: string): PatchDocument {
  const contentType = req.headers['content-type'];
  const type = patchTypeOf(contentType);
  if (!type) throw new SkiffError('SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE', `the body of the request was in an unknown format - accepted media types include: ${ACCEPTED}`);
  const force = query.get('force');
  if (force !== null && type !== 'apply') throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'force: Invalid value: true: may not be specified for non-apply patch');
  return { type, body, fieldManager: query.get('fieldManager') ?? undefined, force: force === 'true' };
}

type Named = ResourceRoute & { name: string };

function targetOf(route: ResourceRoute): { group: string; version: string; kind: string } {
  return { group: route.resource.group, version: route.resource.version, kind: route.resource.kind };
}

export async function patchObject(
  handlers: ResourceHandlers,
  route: Named,
  patch: PatchDocument,
  options: WriteOptions,
  confirmNoEscalation: (body: unknown) => Promise<void>,
): Promise<{ object: KubeObject; created: boolean }> {
  const live = await handlers.find(route);
  if (!live && patch.type !== 'apply') await handlers.get(route); // throws Kubernetes' NotFound
  const patched = applyPatch({ ...patch, live, target: targetOf(route), now: new Date() });
  await confirmNoEscalation(patched);
  // A server-side apply has recorded its own ownership in the result; any other patch is an ordinary write.
  const writeOptions = patch.type === 'apply' ? { ...options, fieldManager: undefined } : options;
  if (!live) return { object: await handlers.create(route, patched, writeOptions, { managedFields: true }), created: true };
  return { object: await handlers.replace(route, patched, writeOptions), created: false };
}

export async function patchStatus(handlers: ResourceHandlers, route: Named, patch: PatchDocument, options: WriteOptions): Promise<KubeObject> {
  const live = await handlers.get(route);
  return handlers.replaceStatus(route, applyPatch({ ...patch, live, target: targetOf(route), now: new Date() }), options);
}

export async function patchScale(handlers: ResourceHandlers, route: Named, patch: PatchDocument, options: WriteOptions): Promise<Scale> {
  const scale = scaleOf(await handlers.get(route));
  const patched = applyPatch({ ...patch, live: scale as unknown as KubeObject, target: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, now: new Date() });
  return handlers.replaceScale(route, patched, options);
}
