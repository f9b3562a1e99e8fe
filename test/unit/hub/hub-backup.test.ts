/**
 * `skiff hub backup` / `skiff hub restore` on real SQLite files: an online backup while the store
 * keeps writing, a restore that rebuilds the data dir, and every refusal (running hub, existing
 * data dir, damaged or foreign backup) through the real command tree, with the old data dir
 * left as it was.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { generateKey, writeKeyFile } from '../../../hub/identity/encryption-key.js';
import { backupHub } from '../../../hub/store/backup.js';
import { BACKUP_TABLES } from '../../../hub/store/backup-format.js';
import { restoreHub, RESTORED_GENERATION_JUMP } from '../../../hub/store/restore.js';
import { SecretEncryption } from '../../../hub/store/secret-encryption.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { MIGRATIONS } from '../../../hub/store/sqlite-migrations.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';
import { requireBuild } from '../cli/fixtures/build-check.js';
import { runCli } from '../cli/fixtures/run-cli.js';

const configMaps = resolveResource('configmaps')!;
const secrets = resolveResource('secrets')!;

type Teardown = { teardown(fn: () => void): void };

function tempDir(t: Teardown, prefix = 'skiff-backup-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function configMap(name: string, payload = 'v'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { payload } } as KubeObject;
}

function openStore(dataDir: string): SqliteStore {
  return new SqliteStore(join(dataDir, 'hub.db'), { secretEncryption: new SecretEncryption(join(dataDir, 'encryption.key')) });
}

/** A data dir as a hub leaves it: database with objects, a Secret, a dispatch record, CA and tokens. */
async function hubDataDir(t: Teardown, root: string): Promise<string> {
  const dataDir = join(root, 'hub');
  mkdirSync(join(dataDir, 'tls'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDir, 'tls', 'ca.crt'), '-----BEGIN CERTIFICATE-----\nCA\n', { mode: 0o644 });
  writeFileSync(join(dataDir, 'tls', 'ca.key'), '-----BEGIN PRIVATE KEY-----\nKEY\n', { mode: 0o600 });
  writeFileSync(join(dataDir, 'join-token'), 'K10abc::skiff-join.secret\n', { mode: 0o600 });
  writeFileSync(join(dataDir, 'admin-token'), 'skiff-admin.secret\n', { mode: 0o600 });
  writeFileSync(join(dataDir, 'broker.db'), 'not carried');
  const store = openStore(dataDir);
  for (const name of ['a', 'b', 'c']) await store.create(configMaps, configMap(name));
  await store.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, data: { password: 'aHVudGVyMg==' } } as KubeObject);
  await store.putDispatch({ node: 'pi-1', generation: 41, contentHash: 'h1' });
  await store.close();
  return dataDir;
}

/** Every file under DIR with its content, for "left as it was". */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[join(entry.parentPath, entry.name).slice(dir.length)] = readFileSync(join(entry.parentPath, entry.name), 'base64');
  }
  return out;
}

