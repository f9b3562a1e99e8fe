/**
 * A private PostgreSQL 15 server (Debian's postgresql-15) for one test file: initdb into a temp
 * dir, listening on a free loopback port with password authentication (scram-sha-256), as a
 * hub's `--datastore-endpoint postgres://user:password@host/db` reaches a real one. The server
 * runs as the `postgres` system user when the tests run as root (initdb refuses root). fsync is
 * off: these tests check what the hub does, not PostgreSQL's durability, and a test database
 * is thrown away.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import { stop } from './processes.js';
import { waitFor } from './wait.js';

const BIN = '/usr/lib/postgresql/15/bin';
const USER = 'skiff';
const PASSWORD = 'skiff-test-password';

export interface LocalPostgres {
  port: number;
  /** A connection URL of database `database` (default: the server's own `postgres` database). */
  url(database?: string): string;
  /** Creates a new, empty database and returns its URL. */
  createDatabase(): Promise<string>;
  close(): Promise<void>;
}

let databases = 0;

export async function startPostgres(): Promise<LocalPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-postgres-'));
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString()) : undefined;
  const group = asRoot ? Number(execFileSync('id', ['-g', 'postgres']).toString()) : undefined;
  if (owner !== undefined && group !== undefined) chownSync(dir, owner, group);
  // Started directly under the postgres user's ids, so that signals reach PostgreSQL itself.
  const asOwner = owner !== undefined && group !== undefined ? { uid: owner, gid: group, env: { ...process.env, HOME: dir } } : {};

  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, PASSWORD);
  if (owner !== undefined && group !== undefined) chownSync(passwordFile, owner, group);
  const data = join(dir, 'data');
  execFileSync(join(BIN, 'initdb'), ['-D', data, '-U', USER, '--pwfile', passwordFile, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-sync'], { stdio: 'pipe', cwd: dir, ...asOwner });

  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'];
  const child = spawn(join(BIN, 'postgres'), args, { stdio: 'ignore', cwd: dir, ...asOwner });
  const url = (database = 'postgres'): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  await waitFor('PostgreSQL to accept connections', async () => {
    const client = new pg.Client({ connectionString: url() });
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }, { timeoutMs: 30_000, intervalMs: 100 });

  return {
    port,
    url,
    async createDatabase() {
      const name = `skiff_${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async close() {
      // SIGINT: PostgreSQL's fast shutdown (disconnects clients, then exits).
      await stop(child, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
