/**
 * The AES-256-GCM envelope Secrets are stored in, and the key file it reads keys from: tampering,
 * a wrong key, an unknown key id and a ciphertext moved to another row are each refused with a
 * message that names the row and key, never any byte of the secret or of the key.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { isSkiffError } from '../../../shared/errors.js';
import {
  EncryptionKeys,
  formatKeyFile,
  generateKey,
  KeyFileWatcher,
  parseKeyFile,
  readKeyFile,
  writeKeyFile,
  type EncryptionKey,
} from '../../../hub/identity/encryption-key.js';
import { ENVELOPE_PREFIX, envelopeKeyId, isSealed, openEnvelope, rowContext, sealEnvelope } from '../../../hub/store/secret-encryption.js';

const SENTINEL = 's3cr3t-SENTINEL-envelope';
const PLAINTEXT = JSON.stringify({ kind: 'Secret', data: { password: Buffer.from(SENTINEL).toString('base64') } });
const CONTEXT = rowContext('/secrets', 'default', 'db');

function keySet(...keys: EncryptionKey[]): EncryptionKeys {
  return new EncryptionKeys('/etc/skiff/encryption.key', keys);
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-enc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs fn, expects a SkiffError, and returns its message after checking it leaks nothing. */
function failure(t: Test, fn: () => unknown, key?: EncryptionKey): string {
  try {
    fn();
  } catch (err) {
    t.ok(isSkiffError(err), 'a SkiffError');
    const message = (err as Error).message;
    t.notMatch(message, SENTINEL, 'the message holds no plaintext');
    t.notMatch(message, Buffer.from(SENTINEL).toString('base64'), 'nor its base64');
    if (key) t.notMatch(message, key.secret.toString('base64'), 'nor the key');
    return message;
  }
  t.fail('expected a failure');
  return '';
}

t.test('a sealed value opens with its key and carries the key id, not the plaintext', async (t) => {
  const key = generateKey();
  const sealed = sealEnvelope(PLAINTEXT, key, CONTEXT);
  t.ok(sealed.startsWith(`${ENVELOPE_PREFIX}${key.id}:`));
  t.ok(isSealed(sealed));
  t.equal(envelopeKeyId(sealed), key.id);
  t.notMatch(sealed, SENTINEL);
  t.notMatch(sealed, Buffer.from(SENTINEL).toString('base64'));
  t.equal(openEnvelope(sealed, keySet(key), CONTEXT), PLAINTEXT);
});

t.test('every seal uses a fresh nonce: the same plaintext never gives the same ciphertext', async (t) => {
  const key = generateKey();
  const seen = new Set(Array.from({ length: 50 }, () => sealEnvelope(PLAINTEXT, key, CONTEXT)));
  t.equal(seen.size, 50);
});

t.test('plaintext rows (written before encryption) are recognised as such', async (t) => {
  t.notOk(isSealed(PLAINTEXT));
  t.equal(envelopeKeyId(PLAINTEXT), undefined);
});

t.test('any altered byte of the ciphertext, nonce or tag is detected', async (t) => {
  const key = generateKey();
  const sealed = sealEnvelope(PLAINTEXT, key, CONTEXT);
  const header = `${ENVELOPE_PREFIX}${key.id}:`;
  const raw = Buffer.from(sealed.slice(header.length), 'base64');
  for (const index of [0, 11, 12, Math.floor(raw.length / 2), raw.length - 16, raw.length - 1]) {
    const tampered = Buffer.from(raw);
    tampered[index] = tampered[index]! ^ 0x01;
    const message = failure(t, () => openEnvelope(header + tampered.toString('base64'), keySet(key), CONTEXT), key);
    t.match(message, `failed authentication with encryption key "${key.id}"`, `byte ${index}`);
    t.match(message, CONTEXT);
  }
});

t.test('a truncated envelope is refused', async (t) => {
  const key = generateKey();
  const message = failure(t, () => openEnvelope(`${ENVELOPE_PREFIX}${key.id}:AAAA`, keySet(key), CONTEXT));
  t.match(message, 'truncated');
});

t.test('a different key under the same id does not open it', async (t) => {
  const key = generateKey();
  const impostor: EncryptionKey = { ...generateKey(), id: key.id };
  const sealed = sealEnvelope(PLAINTEXT, key, CONTEXT);
  const message = failure(t, () => openEnvelope(sealed, keySet(impostor), CONTEXT), impostor);
  t.match(message, 'failed authentication');
});

t.test('a ciphertext copied onto another row does not open there', async (t) => {
  const key = generateKey();
  const sealed = sealEnvelope(PLAINTEXT, key, CONTEXT);
  const other = rowContext('/secrets', 'other-team', 'db');
  const message = failure(t, () => openEnvelope(sealed, keySet(key), other), key);
  t.match(message, 'moved from another row');
});

