/**
 * The SQLite store with Secret encryption on, and `rotateEncryptionKey` on a real database file:
 * Secret rows hold no plaintext (in hub.db nor its WAL), reads are transparent, rows from before
 * encryption still read and get sealed, a lost or wrong key file stops the store from opening,
 * and a rotation re-encrypts every row, prunes only unused keys, and works beside an open store.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { ENVELOPE_PREFIX, SecretEncryption } from '../../../hub/store/secret-encryption.js';
import { rotateEncryptionKey } from '../../../hub/store/secret-key-rotation.js';
import { generateKey, readKeyFile, writeKeyFile } from '../../../hub/identity/encryption-key.js';
import { storeContract } from './store-contract.js';

const secrets = resolveResource('secrets')!;
const configMaps = resolveResource('configmaps')!;

const SENTINEL = 's3cr3t-SENTINEL-store';
const SENTINEL_B64 = Buffer.from(SENTINEL).toString('base64');

function secret(name: string, value = SENTINEL, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data: { password: Buffer.from(value).toString('base64') } } as KubeObject;
}

interface Files {
  db: string;
  keyFile: string;
}

function tempFiles(t: { teardown(fn: () => void): void }): Files {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-enc-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { db: join(dir, 'hub.db'), keyFile: join(dir, 'encryption.key') };
}

function openStore(files: Files): SqliteStore {
  return new SqliteStore(files.db, { secretEncryption: new SecretEncryption(files.keyFile) });
}

/** Every byte SQLite keeps for the database: the file, its WAL and shared memory. */
function rawBytes(files: Files): string {
  return ['', '-wal', '-shm']
    .map((suffix) => `${files.db}${suffix}`)
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString('latin1'))
    .join('');
}

function storedData(files: Files, resource: string, name: string): string {
  const db = new Database(files.db, { readonly: true });
  try {
    return (db.prepare('SELECT data FROM objects WHERE resource = ? AND name = ?').get(resource, name) as { data: string }).data;
  } finally {
    db.close();
  }
}

/** A Secret row as a Skiff without encryption at rest wrote it. */
async function writeLegacyPlaintext(files: Files, object: KubeObject): Promise<void> {
  const legacy = new SqliteStore(files.db);
  await legacy.create(secrets, object);
  await legacy.close();
}

t.test('SqliteStore with Secret encryption passes the store contract', async (t) => {
  storeContract(t, async () => {
    const files = tempFiles(t);
    return { store: openStore(files), reopen: async () => openStore(files) };
  });
});

t.test('the first start creates a 0600 key file with one key', async (t) => {
  const files = tempFiles(t);
  await openStore(files).close();
  t.equal(statSync(files.keyFile).mode & 0o777, 0o600);
  t.equal(readKeyFile(files.keyFile).keys.length, 1);
});

t.test('Secret rows are sealed on disk and read back transparently; other kinds stay plain JSON', async (t) => {
  const files = tempFiles(t);
  const store = openStore(files);
  const created = await store.create(secrets, secret('db'));
  await store.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'plain' } } as KubeObject);
  await store.update(secrets, { ...created, data: { password: SENTINEL_B64, other: SENTINEL_B64 } } as KubeObject);

  const keyId = readKeyFile(files.keyFile).writeKey.id;
  t.ok(storedData(files, '/secrets', 'db').startsWith(`${ENVELOPE_PREFIX}${keyId}:`));
  t.ok(storedData(files, '/configmaps', 'settings').startsWith('{'));
  const bytes = rawBytes(files);
  t.notOk(bytes.includes(SENTINEL), 'no plaintext in hub.db or its WAL');
  t.notOk(bytes.includes(SENTINEL_B64), 'no base64 of it either');

  t.same((await store.get(secrets, 'default', 'db'))?.data, { password: SENTINEL_B64, other: SENTINEL_B64 });
  t.same((await store.list(secrets)).map((s) => s.metadata.name), ['db']);
  t.same((await store.list(secrets, 'default')).map((s) => s.data), [{ password: SENTINEL_B64, other: SENTINEL_B64 }]);
  const removed = await store.delete(secrets, 'default', 'db');
  t.same(removed?.data, { password: SENTINEL_B64, other: SENTINEL_B64 });
  await store.close();
});

