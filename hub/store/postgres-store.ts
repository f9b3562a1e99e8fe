/**
 * The Store on PostgreSQL (issue #11, `--datastore-endpoint postgres://...`), for several hubs
 * on one database. Objects, revisions and the hub's records are the tables of
 * postgres-migrations.ts. Every write runs in a transaction that holds the revision row's lock
 * (postgres-pool.ts inWriteTransaction) and appends its change to the `changes` log with the
 * object; change events reach listeners from that log (postgres-change-feed.ts), on every hub,
 * in revision order. A write resolves once its own change has been delivered here, as the
 * SQLite store emits before it returns: a caller that wrote and then reads a watch cache sees
 * its write.
 */
import type pg from 'pg';
import { SkiffError, isSkiffError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import { ENVELOPE_PREFIX, envelopeKeyId, type SecretEncryption } from './secret-encryption.js';
import {
  alreadyExists, checkResourceVersion, notFound, nsKey, requireName, resourceKey, resourceOfKey, RowCodec, stampCreated, stampDeleted, stampUpdated,
} from './object-rows.js';
import { CHANGES_CHANNEL, PostgresChangeFeed, type ChangeFeedLog, type ChangeFeedOptions, type ChangeRow } from './postgres-change-feed.js';
import { inWriteTransaction, migratePostgres, openPool } from './postgres-pool.js';
import { PostgresLeaderLease, type LeaseLog, type LeaseTiming, type WriteFence } from '../leader/postgres-lease.js';
import { credentialFromRow, tokenFromRow, type BootstrapTokenRow, type CredentialRow } from './record-rows.js';
import type { BatchOutcome, BatchWrite, BootstrapToken, Change, ChangeListener, DispatchRecord, NodeCredential, ServiceAccountToken, Store, WriteAdmission } from './store.js';

export interface PostgresStoreOptions {
  secretEncryption?: SecretEncryption;
  admission?: WriteAdmission;
  log: ChangeFeedLog;
  feed?: ChangeFeedOptions;
}

/** PostgreSQL's unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** One write transaction's view: the revisions it takes, in order, and the changes it logs. */
class WriteTransaction {
  constructor(
    readonly client: pg.PoolClient,
    /** The newest revision taken so far (the locked one at the start). */
    public revision: number,
    readonly start: number,
  ) {}
}

export class PostgresStore implements Store {
  private readonly listeners = new Set<ChangeListener>();
  private readonly feed: PostgresChangeFeed;

  private constructor(
    private readonly pool: pg.Pool,
    url: string,
    from: number,
    private readonly codec: RowCodec,
    private readonly admission: WriteAdmission | undefined,
    options: PostgresStoreOptions,
  ) {
    this.feed = new PostgresChangeFeed(url, pool, from, (row) => this.deliver(row), options.log, options.feed);
  }

  /** Connects, migrates the schema, checks the encryption keys against sealed rows, and starts following the change log. */
  static async open(url: string, options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = openPool(url, (err) => options.log.warn({ err }, 'an idle datastore connection failed'));
    try {
      await migratePostgres(pool, url);
      options.secretEncryption?.attach(await sealedKeyIds(pool));
      const from = Number((await pool.query<{ value: string }>('SELECT value FROM revision WHERE id = 1')).rows[0]!.value);
      const store = new PostgresStore(pool, url, from, new RowCodec(options.secretEncryption), options.admission, options);
      await store.feed.start();
      return store;
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  private deliver(row: ChangeRow): void {
    const resource = resourceOfKey(row.resource);
    if (!resource) return; // written by a newer Skiff with a resource this one does not serve
    const change: Change = { type: row.type, resource, object: this.codec.decode(resource, row.namespace, row.name, row.data) };
    if (row.previous !== null) change.previous = this.codec.decode(resource, row.namespace, row.name, row.previous);
    for (const listener of this.listeners) listener(change);
  }

  private async readRow(db: pg.Pool | pg.PoolClient, resource: ResourceType, namespace: string, name: string): Promise<KubeObject | undefined> {
    const { rows } = await db.query<{ data: string }>('SELECT data FROM objects WHERE resource = $1 AND namespace = $2 AND name = $3', [resourceKey(resource), namespace, name]);
    return rows[0] ? this.codec.decode(resource, namespace, name, rows[0].data) : undefined;
  }

  private async listRows(db: pg.Pool | pg.PoolClient, resource: ResourceType, namespace?: string): Promise<KubeObject[]> {
    const { rows } =
      resource.namespaced && namespace !== undefined
        ? await db.query<{ namespace: string; name: string; data: string }>('SELECT namespace, name, data FROM objects WHERE resource = $1 AND namespace = $2 ORDER BY name', [resourceKey(resource), namespace])
        : await db.query<{ namespace: string; name: string; data: string }>('SELECT namespace, name, data FROM objects WHERE resource = $1 ORDER BY namespace, name', [resourceKey(resource)]);
    return rows.map((row) => this.codec.decode(resource, row.namespace, row.name, row.data));
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.readRow(this.pool, resource, nsKey(resource, namespace), name);
  }

  list(resource: ResourceType, namespace?: string): Promise<KubeObject[]> {
    return this.listRows(this.pool, resource, namespace);
  }

  async create(resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    return (await this.commitWrites([{ type: 'create', resource, object }], false))[0]!.object!;
  }

  async update(resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    return (await this.commitWrites([{ type: 'update', resource, object }], false))[0]!.object!;
  }

  writeBatch(writes: readonly BatchWrite[]): Promise<BatchOutcome[]> {
    return this.commitWrites(writes, true);
  }

  delete(resource: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.deleteObject(resource, namespace, name);
  }

  /** The leader election of the hubs on this database (hub/leader/postgres-lease.ts). */
  leaderLease(log: LeaseLog, timing?: LeaseTiming): PostgresLeaderLease {
    return new PostgresLeaderLease(this.pool, log, timing);
  }

  /**
   * This store as the leader's controllers write to it: the same reads and change events, but
   * every object write is refused (SKIFF_ERR_CONFLICT, nothing written) unless `fence` still
   * holds the leader lease with its current token, checked inside the write's transaction. A
   * hub that lost the lease while paused can therefore never write after the new leader took
   * over. Closing the view closes nothing: the store it views stays open.
   */
  fenced(fence: WriteFence): Store {
    const writes: Partial<Store> = {
      create: async (resource, object) => (await this.commitWrites([{ type: 'create', resource, object }], false, fence))[0]!.object!,
      update: async (resource, object) => (await this.commitWrites([{ type: 'update', resource, object }], false, fence))[0]!.object!,
      writeBatch: (batch) => this.commitWrites(batch, true, fence),
      delete: (resource, namespace, name) => this.deleteObject(resource, namespace, name, fence),
      close: async () => undefined,
    };
    return new Proxy(this as Store, {
      get: (target, property, receiver) => {
        const own = writes[property as keyof Store];
        if (own) return own;
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Inside a write transaction: refuses it unless `fence` holds the lease with its token (the row stays share-locked until commit). */
  private async checkFence(client: pg.PoolClient, fence: WriteFence): Promise<void> {
    const token = fence.fencing();
    const { rows } = await client.query<{ holder: string; fencing: string; live: boolean }>(
      'SELECT holder, fencing, expires_at > now() AS live FROM leader_leases WHERE name = $1 FOR SHARE',
      [fence.name],
    );
    const lease = rows[0];
    if (token === undefined || !lease || lease.holder !== fence.holder || Number(lease.fencing) !== token || !lease.live) {
      throw new SkiffError(
        'SKIFF_ERR_CONFLICT',
        `this hub does not lead (the ${fence.name} lease is ${lease ? `held by ${lease.holder} with fencing ${lease.fencing}${lease.live ? '' : ', expired'}` : 'not held'}; this hub's token: ${token ?? 'none'}): write refused`,
      );
    }
  }

  /**
   * Writes in one transaction. `keepGoing`: a write's own error (SkiffError) is its outcome and
   * the others commit (writeBatch); otherwise it rejects and nothing commits (create, update).
   */
  private async commitWrites(writes: readonly BatchWrite[], keepGoing: boolean, fence?: WriteFence): Promise<BatchOutcome[]> {
    if (writes.length === 0) return [];
    const { outcomes, revision } = await inWriteTransaction(this.pool, async (client, locked) => {
      if (fence) await this.checkFence(client, fence);
      const tx = new WriteTransaction(client, locked, locked);
      const outcomes: BatchOutcome[] = [];
      for (const write of writes) {
        if (!keepGoing) {
          outcomes.push({ object: await this.writeOne(tx, write) });
          continue;
        }
        await client.query('SAVEPOINT batch_write');
        const before = tx.revision;
        try {
          outcomes.push({ object: await this.writeOne(tx, write) });
          await client.query('RELEASE SAVEPOINT batch_write');
        } catch (err) {
          if (!isSkiffError(err)) throw err;
          await client.query('ROLLBACK TO SAVEPOINT batch_write');
          tx.revision = before;
          outcomes.push({ error: err });
        }
      }
      await this.finish(tx);
      return { outcomes, revision: tx.revision };
    });
    await this.feed.reach(revision);
    return outcomes;
  }

  private writeOne(tx: WriteTransaction, write: BatchWrite): Promise<KubeObject> {
    return write.type === 'create' ? this.createRow(tx, write.resource, write.object) : this.updateRow(tx, write.resource, write.object);
  }

  private async createRow(tx: WriteTransaction, resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    const name = requireName(object);
    const namespace = nsKey(resource, object.metadata.namespace);
    if (await this.readRow(tx.client, resource, namespace, name)) throw alreadyExists(resource, name);
    const admitted = await this.admit(tx, resource, object, undefined);
    const rv = ++tx.revision;
    const stored = stampCreated(resource, object, admitted, rv);
    const data = this.codec.encode(resource, namespace, name, stored);
    await tx.client.query('INSERT INTO objects (resource, namespace, name, uid, resource_version, data) VALUES ($1, $2, $3, $4, $5, $6)', [
      resourceKey(resource), namespace, name, stored.metadata.uid, rv, data,
    ]);
    await this.logChange(tx, rv, 'ADDED', resource, namespace, name, data, null);
    return stored;
  }

  private async updateRow(tx: WriteTransaction, resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    const name = object.metadata.name!;
    const namespace = nsKey(resource, object.metadata.namespace);
    const { rows } = await tx.client.query<{ data: string }>('SELECT data FROM objects WHERE resource = $1 AND namespace = $2 AND name = $3', [resourceKey(resource), namespace, name]);
    if (!rows[0]) throw notFound(resource, name);
    const previous = this.codec.decode(resource, namespace, name, rows[0].data);
    checkResourceVersion(resource, object, previous);
    const admitted = await this.admit(tx, resource, object, previous);
    const rv = ++tx.revision;
    const stored = stampUpdated(object, admitted, previous, rv);
    const data = this.codec.encode(resource, namespace, name, stored);
    await tx.client.query('UPDATE objects SET resource_version = $1, data = $2 WHERE resource = $3 AND namespace = $4 AND name = $5', [rv, data, resourceKey(resource), namespace, name]);
    await this.logChange(tx, rv, 'MODIFIED', resource, namespace, name, data, rows[0].data);
    return stored;
  }

  private async deleteObject(resource: ResourceType, namespace: string | undefined, name: string, fence?: WriteFence): Promise<KubeObject | undefined> {
    const ns = nsKey(resource, namespace);
    const { removed, revision } = await inWriteTransaction(this.pool, async (client, locked) => {
      if (fence) await this.checkFence(client, fence);
      const tx = new WriteTransaction(client, locked, locked);
      const existing = await this.readRow(client, resource, ns, name);
      if (!existing) return { removed: undefined, revision: locked };
      const rv = ++tx.revision;
      await client.query('DELETE FROM objects WHERE resource = $1 AND namespace = $2 AND name = $3', [resourceKey(resource), ns, name]);
      const removed = stampDeleted(existing, rv);
      await this.logChange(tx, rv, 'DELETED', resource, ns, name, this.codec.encode(resource, ns, name, removed), null);
      await this.finish(tx);
      return { removed, revision: rv };
    });
    await this.feed.reach(revision);
    return removed;
  }

  private async logChange(tx: WriteTransaction, rv: number, type: Change['type'], resource: ResourceType, namespace: string, name: string, data: string, previous: string | null): Promise<void> {
    await tx.client.query('INSERT INTO changes (revision, type, resource, namespace, name, data, previous) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      rv, type, resourceKey(resource), namespace, name, data, previous,
    ]);
  }

  /** Stores the transaction's newest revision and tells every hub (on commit) that the log has grown. */
  private async finish(tx: WriteTransaction): Promise<void> {
    if (tx.revision === tx.start) return;
    await tx.client.query('UPDATE revision SET value = $1 WHERE id = 1', [tx.revision]);
    await tx.client.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, String(tx.revision)]);
  }

  /** The WriteAdmission step, with the resources it reads listed first inside the transaction. */
  private async admit(tx: WriteTransaction, resource: ResourceType, object: KubeObject, previous: KubeObject | undefined): Promise<KubeObject> {
    if (!this.admission) return object;
    const lists = new Map<ResourceType, KubeObject[]>();
    for (const read of this.admission.reads(resource)) lists.set(read, await this.listRows(tx.client, read));
    const list = (listed: ResourceType): KubeObject[] => {
      const objects = lists.get(listed);
      if (!objects) throw new SkiffError('SKIFF_ERR_INTERNAL', `write admission listed ${resourceKey(listed)}, which its reads() did not declare for ${resourceKey(resource)}`);
      return objects;
    };
    return this.admission.admit({ resource, object, previous, list });
  }

  async revision(): Promise<number> {
    return Number((await this.pool.query<{ value: string }>('SELECT value FROM revision WHERE id = 1')).rows[0]!.value);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async putNodeCredential(c: NodeCredential): Promise<void> {
    await this.pool.query(
      `INSERT INTO node_credentials (node, password_hash, created_at, expires_at, previous_password_hash, previous_expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (node) DO UPDATE SET password_hash = EXCLUDED.password_hash, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at,
         previous_password_hash = EXCLUDED.previous_password_hash, previous_expires_at = EXCLUDED.previous_expires_at`,
      [c.node, c.passwordHash, c.createdAt, c.expiresAt ?? null, c.previousPasswordHash ?? null, c.previousExpiresAt ?? null],
    );
  }

  async getNodeCredential(node: string): Promise<NodeCredential | undefined> {
    const { rows } = await this.pool.query<CredentialRow>(
      'SELECT node, password_hash, created_at, expires_at, previous_password_hash, previous_expires_at FROM node_credentials WHERE node = $1',
      [node],
    );
    return rows[0] ? credentialFromRow(rows[0]) : undefined;
  }

  async deleteNodeCredential(node: string): Promise<void> {
    await this.pool.query('DELETE FROM node_credentials WHERE node = $1', [node]);
  }

  async swapNodeCredential(c: NodeCredential, expectedPasswordHash: string): Promise<boolean> {
    const result = await this.pool.query(
      'UPDATE node_credentials SET password_hash = $1, created_at = $2, expires_at = $3, previous_password_hash = $4, previous_expires_at = $5 WHERE node = $6 AND password_hash = $7',
      [c.passwordHash, c.createdAt, c.expiresAt ?? null, c.previousPasswordHash ?? null, c.previousExpiresAt ?? null, c.node, expectedPasswordHash],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async createBootstrapToken(token: BootstrapToken): Promise<void> {
    try {
      await this.pool.query(
        'INSERT INTO bootstrap_tokens (id, secret_hash, description, created_at, expires_at, usage_count, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [token.id, token.secretHash, token.description, token.createdAt, token.expiresAt ?? null, token.usageCount, token.lastUsedAt ?? null],
      );
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new SkiffError('SKIFF_ERR_ALREADY_EXISTS', `bootstrap token "${token.id}" already exists`, { cause: err });
      throw err;
    }
  }

  async getBootstrapToken(id: string): Promise<BootstrapToken | undefined> {
    const { rows } = await this.pool.query<BootstrapTokenRow>('SELECT * FROM bootstrap_tokens WHERE id = $1', [id]);
    return rows[0] ? tokenFromRow(rows[0]) : undefined;
  }

  async listBootstrapTokens(): Promise<BootstrapToken[]> {
    return (await this.pool.query<BootstrapTokenRow>('SELECT * FROM bootstrap_tokens ORDER BY created_at, id')).rows.map(tokenFromRow);
  }

  async deleteBootstrapToken(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM bootstrap_tokens WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async recordBootstrapTokenUse(id: string, at: string): Promise<void> {
    await this.pool.query('UPDATE bootstrap_tokens SET usage_count = usage_count + 1, last_used_at = $1 WHERE id = $2', [at, id]);
  }

  async putServiceAccountToken(token: ServiceAccountToken): Promise<void> {
    await this.pool.query(
      `INSERT INTO service_account_tokens (token_hash, namespace, name, uid, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (token_hash) DO UPDATE SET namespace = EXCLUDED.namespace, name = EXCLUDED.name, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [token.tokenHash, token.namespace, token.name, token.uid, token.expiresAt],
    );
  }

  async getServiceAccountToken(tokenHash: string): Promise<ServiceAccountToken | undefined> {
    const { rows } = await this.pool.query<{ token_hash: string; namespace: string; name: string; uid: string; expires_at: string }>(
      'SELECT token_hash, namespace, name, uid, expires_at FROM service_account_tokens WHERE token_hash = $1',
      [tokenHash],
    );
    const row = rows[0];
    return row ? { tokenHash: row.token_hash, namespace: row.namespace, name: row.name, uid: row.uid, expiresAt: row.expires_at } : undefined;
  }

  async deleteExpiredServiceAccountTokens(now: string): Promise<number> {
    return (await this.pool.query('DELETE FROM service_account_tokens WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }

  async getDispatch(node: string): Promise<DispatchRecord | undefined> {
    const { rows } = await this.pool.query<{ node: string; generation: string; content_hash: string }>('SELECT node, generation, content_hash FROM dispatch WHERE node = $1', [node]);
    const row = rows[0];
    return row ? { node: row.node, generation: Number(row.generation), contentHash: row.content_hash } : undefined;
  }

  async putDispatch(record: DispatchRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO dispatch (node, generation, content_hash) VALUES ($1, $2, $3) ON CONFLICT (node) DO UPDATE SET generation = EXCLUDED.generation, content_hash = EXCLUDED.content_hash',
      [record.node, record.generation, record.contentHash],
    );
  }

  async close(): Promise<void> {
    await this.feed.close();
    this.listeners.clear();
    await this.pool.end();
  }
}

/** Distinct key ids that sealed rows of the objects table use (secret-encryption.ts sealedKeyIds, for PostgreSQL). */
async function sealedKeyIds(pool: pg.Pool): Promise<Set<string>> {
  const { rows } = await pool.query<{ data: string }>('SELECT data FROM objects WHERE left(data, $1) = $2', [ENVELOPE_PREFIX.length, ENVELOPE_PREFIX]);
  return new Set(rows.map((row) => envelopeKeyId(row.data)).filter((id): id is string => id !== undefined));
}
