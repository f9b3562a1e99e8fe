/**
 * Leader election on a real PostgreSQL 15 (hub/leader/postgres-lease.ts): one leader at a time,
 * a quick handover when the leader stops, takeover after a dead leader's lease expires, a leader
 * that cannot renew stepping down before that, and fenced writes refused to a deposed leader.
 * Short timings (a 1.2 s lease) keep it fast; the logic is the same as with the defaults.
 */
import t, { type Test } from 'tap';
import pg from 'pg';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { PostgresStore } from '../../../hub/store/postgres-store.js';
import type { PostgresLeaderLease } from '../../../hub/leader/postgres-lease.js';
import { startPostgres } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait.js';

const nodes = resolveResource('nodes')!;
const TIMING = { leaseDurationMs: 1200, renewPeriodMs: 150, retryPeriodMs: 150 };
const server = await startPostgres();
t.teardown(() => server.close());

interface Campaign {
  store: PostgresStore;
  lease: PostgresLeaderLease;
  events: string[];
  lines: string[];
}

async function campaign(t: Test, url: string, name: string, pool?: (real: pg.Pool) => pg.Pool, events: string[] = []): Promise<Campaign> {
  const lines: string[] = [];
  const log = { info: (f: object, m: string) => void lines.push(`info ${m} ${JSON.stringify(f)}`), warn: (f: object, m: string) => void lines.push(`warn ${m} ${JSON.stringify(f)}`), error: () => {} };
  const store = await PostgresStore.open(url, { log });
  let lease = store.leaderLease(log, TIMING);
  if (pool) {
    // The same election over a pool the test can cut.
    const { PostgresLeaderLease } = await import('../../../hub/leader/postgres-lease.js');
    lease = new PostgresLeaderLease(pool((store as unknown as { pool: pg.Pool }).pool), log, TIMING);
  }
  lease.start({ onStartedLeading: () => void events.push(`${name} leads`), onStoppedLeading: (reason) => void events.push(`${name} stopped: ${reason}`) });
  t.teardown(async () => {
    await lease.stop();
    await store.close();
  });
  return { store, lease, events, lines };
}

function node(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name } };
}

t.test('one leader at a time; a stopping leader hands over at once, with a new fencing token', async (t) => {
  const url = await server.createDatabase();
  const a = await campaign(t, url, 'a');
  await waitFor('a to lead', () => a.lease.isLeader());
  const b = await campaign(t, url, 'b');
  await new Promise((resolve) => setTimeout(resolve, TIMING.leaseDurationMs * 1.5));
  t.notOk(b.lease.isLeader(), 'b follows while a renews');
  t.match(b.lines.join('\n'), new RegExp(`following the leader .*"leader":"${a.lease.identity}"`));
  const first = a.lease.fencing()!;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  t.teardown(() => admin.end());
  const leaseOfA = (await admin.query('SELECT expires_at FROM leader_leases')).rows[0] as { expires_at: Date };
  await a.lease.stop();
  await waitFor('b to lead', () => b.lease.isLeader(), { intervalMs: 20 });
  const leaseOfB = (await admin.query('SELECT acquired_at FROM leader_leases')).rows[0] as { acquired_at: Date };
  t.ok(leaseOfB.acquired_at < leaseOfA.expires_at, 'b took over before a\'s lease would have expired (the database\'s clock)');
  t.equal(b.lease.fencing(), first + 1);
  t.same(a.events, ['a leads']);
  t.same(b.events, ['b leads']);
});

t.test('a leader that cannot reach the database steps down before its lease expires; another takes over after it', async (t) => {
  const url = await server.createDatabase();
  let cut = false;
  // Queries hang once cut, as on a dead TCP connection.
  const cuttable = (real: pg.Pool): pg.Pool => ({ query: (...args: unknown[]) => (cut ? new Promise(() => undefined) : (real.query as (...a: unknown[]) => unknown)(...args)) }) as unknown as pg.Pool;
  const events: string[] = []; // both hubs' events, in the order they happened
  const a = await campaign(t, url, 'a', cuttable, events);
  await waitFor('a to lead', () => a.lease.isLeader());
  const b = await campaign(t, url, 'b', undefined, events);
  const cutAt = performance.now();
  cut = true;
  await waitFor('a to step down', () => !a.lease.isLeader(), { intervalMs: 20 });
  t.notOk(b.lease.isLeader(), 'b waits for the lease to expire');
  await waitFor('b to lead', () => b.lease.isLeader(), { intervalMs: 20 });
  t.equal(events.length, 3);
  t.equal(events[0], 'a leads');
  t.match(events[1], /^a stopped: could not renew the leader lease for \d+ ms$/, 'the cut-off leader stepped down...');
  t.equal(events[2], 'b leads', '...before another could lead');
  t.ok(performance.now() - cutAt >= TIMING.leaseDurationMs - TIMING.renewPeriodMs, 'not before the dead leader\'s lease ran out');
});

t.test('fenced writes: the leader writes; once deposed, its writes are refused and nothing is stored', async (t) => {
  const url = await server.createDatabase();
  const a = await campaign(t, url, 'a');
  await waitFor('a to lead', () => a.lease.isLeader());
  const b = await campaign(t, url, 'b');
  const asLeaderA = a.store.fenced(a.lease);
  const asLeaderB = b.store.fenced(b.lease);
  t.ok(await asLeaderA.create(nodes, node('by-a')), 'the leader writes');
  await t.rejects(asLeaderB.create(nodes, node('by-b')), { code: 'SKIFF_ERR_CONFLICT', message: /this hub does not lead \(the controllers lease is held by .* with fencing 1; this hub's token: none\): write refused/ });
  t.ok(await b.store.create(nodes, node('through-b-api')), 'unfenced writes (the API) work on every hub');

  // a is paused (its timers stop) past its lease, and b takes over; a still believes it leads.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  t.teardown(() => admin.end());
  (a.lease as unknown as { stopped: boolean }).stopped = true; // no more renewals, as a frozen process
  await admin.query("UPDATE leader_leases SET expires_at = now() - interval '1 second'");
  await waitFor('b to lead', () => b.lease.isLeader(), { intervalMs: 20 });
  t.ok(a.lease.isLeader(), 'a has not noticed');
  await t.rejects(asLeaderA.create(nodes, node('late-a')), { code: 'SKIFF_ERR_CONFLICT', message: /held by .* with fencing 2; this hub's token: 1/ });
  await t.rejects(asLeaderA.delete(nodes, undefined, 'by-a'), { code: 'SKIFF_ERR_CONFLICT' });
  t.ok(await asLeaderB.create(nodes, node('by-new-leader')));
  t.same((await b.store.list(nodes)).map((n) => n.metadata.name), ['by-a', 'by-new-leader', 'through-b-api'], 'nothing of the deposed leader after the takeover');
});