t.test('Secrets written before encryption still read, and their next write seals them', async (t) => {
  const files = tempFiles(t);
  await writeLegacyPlaintext(files, secret('legacy'));
  t.ok(storedData(files, '/secrets', 'legacy').startsWith('{'));
  const store = openStore(files);
  const legacy = await store.get(secrets, 'default', 'legacy');
  t.same(legacy?.data, { password: SENTINEL_B64 });
  await store.update(secrets, { ...legacy!, metadata: { ...legacy!.metadata, labels: { touched: 'yes' } } });
  t.ok(storedData(files, '/secrets', 'legacy').startsWith(ENVELOPE_PREFIX));
  t.same((await store.get(secrets, 'default', 'legacy'))?.metadata.labels, { touched: 'yes' });
  await store.close();
});

t.test('a store without keys refuses to read a sealed row instead of returning garbage', async (t) => {
  const files = tempFiles(t);
  const store = openStore(files);
  await store.create(secrets, secret('db'));
  await store.close();
  const keyless = new SqliteStore(files.db);
  await t.rejects(keyless.get(secrets, 'default', 'db'), { code: 'SKIFF_ERR_INTERNAL', message: /encrypted but this store was opened without encryption keys/ });
  await keyless.close();
});

t.test('a lost key file stops the store from opening, names the file, and is not silently recreated', async (t) => {
  const files = tempFiles(t);
  const store = openStore(files);
  await store.create(secrets, secret('db'));
  await store.close();
  const keyId = readKeyFile(files.keyFile).writeKey.id;
  rmSync(files.keyFile);
  t.throws(() => openStore(files), { code: 'SKIFF_ERR_CONFIG', message: new RegExp(`encryption key file ${files.keyFile} not found.*${keyId}`) });
  t.notOk(existsSync(files.keyFile), 'no new key file was made');
});

t.test('a key file without the keys the rows use stops the store from opening', async (t) => {
  const files = tempFiles(t);
  const store = openStore(files);
  await store.create(secrets, secret('db'));
  await store.close();
  const used = readKeyFile(files.keyFile).writeKey.id;
  const stranger = generateKey();
  writeKeyFile(files.keyFile, [stranger]);
  t.throws(() => openStore(files), { code: 'SKIFF_ERR_CONFIG', message: `encryption key file ${files.keyFile} lacks key(s) ${used} that Secrets in the database are encrypted with (it holds: ${stranger.id})` });
});

t.test('a database with no sealed rows (an upgrade) gets a new key file at open', async (t) => {
  const files = tempFiles(t);
  await writeLegacyPlaintext(files, secret('legacy'));
  const store = openStore(files);
  t.ok(existsSync(files.keyFile));
  t.same((await store.get(secrets, 'default', 'legacy'))?.data, { password: SENTINEL_B64 });
  await store.close();
});

t.test('rotation re-encrypts every Secret with a new write key and prune drops the old one', async (t) => {
  const files = tempFiles(t);
  const store = openStore(files);
  for (let i = 0; i < 7; i++) await store.create(secrets, secret(`s${i}`, `${SENTINEL}-${i}`, i % 2 === 0 ? 'default' : 'team'));
  // Superseded versions of a row stay in the file's free space until the rotation rebuilds it.
  for (let version = 0; version < 3; version++) {
    const current = await store.get(secrets, 'team', 's1');
    await store.update(secrets, { ...current!, data: { password: Buffer.from(`${SENTINEL}-1`).toString('base64'), version: Buffer.from('v'.repeat(100 * (version + 1))).toString('base64') } } as KubeObject);
  }
  await store.close();
  const oldId = readKeyFile(files.keyFile).writeKey.id;

  const rotated = rotateEncryptionKey({ databaseFile: files.db, keyFile: files.keyFile, prune: false, batchSize: 3 });
  t.equal(rotated.reencrypted, 7);
  t.equal(rotated.wasPlaintext, 0);
  t.same(rotated.keyIds, [rotated.writeKeyId, oldId], 'the old key stays until pruned');
  t.same(rotated.prunedKeyIds, []);
  t.notOk(rawBytes(files).includes(`${ENVELOPE_PREFIX}${oldId}:`), 'no row uses the old key any more');

  const pruned = rotateEncryptionKey({ databaseFile: files.db, keyFile: files.keyFile, prune: true });
  t.equal(pruned.reencrypted, 7);
  t.same(pruned.prunedKeyIds, [rotated.writeKeyId, oldId]);
  t.same(readKeyFile(files.keyFile).ids, [pruned.writeKeyId]);

  const reopened = openStore(files);
  const all = await reopened.list(secrets);
  t.equal(all.length, 7);
  t.same(all.find((s) => s.metadata.name === 's3')?.data, { password: Buffer.from(`${SENTINEL}-3`).toString('base64') });
  await reopened.close();
});

