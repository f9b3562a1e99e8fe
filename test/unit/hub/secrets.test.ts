import { randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import t from 'tap';
import { VerifiedSecrets, hashSecret, randomToken, tokensEqual, verifySecret } from '../../../hub/identity/secrets.js';

const scryptAsync = promisify(scrypt) as (secret: string, salt: Buffer, length: number) => Promise<Buffer>;

/** A node password hashed the way hubs before issue #7 stored it: `<salt hex>:<scrypt hex>`. */
async function legacyScryptHash(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}:${(await scryptAsync(secret, salt, 32)).toString('hex')}`;
}

/** Counts the verifications that VerifiedSecrets hands to its slow (scrypt) path. */
function countingSecrets(): { secrets: VerifiedSecrets; slowVerifications: () => number } {
  let count = 0;
  const secrets = new VerifiedSecrets((secret, stored) => (count++, verifySecret(secret, stored)));
  return { secrets, slowVerifications: () => count };
}

t.test('a new secret is stored as sha256:<64 hex>, verifies, and another secret does not', async (t) => {
  const secret = randomToken(32);
  const stored = hashSecret(secret);
  t.match(stored, /^sha256:[0-9a-f]{64}$/);
  t.ok(await verifySecret(secret, stored));
  t.notOk(await verifySecret(`${secret}x`, stored));
  t.notOk(await verifySecret(secret.slice(1), stored));
  t.notOk(await verifySecret(randomToken(32), stored));
});

t.test('node passwords are 256-bit random tokens, which is what makes a single unsalted SHA-256 enough', async (t) => {
  const token = randomToken(32);
  t.equal(Buffer.from(token, 'base64url').length, 32);
  t.match(token, /^[A-Za-z0-9_-]+$/, 'base64url: never a NUL, never a colon');
});

t.test('a legacy scrypt hash (stored before issue #7) still verifies, so an upgraded hub keeps its nodes', async (t) => {
  const secret = randomToken(32);
  const stored = await legacyScryptHash(secret);
  t.match(stored, /^[0-9a-f]{32}:[0-9a-f]{64}$/);
  t.ok(await verifySecret(secret, stored));
  t.notOk(await verifySecret(`${secret}x`, stored));
  t.notOk(await verifySecret(randomToken(32), stored));
});

t.test('a secret holding a NUL is refused in either format', async (t) => {
  // Why: scrypt keys an HMAC with the secret, and HMAC pads short keys with zeros.
  const salt = randomBytes(16);
  t.same(await scryptAsync('secret\0', salt, 32), await scryptAsync('secret', salt, 32), 'scrypt alone would take "secret\\0" for "secret"');
  t.notOk(await verifySecret('secret\0', await legacyScryptHash('secret')), 'legacy hash of "secret"');
  t.notOk(await verifySecret('secret\0', await legacyScryptHash('secret\0')), 'legacy hash of the very same secret');
  t.notOk(await verifySecret('secret\0', hashSecret('secret')), 'sha256 hash of "secret"');
  t.notOk(await verifySecret('secret\0', hashSecret('secret\0')), 'sha256 hash of the very same secret');
});

t.test('a malformed stored hash never verifies', async (t) => {
  const hex = hashSecret('secret').slice('sha256:'.length);
  const malformed = [
    '',
    'nocolon',
    ':',
    'abcd:',
    ':abcd',
    'sha256:',
    `sha256:${hex.slice(0, 62)}`,
    `sha256:${hex}00`,
    `sha256:${hex.slice(0, 62)}zz`,
    `sha256:${hex.slice(0, 62)}z`,
    `sha256:${hex.toUpperCase()}`,
    `sha256: ${hex}`,
    `sha256:${hex}\n`,
  ];
  for (const stored of malformed) t.notOk(await verifySecret('secret', stored), JSON.stringify(stored));
  t.ok(await verifySecret('secret', `sha256:${hex}`), 'while the well-formed one does');
});

t.test('legacy verification runs off the event loop: timers keep firing while a fleet reconnects', async (t) => {
  const secret = randomToken(32);
  const stored = await legacyScryptHash(secret);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const results = await Promise.all(Array.from({ length: 8 }, () => verifySecret(secret, stored)));
  clearInterval(timer);
  t.same(results, Array(8).fill(true));
  t.ok(ticks > 0, `the event loop ran ${ticks} timer ticks while 8 scrypt verifications were computed`);
});

t.test('VerifiedSecrets: a new-format login takes no scrypt and is not remembered, again and again', async (t) => {
  const secret = randomToken(32);
  const stored = hashSecret(secret);
  const { secrets, slowVerifications } = countingSecrets();
  t.ok(await secrets.verify('pi-1', secret, stored));
  t.ok(await secrets.verify('pi-1', secret, stored));
  t.notOk(await secrets.verify('pi-1', 'wrong', stored), 'a wrong secret is refused');
  t.notOk(await secrets.verify('pi-1', `${secret}\0`, hashSecret(`${secret}\0`)), 'a NUL is refused here too');
  t.equal(slowVerifications(), 0, 'no verification went the slow way');
  t.equal(secrets.size, 0, 'nothing to remember: verifying costs what remembering would');
});

t.test('VerifiedSecrets: a repeat login against a legacy hash is not scrypt-verified again', async (t) => {
  const secret = randomToken(32);
  const stored = await legacyScryptHash(secret);
  const { secrets, slowVerifications } = countingSecrets();
  t.ok(await secrets.verify('pi-1', secret, stored));
  t.equal(secrets.size, 1, 'remembered after a success');
  t.ok(await secrets.verify('pi-1', secret, stored), 'accepted again');
  t.equal(slowVerifications(), 1, 'without a second scrypt');
  t.notOk(await secrets.verify('pi-1', 'wrong', stored), 'another secret is still refused');
  t.notOk(await secrets.verify('pi-2', secret, `${stored}00`), 'another identity is not helped by pi-1’s entry');
  t.equal(slowVerifications(), 3, 'both verified the slow way');
});

t.test('VerifiedSecrets: a replaced credential is verified against the new hash, never the remembered one', async (t) => {
  const [oldSecret, newSecret, rejoinSecret] = [randomToken(32), randomToken(32), randomToken(32)];
  const { secrets, slowVerifications } = countingSecrets();
  t.ok(await secrets.verify('pi-1', oldSecret, await legacyScryptHash(oldSecret)));
  const renewed = hashSecret(newSecret);
  t.notOk(await secrets.verify('pi-1', oldSecret, renewed), 'the old secret does not pass for the renewed (sha256) credential');
  t.ok(await secrets.verify('pi-1', newSecret, renewed), 'the new one does');
  const rejoined = await legacyScryptHash(rejoinSecret);
  t.notOk(await secrets.verify('pi-1', oldSecret, rejoined), 'nor for another legacy hash');
  t.equal(slowVerifications(), 2, 'only the legacy hashes went the slow way');
  secrets.forget('pi-1');
  t.equal(secrets.size, 0);
});

t.test('tokensEqual compares tokens of any length', async (t) => {
  t.ok(tokensEqual('abc', 'abc'));
  t.notOk(tokensEqual('abc', 'abd'));
  t.notOk(tokensEqual('abc', 'abcd'));
});
