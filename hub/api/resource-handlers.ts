/**
 * The verbs on a resource: list, get, create, replace, delete. Every write is validated here
 * (never trusting a client), defaulted, and stored; responses are plain objects, errors are
 * SkiffErrors that server.ts turns into Status bodies.
 */
import { randomUUID } from 'node:crypto';
import { SkiffError } from '../../shared/errors.js';
import type { KubeList, KubeObject } from '../../shared/api/object.js';
import { apiVersionOf, groupResource, resolveResource, type ResourceType } from '../../shared/api/resources.js';
import { validateObject } from '../../shared/api/validate.js';
import { immutableUpdateErrors } from '../../shared/api/schema/config.js';
import { roleRefUpdateErrors } from '../../shared/api/schema/rbac.js';
import { deleteObject, isTerminating, type DeleteOptions } from '../objects/deletion.js';
import { randomSuffix } from '../objects/names.js';
import type { Store } from '../store/store.js';
import { applyDefaults } from './defaults.js';
import type { ResourceRoute } from './paths.js';
import type { ObjectFilter } from './selectors.js';
import { invalidError } from './status.js';
import { applyFieldValidation, type FieldValidation } from './field-validation.js';
import { pageOf } from './list-pages.js';
import { scaleOf, withScale, type Scale } from './scale.js';
import { nowTimestamp } from '../objects/deletion.js';
import { recordUpdate } from './patch/patch.js';

/** How a write is made: `?dryRun=All` and `?fieldValidation=`, and where its warnings go. */
export interface WriteOptions {
  /** Validate, default and check everything a write checks, and store nothing (`?dryRun=All`). */
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Receives what the response's `Warning` headers say (unknown fields dropped under Warn). */
  warnings?: string[];
  /**
   * Who makes an ordinary write (`?fieldManager=`, else the User-Agent's product): the fields it
   * changes are recorded as that manager's in metadata.managedFields (hub/api/patch/). Unset for
   * a server-side apply, whose result carries its own managedFields, and for the hub's own writes.
   */
  fieldManager?: string;
}

/** metadata.managedFields after an ordinary write by `options.fieldManager`; the given ones when there is none. */
function managedFieldsAfter(before: KubeObject | undefined, after: KubeObject, options: WriteOptions): unknown[] | undefined {
  if (!options.fieldManager) return after.metadata.managedFields;
  const { managedFields: _, ...metadata } = after.metadata;
  void _;
  // Through JSON, as the object will be stored: a key set to undefined is no field.
  const stored = JSON.parse(JSON.stringify({ ...after, metadata })) as KubeObject;
  const entries = recordUpdate(before, stored, options.fieldManager, after.apiVersion, new Date());
  return entries.length > 0 ? entries : undefined;
}

/** `?limit=` and `?continue=` of a list (hub/api/list-pages.ts). */
export interface ListPaging {
  limit?: number;
  continue?: string;
}

const namespaces = resolveResource('namespaces')!;
/**
 * Namespaces the API refuses to delete (kube-apiserver's NamespaceLifecycle "immortal" namespaces
 * are default, kube-system and kube-public; kube-node-lease is kept too, should it exist).
 */
const PROTECTED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function notFound(resource: ResourceType, name: string): SkiffError {
  return new SkiffError('SKIFF_ERR_NOT_FOUND', `${groupResource(resource)} "${name}" not found`);
}

const namespaceFinalizers = (object: KubeObject): string[] | undefined => (object.spec as { finalizers?: string[] } | undefined)?.finalizers;

/**
 * kube-apiserver's namespace REST Delete on a namespace already Terminating: while spec.finalizers
 * is not empty the namespace controller is still at work, and a second delete is a Conflict, in
 * Kubernetes' words; with none left the namespace may go at once.
 */
function namespaceStillFinalizing(namespace: KubeObject): SkiffError | undefined {
  if ((namespaceFinalizers(namespace) ?? []).length === 0) return undefined;
  return new SkiffError(
    'SKIFF_ERR_CONFLICT',
    `Operation cannot be fulfilled on namespaces "${namespace.metadata.name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`,
  );
}

export class ResourceHandlers {
  constructor(private readonly store: Store) {}

  async list(route: ResourceRoute, filter: ObjectFilter, paging: ListPaging = {}): Promise<KubeList & { metadata: { remainingItemCount?: number } }> {
    const revision = await this.store.revision();
    const matching = (await this.store.list(route.resource, route.namespace)).filter(filter);
    const page = pageOf(matching, revision, paging.limit, paging.continue);
    return {
      apiVersion: apiVersionOf(route.resource),
      kind: `${route.resource.kind}List`,
      metadata: {
        resourceVersion: String(revision),
        ...(page.continue !== undefined ? { continue: page.continue, remainingItemCount: page.remainingItemCount } : {}),
      },
      items: page.items,
    };
  }