t.test('rotation seals plaintext rows from before encryption and leaves no trace of them in the file', async (t) => {
  const files = tempFiles(t);
  await writeLegacyPlaintext(files, secret('legacy'));
  t.ok(rawBytes(files).includes(SENTINEL_B64), 'the legacy row is plaintext to begin with');
  await openStore(files).close(); // the hub's first start with encryption: makes the key file
  const result = rotateEncryptionKey({ databaseFile: files.db, keyFile: files.keyFile, prune: true });
  t.equal(result.reencrypted, 1);
  t.equal(result.wasPlaintext, 1);
  const bytes = rawBytes(files);
  t.notOk(bytes.includes(SENTINEL_B64), 'secure_delete wiped the old row');
  t.notOk(bytes.includes(SENTINEL));
  const store = openStore(files);
  t.same((await store.get(secrets, 'default', 'legacy'))?.data, { password: SENTINEL_B64 });
  await store.close();
});

t.test('rotation beside an open store (a running hub): the store follows the new key file', async (t) => {
  const files = tempFiles(t);
  const running = openStore(files);
  await running.create(secrets, secret('before'));
  const result = rotateEncryptionKey({ databaseFile: files.db, keyFile: files.keyFile, prune: true });
  t.equal(result.reencrypted, 1);
  t.equal(result.prunedKeyIds.length, 1);
  t.same((await running.get(secrets, 'default', 'before'))?.data, { password: SENTINEL_B64 }, 'reads a row sealed with the new key');
  await running.create(secrets, secret('after'));
  t.ok(storedData(files, '/secrets', 'after').startsWith(`${ENVELOPE_PREFIX}${result.writeKeyId}:`), 'writes with the new key');
  await running.close();
});

t.test('a rotation that stops half-way leaves every row readable, and a second run finishes it', async (t) => {
  const files = tempFiles(t);
  const store = openStore(files);
  for (let i = 0; i < 5; i++) await store.create(secrets, secret(`s${i}`));
  await store.close();
  // A row the rotation cannot open (altered on disk) makes it stop after the batches before it.
  const db = new Database(files.db);
  const good = storedData(files, '/secrets', 's4');
  db.prepare("UPDATE objects SET data = ? WHERE resource = '/secrets' AND name = 's4'").run(good.slice(0, -8) + 'AAAAAAA=');
  db.close();
  t.throws(() => rotateEncryptionKey({ databaseFile: files.db, keyFile: files.keyFile, prune: true, batchSize: 2 }), { message: /\/secrets\/default\/s4 failed authentication/ });
  const keys = readKeyFile(files.keyFile);
  t.equal(keys.keys.length, 2, 'nothing pruned: both keys still in the file');

  const reopened = openStore(files);
  for (let i = 0; i < 4; i++) t.same((await reopened.get(secrets, 'default', `s${i}`))?.data, { password: SENTINEL_B64 }, `s${i} reads`);
  await reopened.close();

  // The operator removes the damaged row (or restores it from a backup) and runs the command again.
  const repair = new Database(files.db);
  repair.prepare("DELETE FROM objects WHERE resource = '/secrets' AND name = 's4'").run();
  repair.close();
  const second = rotateEncryptionKey({ databaseFile: files.db, keyFile: files.keyFile, prune: true, batchSize: 2 });
  t.equal(second.reencrypted, 4);
  t.same(readKeyFile(files.keyFile).ids, [second.writeKeyId]);
  const finished = openStore(files);
  t.equal((await finished.list(secrets)).length, 4);
  await finished.close();
});
