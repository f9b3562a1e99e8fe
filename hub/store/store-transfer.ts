/**
 * `skiff hub migrate-store --from ENDPOINT --to ENDPOINT`: moves a hub's whole state from one
 * datastore to another (SQLite to PostgreSQL when a fleet outgrows one hub machine, or back),
 * row for row: every object keeps its uid, resourceVersion and JSON (Secrets stay sealed with
 * the same key file), the global revision carries over, and node credentials, join tokens,
 * ServiceAccount tokens and dispatch generations come along, so agents and clients notice
 * nothing but the hub's restart. Both schemas hold these tables with the same columns.
 *
 * The copy is one transaction on the target, checked by counting rows on both sides before it
 * commits: a failure leaves the target as empty as it was. The source must not change meanwhile:
 * a SQLite source that a hub has open is refused (the fleet's agents keep their Pods running
 * while the hub is stopped); the target must be empty, so nothing is ever overwritten.
 */
import type pg from 'pg';
import { SkiffError } from '../../shared/errors.js';
import { describeDatastore, type Datastore } from './datastore-endpoint.js';

/** The tables a hub's state lives in, with the columns both backends give them. */
export const TRANSFERRED_TABLES: ReadonlyArray<{ table: string; columns: readonly string[] }> = [
  { table: 'objects', columns: ['resource', 'namespace', 'name', 'uid', 'resource_version', 'data'] },
  { table: 'node_credentials', columns: ['node', 'password_hash', 'created_at', 'expires_at', 'previous_password_hash', 'previous_expires_at'] },
  { table: 'bootstrap_tokens', columns: ['id', 'secret_hash', 'description', 'created_at', 'expires_at', 'usage_count', 'last_used_at'] },
  { table: 'service_account_tokens', columns: ['token_hash', 'namespace', 'name', 'uid', 'expires_at'] },
  { table: 'dispatch', columns: ['node', 'generation', 'content_hash'] },
];

type Row = unknown[];

const INTEGER_COLUMNS = new Set(['resource_version', 'generation', 'usage_count']);

export interface StateSnapshot {
  revision: number;
  tables: Map<string, Row[]>;
}

/** One side of a transfer: its state read at once, or written into it in one transaction. */
interface TransferEnd {
  read(): Promise<StateSnapshot>;
  /** Rows in the objects table and the revision, to tell an empty target. */
  occupancy(): Promise<{ objects: number; revision: number }>;
  /** Writes everything, checks the counts, commits; nothing is left on failure. */
  write(snapshot: StateSnapshot): Promise<void>;
  close(): Promise<void>;
}

export interface TransferResult {
  revision: number;
  /** Rows copied, per table. */
  counts: Record<string, number>;
}

