import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import t, { type Test as Tap } from 'tap';
import { handleJoin } from '../../../hub/api/join.js';
import { handleRenew, parseBasicAuth } from '../../../hub/api/renew.js';
import { EmbeddedBroker } from '../../../hub/broker/embedded-broker.js';
import { CredentialSweeper, sweepCredentials, type NodeConnection } from '../../../hub/identity/credential-sweep.js';
import { connectionStillValid, matchNodeCredential, renewNodeCredential, verifyNodeCredential } from '../../../hub/identity/node-credentials.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { createLogger } from '../../../shared/log.js';
import { agentClientId } from '../../../shared/mqtt/topics.js';
import { waitFor } from '../../helpers/wait.js';

const NOW = Date.parse('2026-12-05T10:00:00Z');
const TTL = 60_000;
const OVERLAP = 10_000;

function storeFor(t: Tap): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-creds-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const joinAt = (store: SqliteStore, now: number) => handleJoin(store, { token: 'join', nodeName: 'pi-1' }, { joinToken: 'join', mqttPort: 1883, credentialTtlMs: TTL, now: () => now });
const renewAt = (store: SqliteStore, password: string, now: number) =>
  handleRenew(store, basic('pi-1', password), { mqttPort: 1883, credentialTtlMs: TTL, overlapMs: OVERLAP, now: () => now });

t.test('a node credential verifies until it expires, then never', async (t) => {
  const store = storeFor(t);
  const joined = await joinAt(store, NOW);
  t.ok(await verifyNodeCredential(store, 'pi-1', joined.password, NOW));
  t.ok(await verifyNodeCredential(store, 'pi-1', joined.password, NOW + TTL - 1), 'valid to the last millisecond');
  t.notOk(await verifyNodeCredential(store, 'pi-1', joined.password, NOW + TTL), 'expired');
  t.notOk(await verifyNodeCredential(store, 'pi-1', 'wrong', NOW));
  t.notOk(await verifyNodeCredential(store, 'pi-2', joined.password, NOW), 'only for its own node');
});

t.test('renewal: a fresh password and expiry; the old one is kept for the overlap only', async (t) => {
  const store = storeFor(t);
  const joined = await joinAt(store, NOW);
  const renewedAt = NOW + 40_000;
  const renewed = await renewAt(store, joined.password, renewedAt);
  t.not(renewed.password, joined.password);
  t.equal(renewed.expiresAt, new Date(renewedAt + TTL).toISOString());
  t.same((await matchNodeCredential(store, 'pi-1', renewed.password, renewedAt))?.which, 'current');
  t.same((await matchNodeCredential(store, 'pi-1', joined.password, renewedAt + OVERLAP - 1))?.which, 'previous', 'old password inside the overlap');
  t.notOk(await verifyNodeCredential(store, 'pi-1', joined.password, renewedAt + OVERLAP), 'old password after the overlap');
  t.ok(await verifyNodeCredential(store, 'pi-1', renewed.password, renewedAt + OVERLAP));
});

t.test('the overlap never extends the old password past its own expiry', async (t) => {
  const store = storeFor(t);
  const joined = await joinAt(store, NOW);
  const lateRenewal = NOW + TTL - 2_000; // 2 s before expiry, overlap is 10 s
  await renewAt(store, joined.password, lateRenewal);
  t.ok(await verifyNodeCredential(store, 'pi-1', joined.password, NOW + TTL - 1));
  t.notOk(await verifyNodeCredential(store, 'pi-1', joined.password, NOW + TTL));
});

t.test('a renewal whose answer was lost can be repeated with the password the agent still holds', async (t) => {
  const store = storeFor(t);
  const joined = await joinAt(store, NOW);
  await renewAt(store, joined.password, NOW + 1_000); // the agent never saw this answer
  const again = await renewAt(store, joined.password, NOW + 2_000);
  t.ok(await verifyNodeCredential(store, 'pi-1', again.password, NOW + 2_000));
  t.ok(await verifyNodeCredential(store, 'pi-1', joined.password, NOW + 2_000), 'the password it presented stays in its overlap');
});

t.test('expired, deleted or wrong credentials cannot renew', async (t) => {
  const store = storeFor(t);
  const joined = await joinAt(store, NOW);
  await t.rejects(renewAt(store, joined.password, NOW + TTL), { code: 'SKIFF_ERR_UNAUTHORIZED' }, 'expired');
  await t.rejects(renewAt(store, 'wrong', NOW), { code: 'SKIFF_ERR_UNAUTHORIZED' }, 'wrong password');
  await t.rejects(handleRenew(store, undefined, { mqttPort: 1, credentialTtlMs: TTL, overlapMs: OVERLAP, now: () => NOW }), { code: 'SKIFF_ERR_UNAUTHORIZED' }, 'no credentials');
  await store.deleteNodeCredential('pi-1');
  await t.rejects(renewAt(store, joined.password, NOW), { code: 'SKIFF_ERR_UNAUTHORIZED' }, 'deleted (skiff delete node)');
});