  /** The object, or undefined when there is none. */
  async find(route: ResourceRoute & { name: string }): Promise<KubeObject | undefined> {
    return this.store.get(route.resource, route.namespace, route.name);
  }

  async get(route: ResourceRoute & { name: string }): Promise<KubeObject> {
    const object = await this.store.get(route.resource, route.namespace, route.name);
    if (!object) throw notFound(route.resource, route.name);
    return object;
  }

  async create(route: ResourceRoute, body: unknown, options: WriteOptions = {}, keep: { managedFields?: boolean } = {}): Promise<KubeObject> {
    const object = this.validated(route, body, options);
    if (route.resource.namespaced) object.metadata.namespace = route.namespace;
    else delete object.metadata.namespace;
    if (!object.metadata.name) object.metadata.name = `${object.metadata.generateName}${randomSuffix()}`;
    await this.requireNamespace(route);
    // Server-managed fields are the server's: a client cannot choose uid, status or history.
    for (const field of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
      delete object.metadata[field];
    }
    if (!keep.managedFields) delete object.metadata.managedFields; // only a server-side apply records them (patch.ts)
    delete object.status;
    const created = initialStatus(applyDefaults(object));
    const managedFields = managedFieldsAfter(undefined, created, options);
    if (managedFields) created.metadata.managedFields = managedFields;
    if (!options.dryRun) return this.store.create(route.resource, created);
    // A dry run answers what the store would have stored, and stores nothing.
    if (await this.store.get(route.resource, created.metadata.namespace, created.metadata.name!)) {
      throw new SkiffError('SKIFF_ERR_ALREADY_EXISTS', `${groupResource(route.resource)} "${created.metadata.name}" already exists`);
    }
    return { ...created, metadata: { ...created.metadata, uid: randomUUID(), generation: 1, creationTimestamp: nowTimestamp() } };
  }