export async function transferStore(from: Datastore, to: Datastore): Promise<TransferResult> {
  if (describeDatastore(from) === describeDatastore(to)) throw new SkiffError('SKIFF_ERR_CONFIG', `--from and --to name the same datastore (${describeDatastore(from)})`);
  const source = await openEnd(from, 'source');
  try {
    const target = await openEnd(to, 'target');
    try {
      const occupied = await target.occupancy();
      if (occupied.objects > 0 || occupied.revision > 0) {
        throw new SkiffError(
          'SKIFF_ERR_CONFIG',
          `the target ${describeDatastore(to)} already holds a hub's state (${occupied.objects} objects, revision ${occupied.revision}); migrate-store only fills an empty datastore`,
        );
      }
      const snapshot = await source.read();
      await target.write(snapshot);
      const counts: Record<string, number> = {};
      for (const [table, rows] of snapshot.tables) counts[table] = rows.length;
      return { revision: snapshot.revision, counts };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

async function openEnd(datastore: Datastore, role: 'source' | 'target'): Promise<TransferEnd> {
  return datastore.kind === 'sqlite' ? openSqliteEnd(datastore.file, role) : openPostgresEnd(datastore.url);
}

function countMismatch(table: string, expected: number, found: number, where: string): SkiffError {
  return new SkiffError('SKIFF_ERR_INTERNAL', `migrate-store: ${table} has ${found} rows in ${where} after the copy, ${expected} were read; nothing was committed`);
}

async function openSqliteEnd(file: string, role: 'source' | 'target'): Promise<TransferEnd> {
  const { existsSync } = await import('node:fs');
  const { openDurableDatabase } = await import('../../shared/sqlite.js');
  const { MIGRATIONS } = await import('./sqlite-migrations.js');
  const { databaseInUse } = await import('./database-in-use.js');
  if (role === 'source') {
    if (!existsSync(file)) throw new SkiffError('SKIFF_ERR_CONFIG', `no hub database at ${file} (the --from datastore)`);
    const use = databaseInUse(file);
    if (use.state === 'in-use') throw new SkiffError('SKIFF_ERR_CONFIG', `${file} is open in a running hub: stop it first (its agents keep their Pods running meanwhile)`);
    if (use.state === 'unreadable') throw new SkiffError('SKIFF_ERR_CONFIG', `${file} is not a hub database SQLite can read: ${use.reason}`);
  }
  const db = openDurableDatabase(file, MIGRATIONS);
  const revision = (): number => (db.prepare('SELECT value FROM revision WHERE id = 1').get() as { value: number }).value;
  return {
    async read() {
      return db.transaction(() => {
        const tables = new Map<string, Row[]>();
        for (const { table, columns } of TRANSFERRED_TABLES) tables.set(table, db.prepare(`SELECT ${columns.join(', ')} FROM ${table}`).raw().all() as Row[]);
        return { revision: revision(), tables };
      })();
    },
    async occupancy() {
      return { objects: (db.prepare('SELECT count(*) AS n FROM objects').get() as { n: number }).n, revision: revision() };
    },
    async write(snapshot) {
      db.transaction(() => {
        for (const { table, columns } of TRANSFERRED_TABLES) {
          const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
          const rows = snapshot.tables.get(table) ?? [];
          for (const row of rows) insert.run(...row);
          const found = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
          if (found !== rows.length) throw countMismatch(table, rows.length, found, file);
        }
        db.prepare('UPDATE revision SET value = ? WHERE id = 1').run(snapshot.revision);
      })();
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgresEnd(url: string): Promise<TransferEnd> {
  const { openPool, migratePostgres } = await import('./postgres-pool.js');
  let idleError: Error | undefined;
  const pool = openPool(url, (err) => (idleError = err));
  try {
    await migratePostgres(pool, url);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const inTransaction = async <T>(mode: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query(`BEGIN ${mode}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined); // the error that matters is err
      throw err;
    } finally {
      client.release();
    }
  };
  const revisionOf = async (client: pg.Pool | pg.PoolClient): Promise<number> => Number((await client.query<{ value: string }>('SELECT value FROM revision WHERE id = 1')).rows[0]!.value);
  return {
    read: () =>
      // One snapshot of every table: REPEATABLE READ sees the database as of the transaction's first read.
      inTransaction('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
        const tables = new Map<string, Row[]>();
        for (const { table, columns } of TRANSFERRED_TABLES) {
          const { rows } = await client.query<Row>({ text: `SELECT ${columns.join(', ')} FROM ${table}`, rowMode: 'array' });
          // BIGINT arrives as a string (it may not fit a double); these counters always do.
          tables.set(table, rows.map((row) => row.map((v, i) => (INTEGER_COLUMNS.has(columns[i]!) && v !== null ? Number(v) : v))));
        }
        return { revision: await revisionOf(client), tables };
      }),
    async occupancy() {
      return { objects: Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM objects')).rows[0]!.n), revision: await revisionOf(pool) };
    },
    write: (snapshot) =>
      inTransaction('', async (client) => {
        await client.query('SELECT value FROM revision WHERE id = 1 FOR UPDATE'); // no hub writes meanwhile
        for (const { table, columns } of TRANSFERRED_TABLES) {
          const rows = snapshot.tables.get(table) ?? [];
          // Multi-row INSERTs of up to 500 rows (PostgreSQL takes at most 65,535 parameters per statement).
          for (let start = 0; start < rows.length; start += 500) {
            const chunk = rows.slice(start, start + 500);
            const values = chunk.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
            await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`, chunk.flat());
          }
          const found = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
          if (found !== rows.length) throw countMismatch(table, rows.length, found, describeDatastore({ kind: 'postgres', url }));
        }
        await client.query('UPDATE revision SET value = $1 WHERE id = 1', [snapshot.revision]);
      }),
    async close() {
      await pool.end();
      if (idleError) throw new SkiffError('SKIFF_ERR_INTERNAL', `the datastore connection failed: ${idleError.message}`, { cause: idleError });
    },
  };
}