t.test('Basic authorization parsing', async (t) => {
  t.same(parseBasicAuth(basic('pi-1', 'p:a:ss')), { username: 'pi-1', password: 'p:a:ss' }, 'the password may hold colons');
  for (const bad of [undefined, '', 'Bearer x', 'Basic', 'Basic !!!', basic('', 'x'), `Basic ${Buffer.from('nocolon').toString('base64')}`]) {
    t.equal(parseBasicAuth(bad), undefined, JSON.stringify(bad));
  }
});

t.test('connections stay only while the credential they logged in with is valid', async (t) => {
  const current = { node: 'pi-1', passwordHash: 'new', createdAt: '', expiresAt: new Date(NOW + TTL).toISOString(), previousPasswordHash: 'old', previousExpiresAt: new Date(NOW + OVERLAP).toISOString() };
  const cases: Array<[string, Parameters<typeof connectionStillValid>, boolean]> = [
    ['current, unexpired', [current, 'new', NOW], true],
    ['current, expired', [current, 'new', NOW + TTL], false],
    ['previous, in overlap', [current, 'old', NOW], true],
    ['previous, after overlap', [current, 'old', NOW + OVERLAP], false],
    ['replaced by a re-join', [current, 'older', NOW], false],
    ['deleted', [undefined, 'new', NOW], false],
    ['never expires (old credential)', [{ node: 'pi-1', passwordHash: 'new', createdAt: '' }, 'new', NOW + 1e12], true],
  ];
  for (const [name, args, expected] of cases) t.equal(connectionStillValid(...args), expected, name);
});

t.test('the sweep closes exactly the connections whose credentials lapsed or were revoked', async (t) => {
  const store = storeFor(t);
  const joined = await joinAt(store, NOW);
  const hash = (await store.getNodeCredential('pi-1'))!.passwordHash;
  const closed: string[] = [];
  const connection = (node: string, loginHash: string): NodeConnection => ({ node, loginHash, close: () => closed.push(node) });
  t.same(await sweepCredentials(store, [connection('pi-1', hash)], NOW), [], 'valid: kept');
  t.same(await sweepCredentials(store, [connection('pi-1', hash), connection('ghost', 'x')], NOW), ['ghost'], 'a node without credentials: dropped');
  t.same(await sweepCredentials(store, [connection('pi-1', hash)], NOW + TTL), ['pi-1'], 'expired: dropped');
  closed.length = 0;
  await renewAt(store, joined.password, NOW + 1_000);
  t.same(await sweepCredentials(store, [connection('pi-1', hash)], NOW + 2_000), [], 'renewed: the old login is kept during the overlap');
  t.same(await sweepCredentials(store, [connection('pi-1', hash)], NOW + 1_000 + OVERLAP), ['pi-1'], 'and dropped after it');
  await store.deleteNodeCredential('pi-1');
  const newHash = 'whatever';
  t.same(await sweepCredentials(store, [connection('pi-1', newHash)], NOW), ['pi-1'], 'deleted: dropped');
  t.same(closed, ['pi-1', 'pi-1']);
});

t.test('stored credentials from before expiry existed still verify (upgrade path)', async (t) => {
  const store = storeFor(t);
  const joined = await joinAt(store, NOW);
  const stored = (await store.getNodeCredential('pi-1'))!;
  await store.putNodeCredential({ node: 'pi-1', passwordHash: stored.passwordHash, createdAt: stored.createdAt });
  t.ok(await verifyNodeCredential(store, 'pi-1', joined.password, NOW + 100 * TTL));
});

t.test('a join with a bad node name is refused before any credential is issued', async (t) => {
  const store = storeFor(t);
  await t.rejects(handleJoin(store, { token: 'join', nodeName: 'Not_A_Name' }, { joinToken: 'join', mqttPort: 1883 }), { code: 'SKIFF_ERR_INVALID' });
  await t.rejects(handleJoin(store, { token: 42, nodeName: 'pi-1' }, { joinToken: 'join', mqttPort: 1883 }), { code: 'SKIFF_ERR_UNAUTHORIZED' });
  t.equal(await store.getNodeCredential('Not_A_Name'), undefined);
});

