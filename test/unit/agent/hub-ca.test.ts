import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { establishHubTrust, fetchHubCa, HubTrustError } from '../../../agent/session/hub-ca.js';
import { requestJoin } from '../../../agent/session/join.js';
import { loadOrCreateTls, type HubTls } from '../../../hub/identity/tls.js';
import { caHashOf, formatJoinToken } from '../../../shared/join-token.js';
import { silentLog } from './fixtures/builders.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-hub-ca-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const OTHER_PEM = '-----BEGIN CERTIFICATE-----\nMIIBother\n-----END CERTIFICATE-----\n';
const SERVER = 'https://hub.example:7443/';
const never = new AbortController().signal;

t.test('a K10 token whose hash matches the served CA pins it in DATA/ca.crt (0600) and yields the credential', async (t) => {
  const dataDir = join(tempDir(t), 'agent');
  const asked: string[] = [];
  const trust = await establishHubTrust({
    server: SERVER,
    token: formatJoinToken(caHashOf(CA_PEM), 'skiff-join.s3cret'),
    dataDir,
    log: silentLog,
    signal: never,
    fetchCa: async (server) => (asked.push(server), CA_PEM),
  });
  t.same(trust, { caPem: CA_PEM, credential: 'skiff-join.s3cret' });
  t.same(asked, [SERVER]);
  t.equal(readFileSync(join(dataDir, 'ca.crt'), 'utf8'), CA_PEM);
  t.equal(statSync(join(dataDir, 'ca.crt')).mode & 0o777, 0o600);

  const again = await establishHubTrust({ server: SERVER, token: 'skiff-join.s3cret', dataDir, log: silentLog, signal: never, fetchCa: async () => t.fail('no fetch: offline start') as never });
  t.same(again, { caPem: CA_PEM, credential: 'skiff-join.s3cret' }, 'later starts use the stored CA, even with a bare token');
});

t.test('a hash mismatch is refused naming both hashes, and nothing is written', async (t) => {
  const dataDir = join(tempDir(t), 'agent');
  const expected = caHashOf(OTHER_PEM);
  const refused = await establishHubTrust({ server: SERVER, token: formatJoinToken(expected, 'skiff-join.s3cret'), dataDir, log: silentLog, signal: never, fetchCa: async () => CA_PEM }).then(
    () => undefined,
    (err: unknown) => err,
  );
  t.ok(refused instanceof HubTrustError, 'a HubTrustError');
  const message = (refused as Error).message;
  t.match(message, `its CA certificate has sha256 ${caHashOf(CA_PEM)}, but the join token expects ${expected}`);
  t.notMatch(message, 's3cret', 'the credential is never echoed');
  t.notOk(existsSync(dataDir), 'no data dir, no ca.crt');
});

t.test('a stored CA that the token does not name is refused too', async (t) => {
  const dataDir = tempDir(t);
  writeFileSync(join(dataDir, 'ca.crt'), CA_PEM);
  await t.rejects(
    establishHubTrust({ server: SERVER, token: formatJoinToken(caHashOf(OTHER_PEM), 'x'), dataDir, log: silentLog, signal: never }),
    { name: 'HubTrustError', message: /delete it and credentials\.json/ },
  );
});

t.test('a bare token against an https hub is refused before any request; plain http takes it', async (t) => {
  const dataDir = tempDir(t);
  await t.rejects(
    establishHubTrust({ server: SERVER, token: 'skiff-join.s3cret', dataDir, log: silentLog, signal: never, fetchCa: async () => t.fail('no request to an unverified hub') as never }),
    { name: 'HubTrustError', message: /with a bare token: .*the K10<ca-hash>::\.\.\. token it prints/ },
  );
  t.same(await establishHubTrust({ server: 'http://hub:7443/', token: 'skiff-join.s3cret', dataDir, log: silentLog, signal: never }), { credential: 'skiff-join.s3cret' });
  t.same(await establishHubTrust({ server: 'http://hub:7443/', token: formatJoinToken(caHashOf(CA_PEM), 'c'), dataDir, log: silentLog, signal: never }), { credential: 'c' });
  await t.rejects(establishHubTrust({ server: SERVER, token: 'K10abc::x', dataDir, log: silentLog, signal: never }), { name: 'HubTrustError', message: /64 lowercase hex/ });
});

t.test('an unreachable hub is asked again with backoff until it answers, or until aborted', async (t) => {
  const dataDir = tempDir(t);
  let calls = 0;
  const trust = await establishHubTrust({
    server: SERVER,
    token: formatJoinToken(caHashOf(CA_PEM), 'c'),
    dataDir,
    log: silentLog,
    signal: never,
    random: () => 0,
    fetchCa: async () => (++calls < 2 ? Promise.reject(new Error('ECONNREFUSED')) : CA_PEM),
  });
  t.equal(calls, 2);
  t.equal(trust?.caPem, CA_PEM);

  const abort = new AbortController();
  const pending = establishHubTrust({ server: SERVER, token: formatJoinToken(caHashOf(CA_PEM), 'c'), dataDir: tempDir(t), log: silentLog, signal: abort.signal, fetchCa: async () => Promise.reject(new Error('down')) });
  abort.abort();
  t.equal(await pending, undefined);
});

t.test('against a real TLS server: /cacerts is fetched without trust, the join then trusts only the pinned CA', async (t) => {
  const hub: HubTls = loadOrCreateTls(tempDir(t), { host: '127.0.0.1', hostname: 'h' });
  const stranger: HubTls = loadOrCreateTls(tempDir(t), { host: '127.0.0.1', hostname: 'h' });
  const server = createHttpsServer({ cert: hub.certPem, key: hub.keyPem }, (req, res) => {
    if (req.url === '/cacerts') return void res.end(hub.caPem);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nodeName: 'pi', mqttPort: 1883, username: 'pi', password: 'p' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.equal(await fetchHubCa(url), hub.caPem, 'served bytes, exactly');
  t.match(await requestJoin(url, { token: 'c', nodeName: 'pi' }, undefined, hub.caPem), { nodeName: 'pi' }, 'the pinned CA verifies the hub');
  await t.rejects(requestJoin(url, { token: 'c', nodeName: 'pi' }, undefined, stranger.caPem), /self.signed|unable to verify|certificate/i, 'another CA does not');
});
