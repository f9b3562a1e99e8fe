/**
 * Connecting the hub to PostgreSQL (`--datastore-endpoint postgres://...`, as k3s's kine takes
 * it): a connection pool, the schema migrations (postgres-migrations.ts) run once under an
 * advisory lock, and the write transaction every object write runs in.
 */
import pg from 'pg';
import { SkiffError } from '../../shared/errors.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { describeDatastore } from './datastore-endpoint.js';

/** pg_advisory_xact_lock key of the migrations ("skif" in ASCII): hubs that start together migrate one after the other. */
const MIGRATION_LOCK = 0x736b6966;

/** The endpoint without its password, for messages and logs. */
function redactEndpoint(url: string): string {
  return describeDatastore({ kind: 'postgres', url });
}

export function openPool(url: string, onIdleError: (err: Error) => void): pg.Pool {
  // The pool's idle clients report a lost server here; without a listener, that would crash the hub.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  pool.on('error', onIdleError);
  return pool;
}

/** Brings the schema to the newest version; refuses a database written by a newer Skiff. */
export async function migratePostgres(pool: pg.Pool, url: string, migrations: readonly string[] = POSTGRES_MIGRATIONS): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `cannot connect to the datastore ${redactEndpoint(url)}: ${(err as Error).message}`, { cause: err });
  }
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS skiff_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    await client.query('INSERT INTO skiff_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING');
    const current = Number((await client.query<{ version: number }>('SELECT version FROM skiff_schema WHERE id = 1')).rows[0]!.version);
    if (current > migrations.length) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `datastore ${redactEndpoint(url)} has schema version ${current}, newer than this Skiff (${migrations.length}); upgrade Skiff`);
    }
    for (let version = current; version < migrations.length; version++) await client.query(migrations[version]!);
    await client.query('UPDATE skiff_schema SET version = $1 WHERE id = 1', [migrations.length]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined); // the error below is the one that matters
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Runs `work` in a transaction that holds the revision row's lock, and commits it. Every write
 * takes that lock first, so writes commit one at a time in revision order, and a reader of the
 * change log that has seen revision N has seen every write before it.
 */
export async function inWriteTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient, revision: number) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const locked = await client.query<{ value: string }>('SELECT value FROM revision WHERE id = 1 FOR UPDATE');
    const result = await work(client, Number(locked.rows[0]!.value));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection whose ROLLBACK fails is not given back to the pool.
    await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    client.release(broken);
  }
}
