/**
 * The Store on one SQLite file (better-sqlite3): WAL journal with synchronous=FULL, so every
 * write acknowledged to an API client survives kill -9 and power loss; each write and its
 * revision bump are one transaction.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { openDurableDatabase } from '../../shared/sqlite.js';
import { SkiffError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';
import { groupResource, type ResourceType } from '../../shared/api/resources.js';
import { MIGRATIONS } from './sqlite-migrations.js';
import type { Change, ChangeListener, DispatchRecord, NodeCredential, Store } from './store.js';

interface ObjectRow {
  data: string;
}

function resourceKey(resource: ResourceType): string {
  return `${resource.group}/${resource.plural}`;
}

function nsKey(resource: ResourceType, namespace: string | undefined): string {
  return resource.namespaced ? (namespace ?? '') : '';
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly listeners = new Set<ChangeListener>();
  private readonly statements;

  constructor(file: string) {
    this.db = openDurableDatabase(file, MIGRATIONS);
    this.statements = {
      get: this.db.prepare<[string, string, string], ObjectRow>('SELECT data FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      listAll: this.db.prepare<[string], ObjectRow>('SELECT data FROM objects WHERE resource = ? ORDER BY namespace, name'),
      listNs: this.db.prepare<[string, string], ObjectRow>('SELECT data FROM objects WHERE resource = ? AND namespace = ? ORDER BY name'),
      insert: this.db.prepare('INSERT INTO objects (resource, namespace, name, uid, resource_version, data) VALUES (?, ?, ?, ?, ?, ?)'),
      update: this.db.prepare('UPDATE objects SET resource_version = ?, data = ? WHERE resource = ? AND namespace = ? AND name = ?'),
      remove: this.db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      bump: this.db.prepare<[], { value: number }>('UPDATE revision SET value = value + 1 WHERE id = 1 RETURNING value'),
      revision: this.db.prepare<[], { value: number }>('SELECT value FROM revision WHERE id = 1'),
      putCredential: this.db.prepare('INSERT OR REPLACE INTO node_credentials (node, password_hash, created_at) VALUES (?, ?, ?)'),
      getCredential: this.db.prepare<[string], { node: string; password_hash: string; created_at: string }>(
        'SELECT node, password_hash, created_at FROM node_credentials WHERE node = ?',
      ),
      deleteCredential: this.db.prepare('DELETE FROM node_credentials WHERE node = ?'),
      getDispatch: this.db.prepare<[string], { node: string; generation: number; content_hash: string }>(
        'SELECT node, generation, content_hash FROM dispatch WHERE node = ?',
      ),
      putDispatch: this.db.prepare('INSERT OR REPLACE INTO dispatch (node, generation, content_hash) VALUES (?, ?, ?)'),
    };
  }

  private nextRevision(): number {
    return this.statements.bump.get()!.value;
  }

  private emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  private readRow(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const row = this.statements.get.get(resourceKey(resource), nsKey(resource, namespace), name);
    return row ? (JSON.parse(row.data) as KubeObject) : undefined;
  }

  async get(resource: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.readRow(resource, namespace, name);
  }

  async list(resource: ResourceType, namespace?: string): Promise<KubeObject[]> {
    const rows =
      resource.namespaced && namespace !== undefined
        ? this.statements.listNs.all(resourceKey(resource), namespace)
        : this.statements.listAll.all(resourceKey(resource));
    return rows.map((row) => JSON.parse(row.data) as KubeObject);
  }

  async create(resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    const name = object.metadata.name;
    if (!name) throw new SkiffError('SKIFF_ERR_INVALID', 'metadata.name: Required value', { details: [{ path: 'metadata.name', message: 'Required value' }] });
    const namespace = nsKey(resource, object.metadata.namespace);
    const created = this.db.transaction((): KubeObject => {
      if (this.readRow(resource, namespace, name)) {
        throw new SkiffError('SKIFF_ERR_ALREADY_EXISTS', `${groupResource(resource)} "${name}" already exists`);
      }
      const rv = this.nextRevision();
      const stored: KubeObject = {
        ...object,
        metadata: {
          ...object.metadata,
          ...(resource.namespaced ? { namespace } : {}),
          uid: object.metadata.uid ?? randomUUID(),
          resourceVersion: String(rv),
          generation: 1,
          creationTimestamp: object.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      };
      if (!resource.namespaced) delete stored.metadata.namespace;
      this.statements.insert.run(resourceKey(resource), namespace, name, stored.metadata.uid, rv, JSON.stringify(stored));
      return stored;
    })();
    this.emit({ type: 'ADDED', resource, object: created });
    return created;
  }

  async update(resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    const name = object.metadata.name!;
    const namespace = nsKey(resource, object.metadata.namespace);
    let previous: KubeObject | undefined;
    const updated = this.db.transaction((): KubeObject => {
      previous = this.readRow(resource, namespace, name);
      if (!previous) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `${groupResource(resource)} "${name}" not found`);
      const expected = object.metadata.resourceVersion;
      if (expected !== undefined && expected !== previous.metadata.resourceVersion) {
        throw new SkiffError(
          'SKIFF_ERR_CONFLICT',
          `Operation cannot be fulfilled on ${groupResource(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      const rv = this.nextRevision();
      const specChanged = JSON.stringify(object.spec) !== JSON.stringify(previous.spec);
      const stored: KubeObject = {
        ...object,
        metadata: {
          ...object.metadata,
          uid: previous.metadata.uid,
          creationTimestamp: previous.metadata.creationTimestamp,
          generation: (previous.metadata.generation ?? 1) + (specChanged ? 1 : 0),
          resourceVersion: String(rv),
        },
      };
      this.statements.update.run(rv, JSON.stringify(stored), resourceKey(resource), namespace, name);
      return stored;
    })();
    this.emit({ type: 'MODIFIED', resource, object: updated, previous: previous! });
    return updated;
  }

  async delete(resource: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const ns = nsKey(resource, namespace);
    const removed = this.db.transaction((): KubeObject | undefined => {
      const existing = this.readRow(resource, ns, name);
      if (!existing) return undefined;
      const rv = this.nextRevision();
      this.statements.remove.run(resourceKey(resource), ns, name);
      return { ...existing, metadata: { ...existing.metadata, resourceVersion: String(rv) } };
    })();
    if (removed) this.emit({ type: 'DELETED', resource, object: removed });
    return removed;
  }

  async revision(): Promise<number> {
    return this.statements.revision.get()!.value;
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async putNodeCredential(credential: NodeCredential): Promise<void> {
    this.statements.putCredential.run(credential.node, credential.passwordHash, credential.createdAt);
  }

  async getNodeCredential(node: string): Promise<NodeCredential | undefined> {
    const row = this.statements.getCredential.get(node);
    return row ? { node: row.node, passwordHash: row.password_hash, createdAt: row.created_at } : undefined;
  }

  async deleteNodeCredential(node: string): Promise<void> {
    this.statements.deleteCredential.run(node);
  }

  async getDispatch(node: string): Promise<DispatchRecord | undefined> {
    const row = this.statements.getDispatch.get(node);
    return row ? { node: row.node, generation: row.generation, contentHash: row.content_hash } : undefined;
  }

  async putDispatch(record: DispatchRecord): Promise<void> {
    this.statements.putDispatch.run(record.node, record.generation, record.contentHash);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.db.close();
  }
}
