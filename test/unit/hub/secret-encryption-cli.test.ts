/**
 * `skiff hub rotate-encryption-key` through the real command tree (in process) on a real database
 * file, and `skiff hub --encryption-key-file` through the hub's one option parse path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveHubOptions } from '../../../hub/cli/actions/hub.js';
import { readKeyFile } from '../../../hub/identity/encryption-key.js';
import { SecretEncryption } from '../../../hub/store/secret-encryption.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';

const secrets = resolveResource('secrets')!;

async function dataDirWithSecrets(t: { teardown(fn: () => void): void }, keyFile?: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-rotate-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = new SqliteStore(join(dir, 'hub.db'), { secretEncryption: new SecretEncryption(keyFile ?? join(dir, 'encryption.key')) });
  for (const name of ['a', 'b', 'c']) {
    await store.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: { k: 'dg==' } } as KubeObject);
  }
  await store.close();
  return dir;
}

t.test('rotates the keys of DATA/encryption.key and says what it did', async (t) => {
  const dir = await dataDirWithSecrets(t);
  const keyFile = join(dir, 'encryption.key');
  const oldId = readKeyFile(keyFile).writeKey.id;
  const result = await runCliInProcess(['hub', 'rotate-encryption-key', '--data-dir', dir, '--prune']);
  t.equal(result.code, 0, result.stderr);
  const newId = readKeyFile(keyFile).writeKey.id;
  t.not(newId, oldId);
  t.equal(
    result.stdout,
    [`new write key ${newId} added to ${keyFile}`, 're-encrypted 3 Secrets', `pruned unused key(s) ${oldId}`, `keys in ${keyFile}: ${newId}`, ''].join('\n'),
  );
});

t.test('without --prune the old key stays; the data dir and key file may come from the environment', async (t) => {
  const keyDir = mkdtempSync(join(tmpdir(), 'skiff-rotate-key-'));
  t.teardown(() => rmSync(keyDir, { recursive: true, force: true }));
  const keyFile = join(keyDir, 'elsewhere.key');
  const dir = await dataDirWithSecrets(t, keyFile);
  const result = await runCliInProcess(['hub', 'rotate-encryption-key'], { env: { SKIFF_DATA_DIR: dir, SKIFF_ENCRYPTION_KEY_FILE: keyFile } });
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, 're-encrypted 3 Secrets');
  t.notMatch(result.stdout, 'prune');
  t.equal(readKeyFile(keyFile).keys.length, 2);
});

t.test('a missing data dir or database is a clear error', async (t) => {
  const missing = await runCliInProcess(['hub', 'rotate-encryption-key']);
  t.equal(missing.code, 1);
  t.equal(missing.stderr, 'error: --data-dir is required (or set $SKIFF_DATA_DIR)\n');
  const empty = mkdtempSync(join(tmpdir(), 'skiff-rotate-empty-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  const noDb = await runCliInProcess(['hub', 'rotate-encryption-key', '--data-dir', empty]);
  t.equal(noDb.code, 1);
  t.equal(noDb.stderr, `error: no hub database at ${join(empty, 'hub.db')} (is --data-dir right?)\n`);
});

t.test('a lost key file is named and nothing is rotated', async (t) => {
  const dir = await dataDirWithSecrets(t);
  const result = await runCliInProcess(['hub', 'rotate-encryption-key', '--data-dir', dir, '--encryption-key-file', join(dir, 'other.key')]);
  t.equal(result.code, 1);
  t.match(result.stderr, `error: encryption key file ${join(dir, 'other.key')} not found, but the database holds Secrets encrypted with key(s) `);
});

t.test('skiff hub --encryption-key-file: flag over environment, an empty value refused', async (t) => {
  t.equal(resolveHubOptions({ dataDir: '/d', encryptionKeyFile: '/keys/hub.key' }, { SKIFF_ENCRYPTION_KEY_FILE: '/env.key' }).encryptionKeyFile, '/keys/hub.key');
  t.equal(resolveHubOptions({ dataDir: '/d' }, { SKIFF_ENCRYPTION_KEY_FILE: '/env.key' }).encryptionKeyFile, '/env.key');
  t.equal(resolveHubOptions({ dataDir: '/d' }, {}).encryptionKeyFile, undefined);
  t.throws(() => resolveHubOptions({ dataDir: '/d', encryptionKeyFile: ' ' }, {}), { message: 'invalid value " " for --encryption-key-file: a file path is required' });
});
