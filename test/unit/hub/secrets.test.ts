import t from 'tap';
import { VerifiedSecrets, hashSecret, randomToken, tokensEqual, verifySecret } from '../../../hub/identity/secrets.js';

t.test('a hashed secret verifies, another secret does not, and each hash has its own salt', async (t) => {
  const secret = randomToken(32);
  const stored = await hashSecret(secret);
  t.match(stored, /^[0-9a-f]{32}:[0-9a-f]{64}$/, 'salt:hash in hex');
  t.ok(await verifySecret(secret, stored));
  t.notOk(await verifySecret(`${secret}x`, stored));
  t.not(await hashSecret(secret), stored, 'a fresh salt every time');
});

t.test('a malformed stored hash never verifies', async (t) => {
  for (const stored of ['', 'nocolon', ':', 'abcd:', ':abcd']) t.notOk(await verifySecret('secret', stored), JSON.stringify(stored));
});

t.test('hashing runs off the event loop: timers keep firing while a fleet joins', async (t) => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await Promise.all(Array.from({ length: 8 }, () => hashSecret(randomToken(32))));
  clearInterval(timer);
  t.ok(ticks > 0, `the event loop ran ${ticks} timer ticks while 8 scrypt hashes were computed`);
});

t.test('VerifiedSecrets: a repeat login with the same secret is not verified again', async (t) => {
  const secret = randomToken(32);
  const stored = await hashSecret(secret);
  let scrypts = 0;
  const secrets = new VerifiedSecrets((s, h) => (scrypts++, verifySecret(s, h)));
  t.ok(await secrets.verify('pi-1', secret, stored));
  t.equal(secrets.size, 1, 'remembered after a success');
  t.ok(await secrets.verify('pi-1', secret, stored), 'accepted again');
  t.equal(scrypts, 1, 'without a second scrypt');
  t.notOk(await secrets.verify('pi-1', 'wrong', stored), 'another secret is still refused');
  t.notOk(await secrets.verify('pi-2', secret, `${stored}00`), 'another identity is not helped by pi-1’s entry');
  t.equal(scrypts, 3, 'both verified the slow way');
});

t.test('VerifiedSecrets: a replaced credential is verified against the new hash, never the remembered one', async (t) => {
  const [oldSecret, newSecret] = [randomToken(32), randomToken(32)];
  const secrets = new VerifiedSecrets();
  t.ok(await secrets.verify('pi-1', oldSecret, await hashSecret(oldSecret)));
  const replaced = await hashSecret(newSecret);
  t.notOk(await secrets.verify('pi-1', oldSecret, replaced), 'the old secret no longer works after a re-join');
  t.ok(await secrets.verify('pi-1', newSecret, replaced), 'the new one does');
  secrets.forget('pi-1');
  t.equal(secrets.size, 0);
});

t.test('VerifiedSecrets: a secret remembered at hashing time logs in without a scrypt, for that hash only', async (t) => {
  const secret = randomToken(32);
  const stored = await hashSecret(secret);
  let scrypts = 0;
  const secrets = new VerifiedSecrets((s, h) => (scrypts++, verifySecret(s, h)));
  secrets.remember('pi-1', secret, stored);
  t.ok(await secrets.verify('pi-1', secret, stored));
  t.equal(scrypts, 0);
  t.notOk(await secrets.verify('pi-1', secret, await hashSecret('another')), 'not against another hash');
});

t.test('tokensEqual compares tokens of any length', async (t) => {
  t.ok(tokensEqual('abc', 'abc'));
  t.notOk(tokensEqual('abc', 'abd'));
  t.notOk(tokensEqual('abc', 'abcd'));
});
