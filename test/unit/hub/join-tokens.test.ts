import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test as Tap } from 'tap';
import { handleJoin } from '../../../hub/api/join.js';
import { handleTokens } from '../../../hub/api/tokens.js';
import { checkJoinCredential, createBootstrapToken, deleteBootstrapToken, deleteExpiredBootstrapTokens } from '../../../hub/identity/join-tokens.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { IDENTITY_DEFAULTS } from '../../../shared/defaults.js';
import { BOOTSTRAP_TOKEN, formatJoinToken } from '../../../shared/join-token.js';
import { TOKENS_PATH, type BootstrapTokenInfo, type CreatedToken } from '../../../shared/join.js';
import { SkiffError } from '../../../shared/errors.js';

const NOW = Date.parse('2026-12-05T10:00:00Z');
const HOUR = 3_600_000;
const SERVER_TOKEN = 'skiff-join.server-secret';
const CA_HASH = 'a'.repeat(64);

function storeFor(t: Tap): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tokens-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

const joinWith = (store: SqliteStore, token: string, now = NOW) =>
  handleJoin(store, { token, nodeName: 'pi-1' }, { joinToken: SERVER_TOKEN, mqttPort: 1883, credentialTtlMs: HOUR, now: () => now });

t.test('a created token has kubeadm’s shape, and only a hash of its secret is stored', async (t) => {
  const store = storeFor(t);
  const { credential, token } = await createBootstrapToken(store, { ttlMs: 2 * HOUR, description: 'rack 4', now: NOW });
  t.match(credential, BOOTSTRAP_TOKEN);
  t.equal(credential.split('.')[0], token.id);
  const stored = await store.getBootstrapToken(token.id);
  t.equal(stored?.expiresAt, new Date(NOW + 2 * HOUR).toISOString());
  t.equal(stored?.description, 'rack 4');
  t.notOk(JSON.stringify(stored).includes(credential.split('.')[1]!), 'the secret is nowhere in the stored row');
  t.match(stored?.secretHash, /^[0-9a-f]{64}$/);
});

t.test('a token joins until it expires; then and after deletion it is refused with the same message', async (t) => {
  const store = storeFor(t);
  const { credential, token } = await createBootstrapToken(store, { ttlMs: HOUR, now: NOW });
  const joined = await joinWith(store, credential);
  t.equal(joined.username, 'pi-1');
  t.equal(joined.expiresAt, new Date(NOW + HOUR).toISOString(), 'the node credential expires after its own TTL');
  t.equal((await store.getBootstrapToken(token.id))?.usageCount, 1, 'the use is counted');
  t.ok(await joinWith(store, formatJoinToken(CA_HASH, credential)), 'the K10 form joins too (the hub does not check the CA hash)');

  const expired = await joinWith(store, credential, NOW + HOUR).catch((err: unknown) => err);
  t.ok(expired instanceof SkiffError && expired.code === 'SKIFF_ERR_UNAUTHORIZED');
  t.equal((expired as Error).message, 'invalid join token');

  await deleteBootstrapToken(store, token.id);
  const deleted = await joinWith(store, credential).catch((err: unknown) => err);
  t.equal((deleted as Error).message, 'invalid join token', 'no hint whether it expired or was deleted');
  await t.rejects(deleteBootstrapToken(store, token.id), { code: 'SKIFF_ERR_NOT_FOUND' }, 'deleting twice says not found');
});

t.test('ttl 0 never expires; a negative ttl is refused', async (t) => {
  const store = storeFor(t);
  const { credential, token } = await createBootstrapToken(store, { ttlMs: 0, now: NOW });
  t.equal(token.expiresAt, undefined);
  t.same(await checkJoinCredential(store, credential, SERVER_TOKEN, NOW + 10 * 365 * 24 * HOUR), { kind: 'bootstrap', id: token.id });
  await t.rejects(createBootstrapToken(store, { ttlMs: -1, now: NOW }), { code: 'SKIFF_ERR_INVALID' });
});

