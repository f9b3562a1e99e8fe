import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadCredentials } from '../../../agent/session/credentials.js';
import { obtainCredentials, requestJoin } from '../../../agent/session/join.js';
import { reconnectDelayMs } from '../../../agent/session/reconnect-delay.js';
import { silentLog } from './fixtures/builders.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-agent-join-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const credentials = { nodeName: 'pi-1', mqttPort: 1883, username: 'node-pi-1', password: 's3cret' };

t.test('joining POSTs the JoinRequest and returns the JoinResponse', async (t) => {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push({ method: req.method, url: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
      const ok = JSON.parse(body).token === 'good';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? credentials : { message: 'invalid join token' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.same(await requestJoin(url, { token: 'good', nodeName: 'pi-1' }), credentials);
  t.same(bodies[0], { method: 'POST', url: '/skiff/v1/join', type: 'application/json', body: { token: 'good', nodeName: 'pi-1' } });
  await t.rejects(requestJoin(url, { token: 'bad', nodeName: 'pi-1' }), /HTTP 401: invalid join token/);
});

t.test('obtainCredentials retries until the hub answers, then saves credentials.json with mode 0600', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'credentials.json');
  let calls = 0;
  const flakyJoin = async () => {
    calls++;
    if (calls < 3) throw new Error('connect ECONNREFUSED');
    return credentials;
  };
  const started = Date.now();
  const got = await obtainCredentials({ file, server: 'http://hub', token: 't', nodeName: 'pi-1', log: silentLog, signal: new AbortController().signal, random: () => 0, join: flakyJoin });
  t.same(got, credentials);
  t.equal(calls, 3);
  t.ok(Date.now() - started >= 2000, 'waited reconnectMinMs between attempts');
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.same(await loadCredentials(file), credentials);
  const again = await obtainCredentials({ file, server: 'http://hub', token: 't', nodeName: 'pi-1', log: silentLog, signal: new AbortController().signal, join: async () => t.fail('no second join') as never });
  t.same(again, credentials, 'stored credentials are used without joining');
});

t.test('an abort stops the retries', async (t) => {
  const dir = tempDir(t);
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 50);
  const got = await obtainCredentials({ file: join(dir, 'c.json'), server: 'http://hub', token: 't', nodeName: 'n', log: silentLog, signal: abort.signal, join: async () => Promise.reject(new Error('down')) });
  t.equal(got, undefined);
});

t.test('a credentials file that is not credentials is an error, not a silent re-join', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'c.json'), '{"nodeName": 1}');
  await t.rejects(loadCredentials(join(dir, 'c.json')), /does not hold valid credentials/);
});

t.test('reconnect delays: full jitter over [1 s, min(30 s, 1 s * 2^(n+1))), from the first attempt on', async (t) => {
  t.equal(reconnectDelayMs(0, 0), 1000, 'the floor');
  t.equal(reconnectDelayMs(0, 0.5), 1500, 'the first attempt is jittered too: 1 s .. 2 s');
  t.equal(reconnectDelayMs(0, 0.99), 1990);
  t.equal(reconnectDelayMs(3, 0.5), 8500, 'attempt 3: 1 s .. 16 s');
  t.equal(reconnectDelayMs(10, 0.999), 29_971, 'capped at 30 s');
  t.equal(reconnectDelayMs(50, 0), 1000);
  const first = Array.from({ length: 1000 }, (_, i) => reconnectDelayMs(0, i / 1000));
  t.equal(first.filter((ms) => ms === 1000).length, 1, 'a fleet’s first attempts are spread, not piled on the floor');
});
