import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadCredentials, saveCredentials } from '../../../agent/session/credentials.js';
import { HubRefusedError } from '../../../agent/session/hub-post.js';
import { CredentialRenewer, renewalDelayMs, renewalRetryDelayMs, requestRenew, type RenewerOptions } from '../../../agent/session/renewal.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import type { JoinResponse } from '../../../shared/join.js';
import { silentLog } from './fixtures/builders.js';

const NOW = Date.parse('2026-12-05T10:00:00Z');
const DAY = 24 * 3_600_000;

const creds = (password: string, expiresAtMs?: number): JoinResponse => ({
  nodeName: 'pi-1',
  mqttPort: 1883,
  username: 'pi-1',
  password,
  ...(expiresAtMs !== undefined ? { expiresAt: new Date(expiresAtMs).toISOString() } : {}),
});

t.test('renewal is due at about 2/3 of the remaining lifetime, jittered', async (t) => {
  const lifetime = 30 * DAY;
  t.equal(renewalDelayMs(NOW + lifetime, NOW, 0.5), Math.floor((lifetime * 2) / 3), 'the middle of the jitter is exactly 2/3');
  const earliest = renewalDelayMs(NOW + lifetime, NOW, 0)!;
  const latest = renewalDelayMs(NOW + lifetime, NOW, 0.999999)!;
  t.ok(earliest < latest, 'random spreads a fleet out');
  t.ok(earliest >= lifetime * 0.6 && latest <= lifetime * 0.72, `between 60% and 72% (${earliest / lifetime}, ${latest / lifetime})`);
  t.equal(renewalDelayMs(NOW + 6_000, NOW, 0.5), 4_000, 'a 6 s credential renews after 4 s');
  t.equal(renewalDelayMs(NOW - 1, NOW, 0.5), 0, 'expired: at once');
  t.equal(renewalDelayMs(undefined, NOW, 0.5), undefined, 'no expiry: never');
});

t.test('retries back off, but keep trying a few times before the expiry', async (t) => {
  t.equal(renewalRetryDelayMs(10, undefined, NOW, 0.999), renewalRetryDelayMs(10, NOW - 1, NOW, 0.999), 'no expiry and expired back off alike');
  t.ok(renewalRetryDelayMs(10, undefined, NOW, 0.999) <= DEFAULTS.reconnectMaxMs);
  t.ok(renewalRetryDelayMs(10, NOW + 3_000, NOW, 0.999) <= 1_000, 'at most a third of the time left');
  t.ok(renewalRetryDelayMs(0, NOW + 10, NOW, 0.999) >= 100, 'never a busy loop');
});

/**
 * A renewer on a fake clock whose sleeps advance the clock at once. The renewer is stopped from
 * inside its next sleep once run's `done` holds, so it never runs past what a test looks at.
 */
function harness(overrides: Partial<RenewerOptions> & { initial: JoinResponse }) {
  let clock = NOW;
  let until: () => boolean = () => false;
  const sleeps: number[] = [];
  const saved: JoinResponse[] = [];
  const switched: string[] = [];
  let renewer: CredentialRenewer;
  let stopping: Promise<void> | undefined;
  const options: RenewerOptions = {
    renew: async () => Promise.reject(new Error('unexpected renew')),
    rejoin: async () => Promise.reject(new Error('unexpected rejoin')),
    save: async (c) => void saved.push(c),
    onRenewed: (c) => void switched.push(c.password),
    log: silentLog,
    now: () => clock,
    random: () => 0.5,
    sleep: async (ms) => {
      if (until() || sleeps.length >= 20) {
        stopping ??= renewer.stop(); // aborts the signal: the renewer returns after this sleep
        return;
      }
      sleeps.push(ms);
      clock += ms;
    },
    ...overrides,
  };
  renewer = new CredentialRenewer(options);
  return {
    renewer,
    sleeps,
    saved,
    switched,
    now: () => clock,
    async run(done: () => boolean): Promise<void> {
      until = done;
      renewer.start();
      await new Promise<void>((resolve) => {
        const poll = (): void => (stopping ? void stopping.then(() => resolve()) : void setImmediate(poll));
        poll();
      });
    },
  };
}

t.test('renews repeatedly, saving each new credential before the session switches to it', async (t) => {
  let n = 0;
  const h = harness({
    initial: creds('p0', NOW + 6_000),
    renew: async (current) => {
      t.equal(current.password, `p${n}`, 'renews with the newest credentials');
      n++;
      return creds(`p${n}`, h.now() + 6_000);
    },
  });
  const order: string[] = [];
  const save = h.saved.push.bind(h.saved);
  h.saved.push = (...c: JoinResponse[]) => (order.push(`save ${c[0]!.password}`), save(...c));
  const switchTo = h.switched.push.bind(h.switched);
  h.switched.push = (...p: string[]) => (order.push(`switch ${p[0]}`), switchTo(...p));
  await h.run(() => n >= 3);
  t.same(h.switched.slice(0, 3), ['p1', 'p2', 'p3']);
  t.same(order.slice(0, 4), ['save p1', 'switch p1', 'save p2', 'switch p2']);
  t.same(h.sleeps.slice(0, 3), [4_000, 4_000, 4_000], 'each at 2/3 of a 6 s lifetime');
  t.equal(h.renewer.credentials.password.startsWith('p'), true);
});