t.test('a backup taken while the store is being written holds every object written before it started', async (t) => {
  const root = tempDir(t);
  const dataDir = join(root, 'hub');
  mkdirSync(dataDir);
  const store = openStore(dataDir);
  t.teardown(() => store.close());
  // Large enough to span many pages, so the online backup has pages to copy while writes go on.
  const payload = 'x'.repeat(2000);
  for (let i = 0; i < 300; i++) await store.create(configMaps, configMap(`before-${i}`, payload));
  const writtenBefore = (await store.list(configMaps)).map((object) => object.metadata.name);

  let writing = true;
  let writtenDuring = 0;
  const writer = (async () => {
    while (writing) {
      await store.create(configMaps, configMap(`during-${writtenDuring}`, payload));
      writtenDuring++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const result = await backupHub({ dataDir, file: join(root, 'hub.backup') });
  writing = false;
  await writer;
  t.ok(writtenDuring > 0, 'the store kept writing while the backup ran');

  const restored = join(root, 'restored');
  restoreHub({ file: result.file, dataDir: restored, force: false });
  const copy = openStore(restored);
  t.teardown(() => copy.close());
  const names = new Set((await copy.list(configMaps)).map((object) => object.metadata.name ?? ''));
  t.same(
    writtenBefore.filter((name) => !names.has(name ?? '')),
    [],
    'every object written before the backup started is in it',
  );
  t.equal(result.objects, names.size, 'the count printed is the count restored');
  // One consistent snapshot: the objects of a prefix of the writes, and the revision that goes with them.
  const during = [...names].filter((name) => name.startsWith('during-')).map((name) => Number(name.slice('during-'.length)));
  t.ok(during.length <= writtenDuring);
  t.same(
    [...during].sort((x, y) => x - y),
    Array.from({ length: during.length }, (_, i) => i),
    'the writes made during the backup that it holds are the first ones, with no gap',
  );
  const newest = Math.max(...(await copy.list(configMaps)).map((object) => Number(object.metadata.resourceVersion)));
  t.equal(await copy.revision(), newest, 'the revision counter is the one of the same commit');
});

t.test('a backup restores into a new data dir: same identity files and modes, readable Secrets, nothing extra', async (t) => {
  const root = tempDir(t);
  const dataDir = await hubDataDir(t, root);
  const file = join(root, 'hub.backup');
  const backup = await runCliInProcess(['hub', 'backup', file, '--data-dir', dataDir]);
  t.equal(backup.code, 0, backup.stderr);
  const bytes = statSync(file).size;
  t.equal(
    backup.stdout,
    `backed up 4 objects (schema version ${MIGRATIONS.length}) and 5 files (join-token, admin-token, encryption.key, tls/ca.crt, tls/ca.key) of ${dataDir}\n` +
      `wrote ${file} (${bytes} bytes, mode 0600)\n`,
  );
  t.equal(statSync(file).mode & 0o777, 0o600, 'the backup holds keys: owner only');

  const target = join(root, 'elsewhere', 'hub');
  const restore = await runCliInProcess(['hub', 'restore', file], { env: { SKIFF_DATA_DIR: target } });
  t.equal(restore.code, 0, restore.stderr);
  t.match(restore.stdout, `restored 4 objects (schema version ${MIGRATIONS.length}, backed up `);
  t.match(restore.stdout, `start the hub with --data-dir ${target}`);
  for (const name of ['join-token', 'admin-token', 'encryption.key', 'tls/ca.crt', 'tls/ca.key']) {
    t.equal(readFileSync(join(target, name), 'utf8'), readFileSync(join(dataDir, name), 'utf8'), `${name} is restored as it was`);
    t.equal(statSync(join(target, name)).mode & 0o777, statSync(join(dataDir, name)).mode & 0o777, `${name} keeps its mode`);
  }
  t.notOk(existsSync(join(target, 'broker.db')), 'broker.db is not carried: the broker rebuilds it');
  t.equal(statSync(target).mode & 0o777, 0o700);

  const db = new Database(join(target, 'hub.db'), { readonly: true });
  const tables = db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`).all().map((row) => row.name);
  t.notOk(tables.includes(BACKUP_TABLES.files) || tables.includes(BACKUP_TABLES.meta), "the backup's own tables are gone");
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  const restoredBytes = readFileSync(join(target, 'hub.db'));
  t.notOk(restoredBytes.includes(readFileSync(join(dataDir, 'encryption.key'))), 'no page of the restored hub.db still holds the key file');
  t.notOk(restoredBytes.includes('skiff-join.secret'), 'nor the join token');

  const store = openStore(target);
  t.teardown(() => store.close());
  t.same((await store.list(configMaps)).map((object) => object.metadata.name), ['a', 'b', 'c']);
  t.same((await store.get(secrets, 'default', 'db'))?.data, { password: 'aHVudGVyMg==' }, 'Secrets decrypt with the restored key');
  t.same(await store.getDispatch('pi-1'), { node: 'pi-1', generation: 41 + RESTORED_GENERATION_JUMP, contentHash: 'h1' }, 'agents accept what the restored hub publishes');
});

t.test('an empty data dir is restored into without --force', async (t) => {
  const root = tempDir(t);
  const dataDir = await hubDataDir(t, root);
  const { file } = await backupHub({ dataDir, file: join(root, 'hub.backup') });
  const empty = join(root, 'empty');
  mkdirSync(empty);
  const result = await runCliInProcess(['hub', 'restore', file, '--data-dir', empty]);
  t.equal(result.code, 0, result.stderr);
  t.ok(existsSync(join(empty, 'hub.db')));
});

t.test('restore refuses a data dir a hub has open, and leaves it as it was', async (t) => {
  const root = tempDir(t);
  const dataDir = await hubDataDir(t, root);
  const { file } = await backupHub({ dataDir, file: join(root, 'hub.backup') });
  const running = openStore(dataDir);
  t.teardown(() => running.close());
  const before = snapshotTree(dataDir);
  const result = await runCliInProcess(['hub', 'restore', file, '--data-dir', dataDir, '--force']);
  t.same(result, { code: 1, stdout: '', stderr: `error: a hub is running on ${dataDir} (${join(dataDir, 'hub.db')} is in use): stop it before restoring\n` });
  t.same(snapshotTree(dataDir), before);
  t.same(readdirSync(root).sort(), ['hub', 'hub.backup'], 'no staging dir is left behind');
});

t.test('restore replaces a data dir that holds files only with --force, keeping the old one aside', async (t) => {
  const root = tempDir(t);
  const dataDir = await hubDataDir(t, root);
  const { file } = await backupHub({ dataDir, file: join(root, 'hub.backup') });
  const store = openStore(dataDir);
  await store.create(configMaps, configMap('after-the-backup'));
  await store.close();
  const before = snapshotTree(dataDir);

  const refused = await runCliInProcess(['hub', 'restore', file, '--data-dir', dataDir]);
  t.same(refused, {
    code: 1,
    stdout: '',
    stderr: `error: data dir ${dataDir} already holds a hub's files: pass --force to replace it (it is kept as ${dataDir}.pre-restore-TIMESTAMP)\n`,
  });
  t.same(snapshotTree(dataDir), before);

  const forced = await runCliInProcess(['hub', 'restore', file, '--data-dir', dataDir, '--force']);
  t.equal(forced.code, 0, forced.stderr);
  const kept = readdirSync(root).find((name) => name.startsWith('hub.pre-restore-'));
  t.ok(kept, 'the replaced data dir is kept');
  t.match(forced.stdout, `the previous data dir is kept as ${join(root, kept!)}: delete it once the restored hub works`);
  t.same(snapshotTree(join(root, kept!)), before, 'and holds what it held');
  const restored = openStore(dataDir);
  t.teardown(() => restored.close());
  t.notOk(await restored.get(configMaps, 'default', 'after-the-backup'), 'the data dir is the backup again');
});

t.test('a data dir whose hub.db is itself damaged can be replaced (that is what backups are for)', async (t) => {
  const root = tempDir(t);
  const dataDir = await hubDataDir(t, root);
  const { file } = await backupHub({ dataDir, file: join(root, 'hub.backup') });
  writeFileSync(join(dataDir, 'hub.db'), 'garbage where the database was'.repeat(100));
  const result = await runCliInProcess(['hub', 'restore', file, '--data-dir', dataDir, '--force']);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, 'the replaced hub.db was unreadable (file is not a database)');
  const store = openStore(dataDir);
  t.teardown(() => store.close());
  t.equal((await store.list(configMaps)).length, 3);
});