  async replace(route: ResourceRoute & { name: string }, body: unknown, options: WriteOptions = {}): Promise<KubeObject> {
    const object = this.validated(route, body, options);
    if (object.metadata.name !== route.name) {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `the name of the object (${object.metadata.name}) does not match the name on the URL (${route.name})`);
    }
    const current = await this.store.get(route.resource, route.namespace, route.name);
    if (!current) throw notFound(route.resource, route.name);
    const before = current as unknown as Record<string, unknown>;
    const after = applyDefaults(object) as unknown as Record<string, unknown>;
    const immutableErrors = [...immutableUpdateErrors(before, after), ...roleRefUpdateErrors(before, after)];
    if (immutableErrors.length > 0) throw invalidError(qualifiedKindTitle(route.resource), route.name, immutableErrors);
    // PUT replaces spec and user metadata; status and server-managed metadata stay the server's.
    const next: KubeObject = {
      ...applyDefaults(object),
      metadata: {
        ...object.metadata,
        // A body without managedFields (kubectl replace, edit) keeps who owns what.
        managedFields: object.metadata.managedFields ?? current.metadata.managedFields,
        namespace: current.metadata.namespace,
        ownerReferences: object.metadata.ownerReferences ?? current.metadata.ownerReferences,
        deletionTimestamp: current.metadata.deletionTimestamp,
        deletionGracePeriodSeconds: current.metadata.deletionGracePeriodSeconds,
      },
      ...(current.status !== undefined ? { status: current.status } : {}),
    };
    if (route.resource.kind === 'Pod') {
      const before = current.spec as { nodeName?: string };
      (next.spec as { nodeName?: string }).nodeName ??= before.nodeName; // binding is not undone by a PUT
    }
    if (route.resource === namespaces) {
      // namespaceStrategy.PrepareForUpdate: spec.finalizers change only through finalization (the
      // namespace controller), so a PUT keeps the stored ones, whatever the body says.
      const spec = { ...(next.spec as object | undefined) } as { finalizers?: string[] };
      delete spec.finalizers;
      const kept = namespaceFinalizers(current);
      next.spec = kept !== undefined ? { ...spec, finalizers: [...kept] } : spec;
    }
    const managedFields = managedFieldsAfter(current, next, options);
    if (managedFields) next.metadata.managedFields = managedFields;
    else delete next.metadata.managedFields;
    return this.write(route.resource, current, next, options);
  }

  /**
   * PUT on `{name}/status`: only the status changes (kube-apiserver's status strategies reset spec
   * and metadata to the stored ones); the body's resourceVersion, when set, is a precondition.
   */
  async replaceStatus(route: ResourceRoute & { name: string }, body: unknown, options: WriteOptions = {}): Promise<KubeObject> {
    const object = this.validated(route, body, options);
    const current = await this.get(route);
    const resourceVersion = object.metadata.resourceVersion ?? current.metadata.resourceVersion;
    const next: KubeObject = { ...current, metadata: { ...current.metadata, ...(resourceVersion !== undefined ? { resourceVersion } : {}) } };
    if (object.status !== undefined) next.status = object.status;
    else delete next.status;
    return this.write(route.resource, current, next, options);
  }

  async getScale(route: ResourceRoute & { name: string }): Promise<Scale> {
    return scaleOf(await this.get(route));
  }

  /** PUT on `{name}/scale`: the object's spec.replicas, and nothing else (hub/api/scale.ts). */
  async replaceScale(route: ResourceRoute & { name: string }, body: unknown, options: WriteOptions = {}): Promise<Scale> {
    const current = await this.get(route);
    return scaleOf(await this.replace(route, withScale(current, body), options));
  }

  /** The store's update, or on a dry run what it would store after the same precondition. */
  private async write(resource: ResourceType, current: KubeObject, next: KubeObject, options: WriteOptions): Promise<KubeObject> {
    if (!options.dryRun) return this.store.update(resource, next);
    const expected = next.metadata.resourceVersion;
    if (expected !== undefined && expected !== current.metadata.resourceVersion) {
      throw new SkiffError(
        'SKIFF_ERR_CONFLICT',
        `Operation cannot be fulfilled on ${groupResource(resource)} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    return { ...next, metadata: { ...next.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, resourceVersion: current.metadata.resourceVersion } };
  }

  async delete(route: ResourceRoute & { name: string }, options: DeleteOptions & { dryRun?: boolean } = {}): Promise<KubeObject> {
    const object = await this.get(route);
    if (route.resource === namespaces && PROTECTED_NAMESPACES.includes(route.name)) {
      throw new SkiffError('SKIFF_ERR_FORBIDDEN', `namespaces "${route.name}" is forbidden: this namespace may not be deleted`);
    }
    if (route.resource === namespaces && isTerminating(object)) {
      const conflict = namespaceStillFinalizing(object);
      if (conflict) throw conflict;
      if (options.dryRun) return object;
      return (await this.store.delete(namespaces, undefined, route.name)) ?? object;
    }
    if (options.dryRun) return object;
    return (await deleteObject(this.store, route.resource, object, new Date(), options)) ?? object;
  }

  private validated(route: ResourceRoute, input: unknown, options: WriteOptions): KubeObject {
    const { body, warnings } = applyFieldValidation(route.resource, withTypeFromUrl(route.resource, input), options.fieldValidation);
    options.warnings?.push(...warnings);
    const result = validateObject(body);
    const name = String((body as { metadata?: { name?: unknown } } | null)?.metadata?.name ?? '');
    if (!result.ok) {
      const kind = result.resource ? qualifiedKindTitle(result.resource) : qualifiedKindTitle(route.resource);
      throw invalidError(kind, name, result.errors);
    }
    if (result.resource !== route.resource) {
      throw new SkiffError(
        'SKIFF_ERR_BAD_REQUEST',
        `the API version and kind in the data (${result.object.apiVersion} ${result.object.kind}) do not match the URL (${apiVersionOf(route.resource)} ${route.resource.kind})`,
      );
    }
    const bodyNamespace = result.object.metadata.namespace;
    if (route.resource.namespaced && bodyNamespace !== undefined && bodyNamespace !== route.namespace) {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    return structuredClone(result.object);
  }

  private async requireNamespace(route: ResourceRoute): Promise<void> {
    if (!route.resource.namespaced) return;
    if (route.namespace === undefined) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'a namespace is required to create a namespaced object');
    const ns = await this.store.get(namespaces, undefined, route.namespace);
    if (!ns) throw notFound(namespaces, route.namespace);
    if (ns.metadata.deletionTimestamp) {
      throw new SkiffError('SKIFF_ERR_FORBIDDEN', `unable to create new content in namespace ${route.namespace} because it is being terminated`);
    }
  }
}

/**
 * As kube-apiserver decodes a body: apiVersion and kind left out are the URL's (client libraries'
 * typed models may omit them); ones given must match it, which `validated` checks.
 */
function withTypeFromUrl(resource: ResourceType, body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { apiVersion, kind } = body as { apiVersion?: unknown; kind?: unknown };
  if ((apiVersion !== undefined && apiVersion !== '') || (kind !== undefined && kind !== '')) return body;
  return { ...body, apiVersion: apiVersionOf(resource), kind: resource.kind };
}

/** "Deployment.apps", "Pod": the kind as Kubernetes names it in "is invalid" messages. */
function qualifiedKindTitle(rt: ResourceType): string {
  return rt.group === '' ? rt.kind : `${rt.kind}.${rt.group}`;
}

function initialStatus(object: KubeObject): KubeObject {
  if (object.kind === 'Pod') return { ...object, status: { phase: 'Pending', qosClass: (object.status as { qosClass?: string } | undefined)?.qosClass } };
  return object;
}

