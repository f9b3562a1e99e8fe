/**
 * What every Store backend does the same way to an object on its way in and out of a row: the
 * row key of a resource and namespace, the metadata a create or an update stamps (uid,
 * generation, resourceVersion, ...), the errors of a refused write, and the row text (JSON,
 * sealed for Secrets when encryption is on). SQLite and PostgreSQL differ only in how they
 * keep rows and revisions (sqlite-store.ts, postgres-store.ts).
 */
import { randomUUID } from 'node:crypto';
import { SkiffError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';
import { groupResource, RESOURCES, type ResourceType } from '../../shared/api/resources.js';
import { decodeRow, rowContext, type SecretEncryption } from './secret-encryption.js';

/** A resource's key in the objects table: "apps/deployments", "/pods". */
export function resourceKey(resource: ResourceType): string {
  return `${resource.group}/${resource.plural}`;
}

/** The namespace column: '' for cluster-scoped objects. */
export function nsKey(resource: ResourceType, namespace: string | undefined): string {
  return resource.namespaced ? (namespace ?? '') : '';
}

export function requireName(object: KubeObject): string {
  const name = object.metadata.name;
  if (!name) throw new SkiffError('SKIFF_ERR_INVALID', 'metadata.name: Required value', { details: [{ path: 'metadata.name', message: 'Required value' }] });
  return name;
}

export function alreadyExists(resource: ResourceType, name: string): SkiffError {
  return new SkiffError('SKIFF_ERR_ALREADY_EXISTS', `${groupResource(resource)} "${name}" already exists`);
}

export function notFound(resource: ResourceType, name: string): SkiffError {
  return new SkiffError('SKIFF_ERR_NOT_FOUND', `${groupResource(resource)} "${name}" not found`);
}

/** Throws Conflict when the write names a resourceVersion other than the stored one. */
export function checkResourceVersion(resource: ResourceType, object: KubeObject, previous: KubeObject): void {
  const expected = object.metadata.resourceVersion;
  if (expected !== undefined && expected !== previous.metadata.resourceVersion) {
    throw new SkiffError(
      'SKIFF_ERR_CONFLICT',
      `Operation cannot be fulfilled on ${groupResource(resource)} "${object.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
  }
}

/** A new object as stored at revision `rv`: uid, creationTimestamp, generation 1, its namespace (none when cluster-scoped). */
export function stampCreated(resource: ResourceType, object: KubeObject, admitted: KubeObject, rv: number): KubeObject {
  const stored: KubeObject = {
    ...admitted,
    metadata: {
      ...object.metadata,
      ...(resource.namespaced ? { namespace: nsKey(resource, object.metadata.namespace) } : {}),
      uid: object.metadata.uid ?? randomUUID(),
      resourceVersion: String(rv),
      generation: 1,
      creationTimestamp: object.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  };
  if (!resource.namespaced) delete stored.metadata.namespace;
  return stored;
}

/** An updated object as stored at revision `rv`: uid and creationTimestamp kept, generation bumped when the spec changed. */
export function stampUpdated(object: KubeObject, admitted: KubeObject, previous: KubeObject, rv: number): KubeObject {
  const specChanged = JSON.stringify(admitted.spec) !== JSON.stringify(previous.spec);
  return {
    ...admitted,
    metadata: {
      ...object.metadata,
      uid: previous.metadata.uid,
      creationTimestamp: previous.metadata.creationTimestamp,
      generation: (previous.metadata.generation ?? 1) + (specChanged ? 1 : 0),
      resourceVersion: String(rv),
    },
  };
}

/** A deleted object as its DELETED change carries it: the revision of the deletion. */
export function stampDeleted(existing: KubeObject, rv: number): KubeObject {
  return { ...existing, metadata: { ...existing.metadata, resourceVersion: String(rv) } };
}

/** An object's row text and back: JSON, sealed when it is a Secret and encryption is on. */
export class RowCodec {
  constructor(private readonly secretEncryption: SecretEncryption | undefined) {}

  encode(resource: ResourceType, namespace: string, name: string, object: KubeObject): string {
    const json = JSON.stringify(object);
    return this.secretEncryption ? this.secretEncryption.encode(resourceKey(resource), namespace, name, json) : json;
  }

  decode(resource: ResourceType, namespace: string, name: string, data: string): KubeObject {
    const key = resourceKey(resource);
    const json = this.secretEncryption ? this.secretEncryption.decode(key, namespace, name, data) : decodeRow(data, undefined, rowContext(key, namespace, name));
    return JSON.parse(json) as KubeObject;
  }
}

const BY_KEY = new Map(RESOURCES.map((rt) => [resourceKey(rt), rt]));

/** The resource an objects-table key names ("apps/deployments"), or undefined for one this Skiff does not know. */
export function resourceOfKey(key: string): ResourceType | undefined {
  return BY_KEY.get(key);
}
