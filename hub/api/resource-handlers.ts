/**
 * The verbs on a resource: list, get, create, replace, delete. Every write is validated here
 * (never trusting a client), defaulted, and stored; responses are plain objects, errors are
 * SkiffErrors that server.ts turns into Status bodies.
 */
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

  async list(route: ResourceRoute, filter: ObjectFilter): Promise<KubeList> {
    const revision = await this.store.revision();
    const items = (await this.store.list(route.resource, route.namespace)).filter(filter);
    return { apiVersion: apiVersionOf(route.resource), kind: `${route.resource.kind}List`, metadata: { resourceVersion: String(revision) }, items };
  }

  async get(route: ResourceRoute & { name: string }): Promise<KubeObject> {
    const object = await this.store.get(route.resource, route.namespace, route.name);
    if (!object) throw notFound(route.resource, route.name);
    return object;
  }

  async create(route: ResourceRoute, body: unknown): Promise<KubeObject> {
    const object = this.validated(route, body);
    if (route.resource.namespaced) object.metadata.namespace = route.namespace;
    else delete object.metadata.namespace;
    if (!object.metadata.name) object.metadata.name = `${object.metadata.generateName}${randomSuffix()}`;
    await this.requireNamespace(route);
    // Server-managed fields are the server's: a client cannot choose uid, status or history.
    for (const field of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields'] as const) {
      delete object.metadata[field];
    }
    delete object.status;
    return this.store.create(route.resource, initialStatus(applyDefaults(object)));
  }

  async replace(route: ResourceRoute & { name: string }, body: unknown): Promise<KubeObject> {
    const object = this.validated(route, body);
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
    return this.store.update(route.resource, next);
  }

  async delete(route: ResourceRoute & { name: string }, options: DeleteOptions = {}): Promise<KubeObject> {
    const object = await this.get(route);
    if (route.resource === namespaces && PROTECTED_NAMESPACES.includes(route.name)) {
      throw new SkiffError('SKIFF_ERR_FORBIDDEN', `namespaces "${route.name}" is forbidden: this namespace may not be deleted`);
    }
    if (route.resource === namespaces && isTerminating(object)) {
      const conflict = namespaceStillFinalizing(object);
      if (conflict) throw conflict;
      return (await this.store.delete(namespaces, undefined, route.name)) ?? object;
    }
    return (await deleteObject(this.store, route.resource, object, new Date(), options)) ?? object;
  }

  private validated(route: ResourceRoute, body: unknown): KubeObject {
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

/** "Deployment.apps", "Pod": the kind as Kubernetes names it in "is invalid" messages. */
function qualifiedKindTitle(rt: ResourceType): string {
  return rt.group === '' ? rt.kind : `${rt.kind}.${rt.group}`;
}

function initialStatus(object: KubeObject): KubeObject {
  if (object.kind === 'Pod') return { ...object, status: { phase: 'Pending', qosClass: (object.status as { qosClass?: string } | undefined)?.qosClass } };
  return object;
}