t.test('a damaged, foreign or too-new backup is refused before anything is touched', async (t) => {
  const root = tempDir(t);
  const dataDir = await hubDataDir(t, root);
  const { file } = await backupHub({ dataDir, file: join(root, 'hub.backup') });
  const before = snapshotTree(dataDir);
  const variant = (name: string, change: (db: Database.Database) => void): string => {
    const copy = join(root, name);
    copyFileSync(file, copy);
    const db = new Database(copy);
    change(db);
    db.close();
    return copy;
  };
  const garbled = join(root, 'garbled.backup');
  const bytes = readFileSync(file);
  // Page 2 onwards overwritten: the header still says SQLite, the b-trees are garbage.
  bytes.fill(0x5a, 4096, 4096 * 3);
  writeFileSync(garbled, bytes);
  const notSqlite = join(root, 'notes.txt');
  writeFileSync(notSqlite, 'hello, this is not a backup at all, just some text long enough to be read'.repeat(20));

  const cases: Array<{ name: string; file: string; stderr: string | RegExp }> = [
    { name: 'a missing file', file: join(root, 'missing.backup'), stderr: `error: no backup file at ${join(root, 'missing.backup')}\n` },
    { name: 'not SQLite at all', file: notSqlite, stderr: `error: ${notSqlite} is not a readable Skiff hub backup (file is not a database)\n` },
    { name: 'damaged pages', file: garbled, stderr: new RegExp(`^error: (backup ${garbled} is damaged \\(integrity_check: |${garbled} is not a readable Skiff hub backup)`) },
    {
      name: 'a bare hub.db',
      file: join(dataDir, 'hub.db'),
      stderr: `error: ${join(dataDir, 'hub.db')} is not a Skiff hub backup (no ${BACKUP_TABLES.meta} table; a hub.db is restored from a file \`skiff hub backup\` wrote)\n`,
    },
    {
      name: 'a newer format',
      file: variant('newer-format.backup', (db) => db.prepare(`UPDATE ${BACKUP_TABLES.meta} SET value = '2' WHERE key = 'formatVersion'`).run()),
      stderr: `error: backup ${join(root, 'newer-format.backup')} has format version 2, newer than this Skiff reads (1): restore it with a newer Skiff\n`,
    },
    {
      name: 'a newer schema',
      file: variant('newer-schema.backup', (db) => db.pragma(`user_version = ${MIGRATIONS.length + 1}`)),
      stderr: `error: backup ${join(root, 'newer-schema.backup')} holds a database of schema version ${MIGRATIONS.length + 1}, newer than this Skiff's (${MIGRATIONS.length}): restore it with the Skiff version that made it\n`,
    },
    {
      name: 'a file that does not match its checksum',
      file: variant('tampered.backup', (db) => db.prepare(`UPDATE ${BACKUP_TABLES.files} SET content = ? WHERE path = 'tls/ca.key'`).run(Buffer.from('another key'))),
      stderr: `error: backup ${join(root, 'tampered.backup')} is damaged: tls/ca.key does not match its checksum\n`,
    },
    {
      name: 'a path outside the data dir',
      file: variant('escape.backup', (db) => db.prepare(`UPDATE ${BACKUP_TABLES.files} SET path = '../../etc/cron.d/x' WHERE path = 'join-token'`).run()),
      stderr: `error: backup ${join(root, 'escape.backup')} holds an unexpected file "../../etc/cron.d/x"\n`,
    },
  ];
  for (const { name, file: candidate, stderr } of cases) {
    const result = await runCliInProcess(['hub', 'restore', candidate, '--data-dir', dataDir, '--force']);
    t.equal(result.code, 1, `${name}: exit 1`);
    t.equal(result.stdout, '', `${name}: prints nothing on stdout`);
    if (typeof stderr === 'string') t.equal(result.stderr, stderr, name);
    else t.match(result.stderr, stderr, name);
    t.same(snapshotTree(dataDir), before, `${name}: the data dir is untouched`);
  }
  t.notOk(readdirSync(root).some((name) => name.includes('.restore-') || name.includes('.pre-restore-')), 'no staging or replaced dir is left behind');
});