t.test('an unreachable hub is retried with backoff until renewal works', async (t) => {
  let calls = 0;
  const h = harness({
    initial: creds('old', NOW + 60_000),
    renew: async () => {
      calls++;
      if (calls < 3) throw new Error('ECONNREFUSED');
      return creds('new', NOW + 120_000);
    },
  });
  await h.run(() => h.switched.length > 0);
  t.equal(calls, 3);
  t.same(h.switched, ['new']);
  t.equal(h.sleeps[0], 40_000, 'first the scheduled renewal');
  t.ok(h.sleeps[1]! >= DEFAULTS.reconnectMinMs && h.sleeps[2]! >= DEFAULTS.reconnectMinMs, 'then backoff between attempts');
});

t.test('credentials that expired while offline: join again with the join token', async (t) => {
  const h = harness({
    initial: creds('stale', NOW - 1_000),
    rejoin: async () => creds('rejoined', NOW + 60_000),
  });
  await h.run(() => h.switched.length > 0);
  t.same(h.switched, ['rejoined']);
  t.equal(h.sleeps[0], 0, 'at once');
  t.equal(h.saved[0]?.password, 'rejoined');
});

t.test('credentials refused before they expire (node deleted) are not replaced by a re-join until they would have expired', async (t) => {
  let rejoins = 0;
  const h = harness({
    initial: creds('revoked', NOW + 30_000),
    renew: async () => Promise.reject(new HubRefusedError(401, 'renewal refused: HTTP 401: Unauthorized')),
    rejoin: async () => (rejoins++, creds('back', h.now() + 30_000)),
  });
  await h.run(() => h.switched.length > 0);
  t.equal(h.sleeps[0], 20_000, 'the scheduled renewal');
  t.equal(h.sleeps[1], 10_000, 'refused: waits out the rest of the old lifetime');
  t.equal(rejoins, 1, 'then joins again, with the join token');
});

t.test('a refused re-join (join token revoked) keeps retrying with backoff', async (t) => {
  let rejoins = 0;
  const h = harness({
    initial: creds('stale', NOW - 1),
    rejoin: async () => {
      rejoins++;
      if (rejoins < 3) throw new HubRefusedError(401, 'join refused: HTTP 401: invalid join token');
      return creds('ok', h.now() + 60_000);
    },
  });
  await h.run(() => h.switched.length > 0);
  t.equal(rejoins, 3);
  t.ok(h.sleeps.slice(1, 3).every((ms) => ms >= DEFAULTS.reconnectMinMs));
});

t.test('credentials without expiry (an older hub) are never renewed', async (t) => {
  const h = harness({ initial: creds('forever') });
  h.renewer.start();
  await h.renewer.stop();
  t.same(h.sleeps, []);
});

t.test('a credentials file is saved atomically with mode 0600 and read back with its expiry', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-renewal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'credentials.json');
  await saveCredentials(file, creds('a', NOW + DAY));
  await saveCredentials(file, creds('b', NOW + 2 * DAY));
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.same(await loadCredentials(file), creds('b', NOW + 2 * DAY));
  t.notOk(readFileSync(file, 'utf8').includes('"a"'), 'the old password is gone');
});

t.test('requestRenew sends Basic node:password and returns the new credentials; a 401 is a HubRefusedError', async (t) => {
  const seen: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    const ok = req.headers.authorization === `Basic ${Buffer.from('pi-1:good').toString('base64')}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? creds('fresh', NOW + DAY) : { kind: 'Status', message: 'Unauthorized' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.same(await requestRenew(url, creds('good')), creds('fresh', NOW + DAY));
  const refused = await requestRenew(url, creds('bad')).catch((err: unknown) => err);
  t.ok(refused instanceof HubRefusedError && refused.status === 401, 'refused');
  t.match((refused as Error).message, /Unauthorized/);
  t.equal(seen.length, 2);
});

t.test('requestRenew: a non-JSON refusal keeps its text; a 200 that is not credentials is an error', async (t) => {
  let answer: [number, string] = [503, 'upstream down'];
  const server = createServer((_req, res) => {
    res.writeHead(answer[0]);
    res.end(answer[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const refused = await requestRenew(url, creds('x')).catch((err: unknown) => err);
  t.ok(refused instanceof HubRefusedError && refused.status === 503);
  t.match((refused as Error).message, /HTTP 503: upstream down/);
  answer = [200, '{"nodeName":"pi-1"}'];
  await t.rejects(requestRenew(url, creds('x')), /bad renewal response: response is not a JoinResponse/);
  answer = [200, 'not json'];
  await t.rejects(requestRenew(url, creds('x')), /bad renewal response/);
});