t.test('the sweeper runs on its own: drops lapsed connections, deletes expired tokens, survives a failing store', async (t) => {
  const store = storeFor(t);
  await store.createBootstrapToken({ id: 'old000', secretHash: '0'.repeat(64), description: '', createdAt: new Date(0).toISOString(), expiresAt: new Date(1).toISOString(), usageCount: 0 });
  let closed = 0;
  const lines: string[] = [];
  const log = { warn: (_: unknown, msg: string) => void lines.push(msg), info: (_: unknown, msg: string) => void lines.push(msg), error: (_: unknown, msg: string) => void lines.push(msg) };
  const sweeper = new CredentialSweeper({ store, connections: () => [{ node: 'gone', loginHash: 'x', close: () => void closed++ }], intervalMs: 5, log: log as never });
  sweeper.start();
  await waitFor('a sweep', () => closed > 0 && lines.includes('deleted expired bootstrap tokens'));
  await sweeper.stop();
  t.equal(await store.getBootstrapToken('old000'), undefined, 'the expired token is gone');
  t.ok(lines.includes('dropped an mqtt connection: its credentials expired, were replaced or were revoked'));

  const failing = new CredentialSweeper({
    store: { ...store, getNodeCredential: () => Promise.reject(new Error('disk gone')) } as never,
    connections: () => [{ node: 'pi-1', loginHash: 'x', close: () => undefined }],
    intervalMs: 5,
    log: log as never,
  });
  failing.start();
  await waitFor('a failed sweep to be logged', () => lines.includes('credential sweep failed'));
  await failing.stop();
  t.pass('a failing pass is logged and the sweeper stops cleanly');
});

t.test('at the real broker: expired credentials are refused at login, and the sweep drops a connection whose credentials lapsed', async (t) => {
  const store = storeFor(t);
  const broker = await EmbeddedBroker.start({ store, logger: createLogger('hub', 'silent'), port: 0, host: '127.0.0.1' });
  const clients: MqttClient[] = [];
  t.teardown(async () => {
    for (const client of clients) client.end(true);
    await broker.close();
  });
  const TTL_MS = 1_500;
  const joined = await handleJoin(store, { token: 'join', nodeName: 'pi-1' }, { joinToken: 'join', mqttPort: broker.port, credentialTtlMs: TTL_MS });
  const login = (password: string) =>
    new Promise<{ client: MqttClient; error?: Error }>((resolve) => {
      const client = connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: agentClientId('pi-1'), username: 'pi-1', password, reconnectPeriod: 0, protocolVersion: 4 });
      clients.push(client);
      client.once('connect', () => resolve({ client }));
      client.once('error', (error) => resolve({ client, error }));
    });
  const first = await login(joined.password);
  t.equal(first.error, undefined, 'fresh credentials log in');
  t.same(broker.nodeConnections().map((c) => c.node), ['pi-1'], 'the broker reports the connection with its login hash');
  t.same(await sweepCredentials(store, broker.nodeConnections(), Date.now()), [], 'still valid: kept');
  const closed = new Promise<void>((resolve) => first.client.once('close', () => resolve()));
  await waitFor('the credentials to expire and the sweep to drop the connection', async () => (await sweepCredentials(store, broker.nodeConnections(), Date.now())).length > 0);
  await closed;
  t.pass('the lapsed connection was closed by the broker');
  const again = await login(joined.password);
  t.match(again.error?.message, /Bad username or password/i, 'and expired credentials cannot log in again');
});

t.test('a renewal racing a revocation or a re-join never brings the old credential back', async (t) => {
  const store = storeFor(t);
  const joined = await joinAt(store, NOW);
  const matched = (await matchNodeCredential(store, 'pi-1', joined.password, NOW))!;
  await store.deleteNodeCredential('pi-1'); // `skiff delete node` lands while the renewal hashes
  t.equal(await renewNodeCredential(store, matched, { ttlMs: TTL, overlapMs: OVERLAP, now: NOW }), undefined, 'deleted meanwhile: no renewal');
  t.equal(await store.getNodeCredential('pi-1'), undefined, 'and still deleted');

  const rejoined = await joinAt(store, NOW);
  const stale = (await matchNodeCredential(store, 'pi-1', rejoined.password, NOW))!;
  await joinAt(store, NOW); // the name is joined again by someone else
  t.equal(await renewNodeCredential(store, stale, { ttlMs: TTL, overlapMs: OVERLAP, now: NOW }), undefined, 'replaced meanwhile: no renewal');
  t.notOk(await store.swapNodeCredential({ node: 'pi-1', passwordHash: 'x', createdAt: '' }, 'not-the-current-hash'), 'the store swaps only from the expected hash');
});
