/**
 * The Store on one SQLite file (better-sqlite3): WAL journal with synchronous=FULL, so every
 * write acknowledged to an API client survives kill -9 and power loss; each write and its
 * revision bump are one transaction, and a writeBatch is one transaction for all its writes (one
 * fsync), each write in a savepoint of its own.
 */
import type Database from 'better-sqlite3';
import { openDurableDatabase } from '../../shared/sqlite.js';
import { SkiffError, isSkiffError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import { MIGRATIONS } from './sqlite-migrations.js';
import { sealedKeyIds, type SecretEncryption } from './secret-encryption.js';
import { alreadyExists, checkResourceVersion, notFound, nsKey, requireName, resourceKey, RowCodec, stampCreated, stampDeleted, stampUpdated } from './object-rows.js';
import { credentialFromRow, tokenFromRow, type BootstrapTokenRow, type CredentialRow } from './record-rows.js';
import type { BatchOutcome, BatchWrite, BootstrapToken, Change, ChangeListener, DispatchRecord, NodeCredential, ServiceAccountToken, Store, WriteAdmission } from './store.js';

interface ObjectRow {
  data: string;
}

interface ListedRow extends ObjectRow {
  namespace: string;
  name: string;
}

export interface SqliteStoreOptions {
  /** Seals Secret rows at rest (hub/store/secret-encryption.ts); without it every row is plain JSON. */
  secretEncryption?: SecretEncryption;
  /** Runs inside every create and update transaction (store.ts WriteAdmission); none: objects are written as given. */
  admission?: WriteAdmission;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly listeners = new Set<ChangeListener>();
  private readonly statements;

  private readonly codec: RowCodec;
  private readonly admission: WriteAdmission | undefined;

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.db = openDurableDatabase(file, MIGRATIONS);
    this.codec = new RowCodec(options.secretEncryption);
    this.admission = options.admission;
    try {
      options.secretEncryption?.attach(sealedKeyIds(this.db));
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.statements = {
      get: this.db.prepare<[string, string, string], ObjectRow>('SELECT data FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      listAll: this.db.prepare<[string], ListedRow>('SELECT namespace, name, data FROM objects WHERE resource = ? ORDER BY namespace, name'),
      listNs: this.db.prepare<[string, string], ListedRow>('SELECT namespace, name, data FROM objects WHERE resource = ? AND namespace = ? ORDER BY name'),
      insert: this.db.prepare('INSERT INTO objects (resource, namespace, name, uid, resource_version, data) VALUES (?, ?, ?, ?, ?, ?)'),
      update: this.db.prepare('UPDATE objects SET resource_version = ?, data = ? WHERE resource = ? AND namespace = ? AND name = ?'),
      remove: this.db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      bump: this.db.prepare<[], { value: number }>('UPDATE revision SET value = value + 1 WHERE id = 1 RETURNING value'),
      revision: this.db.prepare<[], { value: number }>('SELECT value FROM revision WHERE id = 1'),
      putCredential: this.db.prepare(
        'INSERT OR REPLACE INTO node_credentials (node, password_hash, created_at, expires_at, previous_password_hash, previous_expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getCredential: this.db.prepare<[string], CredentialRow>(
        'SELECT node, password_hash, created_at, expires_at, previous_password_hash, previous_expires_at FROM node_credentials WHERE node = ?',
      ),
      insertToken: this.db.prepare(
        'INSERT INTO bootstrap_tokens (id, secret_hash, description, created_at, expires_at, usage_count, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      getToken: this.db.prepare<[string], BootstrapTokenRow>('SELECT * FROM bootstrap_tokens WHERE id = ?'),
      listTokens: this.db.prepare<[], BootstrapTokenRow>('SELECT * FROM bootstrap_tokens ORDER BY created_at, id'),
      deleteToken: this.db.prepare('DELETE FROM bootstrap_tokens WHERE id = ?'),
      useToken: this.db.prepare('UPDATE bootstrap_tokens SET usage_count = usage_count + 1, last_used_at = ? WHERE id = ?'),
      deleteCredential: this.db.prepare('DELETE FROM node_credentials WHERE node = ?'),
      swapCredential: this.db.prepare(
        'UPDATE node_credentials SET password_hash = ?, created_at = ?, expires_at = ?, previous_password_hash = ?, previous_expires_at = ? WHERE node = ? AND password_hash = ?',
      ),
      getDispatch: this.db.prepare<[string], { node: string; generation: number; content_hash: string }>(
        'SELECT node, generation, content_hash FROM dispatch WHERE node = ?',
      ),
      putDispatch: this.db.prepare('INSERT OR REPLACE INTO dispatch (node, generation, content_hash) VALUES (?, ?, ?)'),
      putSaToken: this.db.prepare('INSERT OR REPLACE INTO service_account_tokens (token_hash, namespace, name, uid, expires_at) VALUES (?, ?, ?, ?, ?)'),
      getSaToken: this.db.prepare<[string], { token_hash: string; namespace: string; name: string; uid: string; expires_at: string }>(
        'SELECT token_hash, namespace, name, uid, expires_at FROM service_account_tokens WHERE token_hash = ?',
      ),
      deleteExpiredSaTokens: this.db.prepare('DELETE FROM service_account_tokens WHERE expires_at <= ?'),
    };
  }

  private nextRevision(): number {
    return this.statements.bump.get()!.value;
  }

  private emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  private readRow(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const ns = nsKey(resource, namespace);
    const row = this.statements.get.get(resourceKey(resource), ns, name);
    return row ? this.codec.decode(resource, ns, name, row.data) : undefined;
  }

  async get(resource: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.readRow(resource, namespace, name);
  }

  async list(resource: ResourceType, namespace?: string): Promise<KubeObject[]> {
    const rows =
      resource.namespaced && namespace !== undefined
        ? this.statements.listNs.all(resourceKey(resource), namespace)
        : this.statements.listAll.all(resourceKey(resource));
    return rows.map((row) => this.codec.decode(resource, row.namespace, row.name, row.data));
  }

  async create(resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    const created = this.db.transaction(() => this.createRow(resource, object))();
    this.emit({ type: 'ADDED', resource, object: created });
    return created;
  }

  async update(resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    const { updated, previous } = this.db.transaction(() => this.updateRow(resource, object))();
    this.emit({ type: 'MODIFIED', resource, object: updated, previous });
    return updated;
  }

  async writeBatch(writes: readonly BatchWrite[]): Promise<BatchOutcome[]> {
    const changes: Array<Change | undefined> = [];
    // better-sqlite3 runs a transaction function called inside another as a SAVEPOINT: a write
    // that throws rolls back alone, and the outer transaction commits the rest with one fsync.
    const outcomes = this.db.transaction((): BatchOutcome[] =>
      writes.map(({ type, resource, object }): BatchOutcome => {
        try {
          if (type === 'create') {
            const created = this.db.transaction(() => this.createRow(resource, object))();
            changes.push({ type: 'ADDED', resource, object: created });
            return { object: created };
          }
          const { updated, previous } = this.db.transaction(() => this.updateRow(resource, object))();
          changes.push({ type: 'MODIFIED', resource, object: updated, previous });
          return { object: updated };
        } catch (err) {
          if (!isSkiffError(err)) throw err;
          changes.push(undefined);
          return { error: err };
        }
      }),
    )();
    for (const change of changes) if (change) this.emit(change);
    return outcomes;
  }

  /** Inserts a new object's row (inside the caller's transaction) and returns it as stored. */
  private createRow(resource: ResourceType, object: KubeObject): KubeObject {
    const name = requireName(object);
    const namespace = nsKey(resource, object.metadata.namespace);
    if (this.readRow(resource, namespace, name)) throw alreadyExists(resource, name);
    const rv = this.nextRevision();
    const stored = stampCreated(resource, object, this.admit(resource, object, undefined), rv);
    this.statements.insert.run(resourceKey(resource), namespace, name, stored.metadata.uid, rv, this.codec.encode(resource, namespace, name, stored));
    return stored;
  }

  /** Replaces an object's row (inside the caller's transaction); returns it as stored and the row it replaced. */
  private updateRow(resource: ResourceType, object: KubeObject): { updated: KubeObject; previous: KubeObject } {
    const name = object.metadata.name!;
    const namespace = nsKey(resource, object.metadata.namespace);
    const previous = this.readRow(resource, namespace, name);
    if (!previous) throw notFound(resource, name);
    checkResourceVersion(resource, object, previous);
    const admitted = this.admit(resource, object, previous);
    const rv = this.nextRevision();
    const stored = stampUpdated(object, admitted, previous, rv);
    this.statements.update.run(rv, this.codec.encode(resource, namespace, name, stored), resourceKey(resource), namespace, name);
    return { updated: stored, previous };
  }

  async delete(resource: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const ns = nsKey(resource, namespace);
    const removed = this.db.transaction((): KubeObject | undefined => {
      const existing = this.readRow(resource, ns, name);
      if (!existing) return undefined;
      const rv = this.nextRevision();
      this.statements.remove.run(resourceKey(resource), ns, name);
      return stampDeleted(existing, rv);
    })();
    if (removed) this.emit({ type: 'DELETED', resource, object: removed });
    return removed;
  }

  /** The WriteAdmission step of a create (previous undefined) or update, inside its transaction. */
  private admit(resource: ResourceType, object: KubeObject, previous: KubeObject | undefined): KubeObject {
    if (!this.admission) return object;
    const list = (listed: ResourceType): KubeObject[] =>
      this.statements.listAll.all(resourceKey(listed)).map((row) => this.codec.decode(listed, row.namespace, row.name, row.data));
    return this.admission.admit({ resource, object, previous, list });
  }

  async revision(): Promise<number> {
    return this.statements.revision.get()!.value;
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async putNodeCredential(credential: NodeCredential): Promise<void> {
    this.statements.putCredential.run(
      credential.node,
      credential.passwordHash,
      credential.createdAt,
      credential.expiresAt ?? null,
      credential.previousPasswordHash ?? null,
      credential.previousExpiresAt ?? null,
    );
  }

  async getNodeCredential(node: string): Promise<NodeCredential | undefined> {
    const row = this.statements.getCredential.get(node);
    return row ? credentialFromRow(row) : undefined;
  }

  async createBootstrapToken(token: BootstrapToken): Promise<void> {
    try {
      this.statements.insertToken.run(token.id, token.secretHash, token.description, token.createdAt, token.expiresAt ?? null, token.usageCount, token.lastUsedAt ?? null);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new SkiffError('SKIFF_ERR_ALREADY_EXISTS', `bootstrap token "${token.id}" already exists`, { cause: err });
      }
      throw err;
    }
  }

  async getBootstrapToken(id: string): Promise<BootstrapToken | undefined> {
    const row = this.statements.getToken.get(id);
    return row ? tokenFromRow(row) : undefined;
  }

  async listBootstrapTokens(): Promise<BootstrapToken[]> {
    return this.statements.listTokens.all().map(tokenFromRow);
  }

  async deleteBootstrapToken(id: string): Promise<boolean> {
    return this.statements.deleteToken.run(id).changes > 0;
  }

  async recordBootstrapTokenUse(id: string, at: string): Promise<void> {
    this.statements.useToken.run(at, id);
  }

  async deleteNodeCredential(node: string): Promise<void> {
    this.statements.deleteCredential.run(node);
  }

  async swapNodeCredential(credential: NodeCredential, expectedPasswordHash: string): Promise<boolean> {
    const result = this.statements.swapCredential.run(
      credential.passwordHash,
      credential.createdAt,
      credential.expiresAt ?? null,
      credential.previousPasswordHash ?? null,
      credential.previousExpiresAt ?? null,
      credential.node,
      expectedPasswordHash,
    );
    return result.changes > 0;
  }

  async putServiceAccountToken(token: ServiceAccountToken): Promise<void> {
    this.statements.putSaToken.run(token.tokenHash, token.namespace, token.name, token.uid, token.expiresAt);
  }

  async getServiceAccountToken(tokenHash: string): Promise<ServiceAccountToken | undefined> {
    const row = this.statements.getSaToken.get(tokenHash);
    return row ? { tokenHash: row.token_hash, namespace: row.namespace, name: row.name, uid: row.uid, expiresAt: row.expires_at } : undefined;
  }

  async deleteExpiredServiceAccountTokens(now: string): Promise<number> {
    return this.statements.deleteExpiredSaTokens.run(now).changes;
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