t.test('the header is authenticated too: relabelling the key id fails', async (t) => {
  const key = generateKey();
  const sibling: EncryptionKey = { ...key, id: 'relabelled' };
  const sealed = sealEnvelope(PLAINTEXT, key, CONTEXT);
  const relabelled = sealed.replace(`:${key.id}:`, ':relabelled:');
  failure(t, () => openEnvelope(relabelled, keySet(key, sibling), CONTEXT), key);
});

t.test('an unknown key id names the id, the key file and the ids it holds', async (t) => {
  const old = generateKey(new Date('2026-01-01T00:00:00Z'));
  const current = generateKey();
  const sealed = sealEnvelope(PLAINTEXT, old, CONTEXT);
  const message = failure(t, () => openEnvelope(sealed, keySet(current), CONTEXT), current);
  t.match(message, `encrypted with key "${old.id}"`);
  t.match(message, 'not in the encryption key file /etc/skiff/encryption.key');
  t.match(message, `it holds: ${current.id}`);
});

t.test('with several keys the first writes and every one still decrypts', async (t) => {
  const old = generateKey(new Date('2026-01-01T00:00:00Z'));
  const current = generateKey();
  const keys = keySet(current, old);
  t.equal(keys.writeKey.id, current.id);
  t.equal(openEnvelope(sealEnvelope(PLAINTEXT, old, CONTEXT), keys, CONTEXT), PLAINTEXT);
  t.equal(openEnvelope(sealEnvelope(PLAINTEXT, current, CONTEXT), keys, CONTEXT), PLAINTEXT);
});

t.test('generated keys are 32 random bytes with distinct ids free of ":"', async (t) => {
  const keys = Array.from({ length: 20 }, () => generateKey(new Date('2026-12-05T09:00:00Z')));
  t.equal(new Set(keys.map((k) => k.id)).size, 20);
  for (const key of keys) {
    t.equal(key.secret.length, 32);
    t.notMatch(key.id, ':');
  }
});

t.test('the key file round-trips and is written with mode 0600', async (t) => {
  const file = join(tempDir(t), 'encryption.key');
  const keys = [generateKey(), generateKey(new Date('2026-01-01T00:00:00Z'))];
  writeKeyFile(file, keys);
  t.equal(statSync(file).mode & 0o777, 0o600);
  const read = readKeyFile(file);
  t.same(read.ids, keys.map((k) => k.id));
  t.ok(read.keys[0]!.secret.equals(keys[0]!.secret));
});

t.test('a missing key file is an error naming it', async (t) => {
  const file = join(tempDir(t), 'nowhere.key');
  t.throws(() => readKeyFile(file), { code: 'SKIFF_ERR_CONFIG', message: `encryption key file ${file} not found` });
});

t.test('a malformed key file is refused without quoting its contents', async (t) => {
  const key = generateKey();
  const good = JSON.parse(formatKeyFile([key])) as { keys: Array<Record<string, unknown>> };
  const secret = key.secret.toString('base64');
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', `${secret} trailing`, /not valid JSON/],
    ['wrong kind', JSON.stringify({ kind: 'Other', keys: [] }), /expected/],
    ['no keys', JSON.stringify({ ...good, keys: [] }), /holds no key/],
    ['short key', JSON.stringify({ ...good, keys: [{ ...good.keys[0], secret: secret.slice(0, 20) }] }), /must be 32 bytes/],
    ['bad id', JSON.stringify({ ...good, keys: [{ ...good.keys[0], id: 'a:b' }] }), /keys\[0\]\.id/],
    ['duplicate id', JSON.stringify({ ...good, keys: [good.keys[0], good.keys[0]] }), /appears twice/],
  ];
  for (const [name, text, expected] of cases) {
    const message = failure(t, () => parseKeyFile('/k', text));
    t.match(message, expected, name);
    t.match(message, '/k', `${name}: names the file`);
    t.notMatch(message, secret.slice(0, 20), `${name}: no key material`);
  }
});

t.test('the watcher re-reads a replaced key file and keeps its keys when the file vanishes', async (t) => {
  const file = join(tempDir(t), 'encryption.key');
  const first = generateKey();
  const watcher = new KeyFileWatcher(file, writeKeyFile(file, [first]));
  t.same(watcher.current().ids, [first.id]);
  const second = generateKey();
  writeKeyFile(file, [second, first]);
  t.same(watcher.current().ids, [second.id, first.id]);
  rmSync(file);
  t.same(watcher.current().ids, [second.id, first.id]);
  writeFileSync(file, formatKeyFile([first]), { mode: 0o600 });
  t.same(watcher.current().ids, [first.id]);
  t.ok(readFileSync(file, 'utf8').includes(first.id));
});

t.test('a key file that cannot be written is an error naming it', async (t) => {
  const file = join(tempDir(t), 'no-such-dir', 'encryption.key');
  t.throws(() => writeKeyFile(file, [generateKey()]), { code: 'SKIFF_ERR_CONFIG', message: `cannot write encryption key file ${file} (ENOENT)` });
});