t.test('the server token keeps working beside bootstrap tokens; wrong secrets and unknown ids are refused', async (t) => {
  const store = storeFor(t);
  const { credential, token } = await createBootstrapToken(store, { ttlMs: HOUR, now: NOW });
  t.same(await checkJoinCredential(store, SERVER_TOKEN, SERVER_TOKEN, NOW), { kind: 'server' });
  t.same(await checkJoinCredential(store, formatJoinToken(CA_HASH, SERVER_TOKEN).split('::')[1]!, SERVER_TOKEN, NOW), { kind: 'server' });
  const wrongSecret = `${token.id}.${'0'.repeat(16)}`;
  const unknownId = `zzzzzz.${credential.split('.')[1]}`;
  for (const bad of [wrongSecret, unknownId, `${SERVER_TOKEN}x`, SERVER_TOKEN.slice(0, -1), credential.toUpperCase(), '', 'abcdef.']) {
    t.equal(await checkJoinCredential(store, bad, SERVER_TOKEN, NOW), undefined, JSON.stringify(bad));
  }
  t.equal((await store.getBootstrapToken(token.id))?.usageCount, 0, 'failed attempts are not counted as uses');
  await t.rejects(joinWith(store, 'K10nothex::x'), { message: 'invalid join token' }, 'a malformed K10 token gets the same answer');
});

t.test('listing shows ids, TTLs and descriptions, never a secret; expired tokens are cleaned up', async (t) => {
  const store = storeFor(t);
  const short = await createBootstrapToken(store, { ttlMs: HOUR, description: 'short', now: NOW });
  const forever = await createBootstrapToken(store, { ttlMs: 0, description: 'forever', now: NOW + 1 });
  const [status, body] = await handleTokens(store, 'GET', TOKENS_PATH, async () => undefined, { caHash: () => CA_HASH, now: () => NOW });
  t.equal(status, 200);
  const items = (body as { items: BootstrapTokenInfo[] }).items;
  t.same(items.map((i) => i.id), [short.token.id, forever.token.id]);
  t.notOk(JSON.stringify(items).includes(short.credential.split('.')[1]!), 'no secret in the list');
  t.notOk(JSON.stringify(items).includes('secretHash'), 'not even its hash');

  t.same(await deleteExpiredBootstrapTokens(store, NOW + HOUR), [short.token.id]);
  t.same((await store.listBootstrapTokens()).map((i) => i.id), [forever.token.id]);
});

t.test('the API answers the full K10 token once at creation, bare on a hub without a CA', async (t) => {
  const store = storeFor(t);
  const [status, body] = await handleTokens(store, 'POST', TOKENS_PATH, async () => ({ ttlMs: 2 * HOUR, description: 'x' }), { caHash: () => CA_HASH, now: () => NOW });
  t.equal(status, 201);
  const created = body as CreatedToken;
  t.match(created.token, new RegExp(`^K10${CA_HASH}::[a-z0-9]{6}\\.[a-z0-9]{16}$`));
  t.equal(created.expiresAt, new Date(NOW + 2 * HOUR).toISOString());
  const [, plain] = await handleTokens(store, 'POST', TOKENS_PATH, async () => undefined, { caHash: () => undefined, now: () => NOW });
  t.match((plain as CreatedToken).token, BOOTSTRAP_TOKEN);
  t.equal((plain as CreatedToken).expiresAt, new Date(NOW + IDENTITY_DEFAULTS.bootstrapTokenTtlMs).toISOString(), 'default TTL 24h');
  await t.rejects(handleTokens(store, 'POST', TOKENS_PATH, async () => ({ ttlMs: -5 }), { caHash: () => undefined }), { code: 'SKIFF_ERR_INVALID' });
  await t.rejects(handleTokens(store, 'DELETE', `${TOKENS_PATH}/nosuch`, async () => undefined, { caHash: () => undefined }), { code: 'SKIFF_ERR_NOT_FOUND' });
  const [deleted] = await handleTokens(store, 'DELETE', `${TOKENS_PATH}/${created.id}`, async () => undefined, { caHash: () => undefined });
  t.equal(deleted, 200);
});

t.test('an id clash draws again rather than overwriting a token', async (t) => {
  const store = storeFor(t);
  let calls = 0;
  // The first two tokens draw the same characters; the second then draws different ones.
  const fixed = () => 0;
  const afterClash = () => (calls++ < 22 ? 0 : 1);
  const first = await createBootstrapToken(store, { ttlMs: HOUR, now: NOW, randomInt: fixed });
  const second = await createBootstrapToken(store, { ttlMs: HOUR, now: NOW, randomInt: afterClash });
  t.not(second.token.id, first.token.id);
  t.equal((await store.listBootstrapTokens()).length, 2);
});
