/**
 * The upgrade path between Skiff versions (docs/operations.md): a hub database written by an
 * older schema version opens with the current SqliteStore, every later migration applies, and
 * what the old version stored reads back. The oldest database is a frozen text fixture
 * (test/fixtures/hub-store-v1.sql), not derived from MIGRATIONS, so an edit to a released
 * migration shows up here too; every later version is built by applying the first N migrations.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { migrate } from '../../../shared/sqlite.js';
import { backupHub } from '../../../hub/store/backup.js';
import { restoreHub } from '../../../hub/store/restore.js';
import { SecretEncryption } from '../../../hub/store/secret-encryption.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { MIGRATIONS } from '../../../hub/store/sqlite-migrations.js';
import { repoRoot } from '../../helpers/repo.js';

const FIXTURE = join(repoRoot(), 'test', 'fixtures', 'hub-store-v1.sql');
const namespaces = resolveResource('namespaces')!;
const deployments = resolveResource('deployments')!;
const configMaps = resolveResource('configmaps')!;
const secrets = resolveResource('secrets')!;
const nodes = resolveResource('nodes')!;

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-upgrade-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** DIR/hub.db as schema version 1 wrote it. */
function versionOneDatabase(dir: string): string {
  const file = join(dir, 'hub.db');
  const db = new Database(file);
  db.exec(readFileSync(FIXTURE, 'utf8'));
  db.close();
  return file;
}

function schemaVersion(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** The schema as SQLite records it, whitespace collapsed: what two databases must agree on. */
function schemaOf(db: Database.Database): Array<{ type: string; name: string; sql: string }> {
  return db
    .prepare<[], { type: string; name: string; sql: string | null }>(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all()
    .map((row) => ({ type: row.type, name: row.name, sql: (row.sql ?? '').replace(/\s+/g, ' ') }));
}

t.test('the version 1 fixture is what migration 1 creates (a released migration is never edited)', async (t) => {
  const fromFixture = new Database(':memory:');
  fromFixture.exec(readFileSync(FIXTURE, 'utf8'));
  const fromMigration = new Database(':memory:');
  migrate(fromMigration, MIGRATIONS.slice(0, 1));
  t.same(schemaOf(fromMigration).map((row) => row.name), ['dispatch', 'node_credentials', 'objects', 'revision']);
  t.same(schemaOf(fromFixture), schemaOf(fromMigration));
  t.equal(fromFixture.pragma('user_version', { simple: true }), 1);
  fromFixture.close();
  fromMigration.close();
});

t.test('a version 1 database opens with the current store: every migration applies, every row reads back', async (t) => {
  const dir = tempDir(t);
  const file = versionOneDatabase(dir);
  const store = new SqliteStore(file, { secretEncryption: new SecretEncryption(join(dir, 'encryption.key')) });
  t.teardown(() => store.close());
  t.equal(schemaVersion(file), MIGRATIONS.length, `migrated from 1 to ${MIGRATIONS.length}`);

  t.equal((await store.get(namespaces, undefined, 'default'))?.metadata.uid, '0b1c4b2e-0000-4000-8000-000000000001');
  const web = await store.get(deployments, 'default', 'web');
  t.equal(web?.metadata.resourceVersion, '2');
  t.match(web, { spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'skiff-test/web:1' }] } } } });
  t.same((await store.list(configMaps, 'default')).map((object) => object.data), [{ greeting: 'hello' }]);
  t.same((await store.get(secrets, 'default', 'web-secret'))?.data, { password: 'aHVudGVyMg==' }, 'a plaintext Secret from before encryption at rest reads back');
  t.equal((await store.list(nodes)).length, 1);

  const credential = await store.getNodeCredential('pi-1');
  t.equal(credential?.createdAt, '2026-01-10T08:04:00.000Z');
  t.match(credential?.passwordHash, /^[0-9a-f]+:[0-9a-f]+$/, 'the old scrypt hash is kept (verified until the next renewal)');
  t.equal(credential?.expiresAt, undefined, 'credentials from before expiry existed never expire');
  t.same(await store.getDispatch('pi-1'), { node: 'pi-1', generation: 3, contentHash: 'sha256:5f1d0c' });

  // What later migrations added works on the upgraded file, and revisions go on from the old counter.
  t.same(await store.listBootstrapTokens(), []);
  await store.putServiceAccountToken({ tokenHash: 'h', namespace: 'default', name: 'default', uid: 'u', expiresAt: '2030-01-01T00:00:00.000Z' });
  t.equal((await store.getServiceAccountToken('h'))?.name, 'default');
  t.equal(await store.revision(), 5);
  const created = await store.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new', namespace: 'default' }, data: {} } as KubeObject);
  t.equal(created.metadata.resourceVersion, '6');
});

t.test('a database of every older schema version upgrades', async (t) => {
  for (let version = 1; version < MIGRATIONS.length; version++) {
    await t.test(`from version ${version}`, async (t) => {
      const dir = tempDir(t);
      const file = join(dir, 'hub.db');
      const old = new Database(file);
      old.pragma('journal_mode = WAL');
      migrate(old, MIGRATIONS.slice(0, version));
      // Rows in the columns every version has had since 1.
      old.prepare('INSERT INTO objects (resource, namespace, name, uid, resource_version, data) VALUES (?, ?, ?, ?, ?, ?)').run(
        '/configmaps',
        'default',
        'kept',
        'uid-kept',
        1,
        JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', namespace: 'default', uid: 'uid-kept', resourceVersion: '1' }, data: { v: String(version) } }),
      );
      old.prepare('UPDATE revision SET value = 1').run();
      old.prepare('INSERT INTO node_credentials (node, password_hash, created_at) VALUES (?, ?, ?)').run('pi-1', 'sha256:00', '2026-01-10T08:04:00.000Z');
      old.close();

      const store = new SqliteStore(file);
      t.teardown(() => store.close());
      t.equal(schemaVersion(file), MIGRATIONS.length);
      t.same((await store.get(configMaps, 'default', 'kept'))?.data, { v: String(version) });
      t.equal((await store.getNodeCredential('pi-1'))?.passwordHash, 'sha256:00');
      t.equal(await store.revision(), 1);
    });
  }
});

t.test('a backup of an older database restores as it was and upgrades when the hub opens it (the documented upgrade path)', async (t) => {
  const root = tempDir(t);
  const oldDir = join(root, 'old');
  mkdirSync(oldDir);
  versionOneDatabase(oldDir);
  const { file } = await backupHub({ dataDir: oldDir, file: join(root, 'v1.backup') });
  const restoredDir = join(root, 'restored');
  const result = restoreHub({ file, dataDir: restoredDir, force: false });
  t.equal(result.schemaVersion, 1);
  t.equal(schemaVersion(join(restoredDir, 'hub.db')), 1, 'restore runs no migration: the old version can still open it (rollback)');
  const store = new SqliteStore(join(restoredDir, 'hub.db'), { secretEncryption: new SecretEncryption(join(restoredDir, 'encryption.key')) });
  t.teardown(() => store.close());
  t.equal(schemaVersion(join(restoredDir, 'hub.db')), MIGRATIONS.length);
  t.equal((await store.get(deployments, 'default', 'web'))?.metadata.uid, '0b1c4b2e-0000-4000-8000-000000000002');
  t.same((await store.get(secrets, 'default', 'web-secret'))?.data, { password: 'aHVudGVyMg==' });
});
