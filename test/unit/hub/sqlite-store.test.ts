import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { MIGRATIONS } from '../../../hub/store/sqlite-migrations.js';
import { storeContract } from './store-contract.js';

function tempFile(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'hub.db');
}

t.test('SqliteStore passes the store contract', async (t) => {
  storeContract(t, async () => {
    const file = tempFile(t);
    return { store: new SqliteStore(file), reopen: async () => new SqliteStore(file) };
  });
});

t.test('opens in WAL mode with synchronous FULL at the newest schema version', async (t) => {
  const file = tempFile(t);
  const store = new SqliteStore(file);
  await store.close();
  const db = new Database(file);
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  db.close();
});

t.test('refuses a database written by a newer Skiff', async (t) => {
  const file = tempFile(t);
  const db = new Database(file);
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  t.throws(() => new SqliteStore(file), /newer than this Skiff/);
});
