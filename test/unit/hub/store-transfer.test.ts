/**
 * migrate-store's copy (hub/store/store-transfer.ts) on real files and a real PostgreSQL 15:
 * SQLite to PostgreSQL and back, every row equal, Secrets still sealed and readable with the
 * same key, the revision carried over, and the target's refusals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { PostgresStore } from '../../../hub/store/postgres-store.js';
import { SecretEncryption } from '../../../hub/store/secret-encryption.js';
import { TRANSFERRED_TABLES, transferStore } from '../../../hub/store/store-transfer.js';
import { startPostgres } from '../../helpers/postgres.js';

const pods = resolveResource('pods')!;
const secrets = resolveResource('secrets')!;
const nodes = resolveResource('nodes')!;

const server = await startPostgres();
t.teardown(() => server.close());
const dir = mkdtempSync(join(tmpdir(), 'skiff-transfer-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const keyFile = join(dir, 'encryption.key');
const log = { warn: () => {}, error: () => {} };

function rows(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const { table, columns } of TRANSFERRED_TABLES) out[table] = db.prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY 1, 2`).raw().all();
    out.revision = db.prepare('SELECT value FROM revision').raw().all();
    return out;
  } finally {
    db.close();
  }
}

t.test('SQLite to PostgreSQL and back: every row, the revision, sealed Secrets', async (t) => {
  const source = join(dir, 'source.db');
  const store = new SqliteStore(source, { secretEncryption: new SecretEncryption(keyFile) });
  await store.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-1' } });
  for (const name of ['a', 'b']) await store.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject);
  await store.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { k: 'dmFsdWU=' } } as KubeObject);
  await store.delete(pods, 'default', 'b');
  await store.putNodeCredential({ node: 'pi-1', passwordHash: 'sha256:abc', createdAt: '2026-12-01T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' });
  await store.createBootstrapToken({ id: 'abcdef', secretHash: 'f'.repeat(64), description: 'd', createdAt: '2026-12-01T00:00:00Z', usageCount: 3 });
  await store.putServiceAccountToken({ tokenHash: 'e'.repeat(64), namespace: 'default', name: 'default', uid: 'u', expiresAt: '2027-01-01T00:00:00Z' });
  await store.putDispatch({ node: 'pi-1', generation: 9, contentHash: 'h' });
  const revision = await store.revision();
  await store.close();

  const url = await server.createDatabase();
  const there = await transferStore({ kind: 'sqlite', file: source }, { kind: 'postgres', url });
  t.same(there, { revision, counts: { objects: 3, node_credentials: 1, bootstrap_tokens: 1, service_account_tokens: 1, dispatch: 1 } });

  const onPostgres = await PostgresStore.open(url, { log, secretEncryption: new SecretEncryption(keyFile) });
  t.equal(await onPostgres.revision(), revision);
  t.same(((await onPostgres.get(secrets, 'default', 's')) as { data?: object })?.data, { k: 'dmFsdWU=' }, 'the Secret reads with the same key file');
  t.same((await onPostgres.list(pods)).map((p) => p.metadata.name), ['a']);
  t.equal((await onPostgres.getBootstrapToken('abcdef'))?.usageCount, 3);
  t.equal((await onPostgres.getDispatch('pi-1'))?.generation, 9);
  const next = await onPostgres.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject);
  t.equal(Number(next.metadata.resourceVersion), revision + 1, 'revisions go on from where SQLite stopped');
  await onPostgres.delete(pods, 'default', 'c');
  await onPostgres.close();

  const back = join(dir, 'back.db');
  const returned = await transferStore({ kind: 'postgres', url }, { kind: 'sqlite', file: back });
  t.equal(returned.revision, revision + 2);
  const a = rows(source);
  const b = rows(back);
  t.same(b.objects, a.objects, 'objects byte for byte (sealed Secret included)');
  for (const table of ['node_credentials', 'bootstrap_tokens', 'service_account_tokens', 'dispatch']) t.same(b[table], a[table], table);
  t.same(b.revision, [[revision + 2]]);
});

t.test('the target must be empty, and not the source itself; nothing is written into a filled one', async (t) => {
  const url = await server.createDatabase();
  const filled = await PostgresStore.open(url, { log });
  await filled.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'existing' } });
  await filled.close();
  const source = join(dir, 'small.db');
  const store = new SqliteStore(source);
  await store.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'new' } });
  await store.close();
  await t.rejects(transferStore({ kind: 'sqlite', file: source }, { kind: 'postgres', url }), {
    code: 'SKIFF_ERR_CONFIG',
    message: /already holds a hub's state \(1 objects, revision 1\); migrate-store only fills an empty datastore/,
  });
  const check = await PostgresStore.open(url, { log });
  t.same((await check.list(nodes)).map((n) => n.metadata.name), ['existing']);
  await check.close();
  await t.rejects(transferStore({ kind: 'sqlite', file: source }, { kind: 'sqlite', file: source }), { message: /--from and --to name the same datastore/ });
  await t.rejects(transferStore({ kind: 'sqlite', file: join(dir, 'missing.db') }, { kind: 'postgres', url }), { message: /no hub database at .*missing\.db \(the --from datastore\)/ });
});