t.test('backup needs a data dir with a database, and refuses a key file that cannot open its Secrets', async (t) => {
  const root = tempDir(t);
  t.same(await runCliInProcess(['hub', 'backup', join(root, 'x.backup')]), { code: 1, stdout: '', stderr: 'error: --data-dir is required (or set $SKIFF_DATA_DIR)\n' });
  const missing = await runCliInProcess(['hub', 'backup', join(root, 'x.backup'), '--data-dir', root]);
  t.same(missing, { code: 1, stdout: '', stderr: `error: no hub database at ${join(root, 'hub.db')} (is --data-dir right?)\n` });
  const noDir = await runCliInProcess(['hub', 'backup', join(root, 'nowhere', 'x.backup'), '--data-dir', root]);
  t.equal(noDir.code, 1);

  const dataDir = await hubDataDir(t, root);
  const otherKeys = join(root, 'other.key');
  writeKeyFile(otherKeys, [generateKey()]);
  const wrongKeys = await runCliInProcess(['hub', 'backup', join(root, 'x.backup'), '--data-dir', dataDir], { env: { SKIFF_ENCRYPTION_KEY_FILE: otherKeys } });
  t.equal(wrongKeys.code, 1);
  t.match(wrongKeys.stderr, `error: encryption key file ${otherKeys} lacks key(s) `);
  const lostKeys = await runCliInProcess(['hub', 'backup', join(root, 'x.backup'), '--data-dir', dataDir, '--encryption-key-file', join(root, 'lost.key')]);
  t.equal(lostKeys.code, 1);
  t.match(lostKeys.stderr, `error: encryption key file ${join(root, 'lost.key')} not found, but the database holds Secrets encrypted with key(s) `);
  t.notOk(readdirSync(root).some((name) => name.startsWith('x.backup')), 'a failed backup leaves no file, partial or not');
});

t.test('a failed backup never replaces the previous one', async (t) => {
  const root = tempDir(t);
  const dataDir = await hubDataDir(t, root);
  const file = join(root, 'hub.backup');
  await backupHub({ dataDir, file });
  const good = readFileSync(file);
  // An unreadable key file (a directory: a 0000 mode would not stop root) fails the backup after the database copy.
  rmSync(join(dataDir, 'encryption.key'));
  mkdirSync(join(dataDir, 'encryption.key'));
  await t.rejects(backupHub({ dataDir, file }));
  t.same(readFileSync(file), good);
  t.same(readdirSync(root).sort(), ['hub', 'hub.backup']);
});

if (requireBuild(t)) {
  t.test('the executable exits 1 with the message when a restore is refused', async (t) => {
    const root = tempDir(t);
    const dataDir = await hubDataDir(t, root);
    const { file } = await backupHub({ dataDir, file: join(root, 'hub.backup') });
    t.same(await runCli(['hub', 'restore', file, '--data-dir', dataDir]), {
      code: 1,
      stdout: '',
      stderr: `error: data dir ${dataDir} already holds a hub's files: pass --force to replace it (it is kept as ${dataDir}.pre-restore-TIMESTAMP)\n`,
    });
  });
}
