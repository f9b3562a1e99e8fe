/**
 * The PostgreSQL store (issue #11) on a real PostgreSQL 15 started by this test: the same store
 * contract as SQLite, then what only several hubs on one database can show. Each test gets a
 * database of its own.
 */
import t, { type Test } from 'tap';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { PostgresStore, type PostgresStoreOptions } from '../../../hub/store/postgres-store.js';
import { POSTGRES_MIGRATIONS } from '../../../hub/store/postgres-migrations.js';
import { SecretEncryption, ENVELOPE_PREFIX } from '../../../hub/store/secret-encryption.js';
import { serviceAdmission } from '../../../hub/objects/service-allocation.js';
import type { Change, Store } from '../../../hub/store/store.js';
import { startPostgres, type LocalPostgres } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait.js';
import { storeContract } from './store-contract.js';

const pods = resolveResource('pods')!;
const services = resolveResource('services')!;
const secrets = resolveResource('secrets')!;

const server: LocalPostgres = await startPostgres();
t.teardown(() => server.close());

/** Log lines the stores wrote, per test: a test that expects none can say so. */
function quietLog(lines: string[] = []): PostgresStoreOptions['log'] {
  return { warn: (fields, message) => lines.push(`warn ${message} ${JSON.stringify(fields)}`), error: (fields, message) => lines.push(`error ${message} ${JSON.stringify(fields)}`) };
}

async function open(t: Test, url: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
  const store = await PostgresStore.open(url, { log: quietLog(), ...options });
  t.teardown(() => store.close().catch(() => undefined)); // a test may have closed it already
  return store;
}

function pod(name: string, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject;
}

function service(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } } as KubeObject;
}

function recorded(store: Store): string[] {
  const seen: string[] = [];
  store.onChange((c: Change) => seen.push(`${c.object.metadata.resourceVersion} ${c.type} ${c.object.metadata.name}${c.previous ? ` (was ${c.previous.metadata.resourceVersion})` : ''}`));
  return seen;
}

t.test('PostgresStore passes the store contract', async (t) => {
  storeContract(t, async () => {
    const url = await server.createDatabase();
    return { store: await PostgresStore.open(url, { log: quietLog() }), reopen: () => PostgresStore.open(url, { log: quietLog() }) };
  });
});

t.test('two hubs on one database: each sees every write, in revision order, with the object before it', async (t) => {
  const url = await server.createDatabase();
  const a = await open(t, url);
  const b = await open(t, url);
  const seenA = recorded(a);
  const seenB = recorded(b);
  const created = await a.create(pods, pod('one'));
  await b.update(pods, { ...created, metadata: { ...created.metadata, labels: { by: 'b' } } });
  await a.delete(pods, 'default', 'one');
  const expected = [`${created.metadata.resourceVersion} ADDED one`, `${Number(created.metadata.resourceVersion) + 1} MODIFIED one (was ${created.metadata.resourceVersion})`, `${Number(created.metadata.resourceVersion) + 2} DELETED one`];
  t.same(seenA, expected, 'the writer of the first and last change saw all three by the time its writes returned');
  await waitFor('hub b to see the deletion', () => seenB.length === 3);
  t.same(seenB, expected);
  t.same((await b.get(pods, 'default', 'one')), undefined);
});

t.test('concurrent writers on two hubs: unique revisions, and both deliver the same gapless sequence', async (t) => {
  const url = await server.createDatabase();
  const a = await open(t, url);
  const b = await open(t, url);
  const seenA = recorded(a);
  const seenB = recorded(b);
  const writes = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).create(pods, pod(`p${i}`)));
  const batches = [a, b].map((store, s) => store.writeBatch(Array.from({ length: 10 }, (_, i) => ({ type: 'create' as const, resource: pods, object: pod(`batch-${s}-${i}`) }))));
  const stored = [...(await Promise.all(writes)), ...(await Promise.all(batches)).flat().map((o) => o.object!)];
  const revisions = stored.map((o) => Number(o.metadata.resourceVersion)).sort((x, y) => x - y);
  t.equal(new Set(revisions).size, 60, 'every write took its own revision');
  t.same(revisions, Array.from({ length: 60 }, (_, i) => revisions[0]! + i), 'with no gaps');
  await waitFor('both hubs to deliver all 60 changes', () => seenA.length === 60 && seenB.length === 60);
  t.same(seenA, seenB, 'both hubs delivered them in the same order');
  t.same(seenA.map((line) => Number(line.split(' ')[0])), revisions, 'in revision order');
});

t.test('Services created at once on two hubs never share a clusterIP or nodePort (admission inside the locked transaction)', async (t) => {
  const url = await server.createDatabase();
  const a = await open(t, url, { admission: serviceAdmission() });
  const b = await open(t, url, { admission: serviceAdmission() });
  const created = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).create(services, service(`s${i}`))));
  const spec = (s: KubeObject) => s.spec as { clusterIP: string; ports: Array<{ nodePort: number }> };
  t.equal(new Set(created.map((s) => spec(s).clusterIP)).size, 30, 'distinct clusterIPs');
  t.equal(new Set(created.map((s) => spec(s).ports[0]!.nodePort)).size, 30, 'distinct nodePorts');
});

t.test('migrations: hubs starting together migrate once; a newer schema is refused by name', async (t) => {
  const url = await server.createDatabase();
  const stores = await Promise.all([0, 1, 2].map(() => open(t, url)));
  await stores[0]!.create(pods, pod('a'));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  t.equal((await client.query('SELECT version FROM skiff_schema')).rows[0].version, POSTGRES_MIGRATIONS.length);
  await client.query('UPDATE skiff_schema SET version = $1', [POSTGRES_MIGRATIONS.length + 1]);
  await t.rejects(PostgresStore.open(url, { log: quietLog() }), { code: 'SKIFF_ERR_CONFIG', message: /schema version \d+, newer than this Skiff.*upgrade Skiff/ });
  const withPassword = await PostgresStore.open(url, { log: quietLog() }).catch((err: Error) => err);
  t.notMatch(String(withPassword), /skiff-test-password/, 'the error names the endpoint without its password');
});

t.test('an unreachable datastore is a configuration error naming it, without the password', async (t) => {
  const url = server.url('no_such_database');
  await t.rejects(PostgresStore.open(url, { log: quietLog() }), { code: 'SKIFF_ERR_CONFIG', message: /cannot connect to the datastore postgres:\/\/skiff:\*\*\*@127\.0\.0\.1:\d+\/no_such_database: .*does not exist/ });
});

t.test('Secrets are sealed in PostgreSQL rows and in the change log, and a hub without the key refuses to start', async (t) => {
  const url = await server.createDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'skiff-pg-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = await open(t, url, { secretEncryption: new SecretEncryption(join(dir, 'encryption.key')) });
  const value = Buffer.from('pg-s3cr3t-SENTINEL').toString('base64');
  await store.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { password: value } } as KubeObject);
  t.same(((await store.get(secrets, 'default', 's')) as { data?: object })?.data, { password: value }, 'reads are transparent');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  for (const table of ['objects', 'changes']) {
    const rows = (await client.query(`SELECT data FROM ${table} WHERE resource = '/secrets'`)).rows as Array<{ data: string }>;
    t.ok(rows.length > 0 && rows.every((r) => r.data.startsWith(ENVELOPE_PREFIX) && !r.data.includes(value)), `${table}: sealed`);
  }
  await store.close();
  await t.rejects(PostgresStore.open(url, { log: quietLog(), secretEncryption: new SecretEncryption(join(dir, 'other.key')) }), { code: 'SKIFF_ERR_CONFIG', message: /encryption key file .*other\.key not found/ });
});

t.test('the change log is compacted, and a hub that fell behind the compaction says so', async (t) => {
  const url = await server.createDatabase();
  const writer = await open(t, url, { feed: { retainMs: 0, retainRevisions: 2 } });
  const lines: string[] = [];
  const gaps: Array<[number, number]> = [];
  // A hub whose poll never runs and that hears no notification: it is as if its link were down.
  const behind = await open(t, url, { log: quietLog(lines), feed: { pollIntervalMs: 3_600_000, onGap: (from, to) => gaps.push([from, to]) } });
  const seen = recorded(behind);
  (behind as unknown as { feed: { listener?: pg.Client } }).feed.listener?.removeAllListeners('notification');
  for (let i = 0; i < 6; i++) await writer.create(pods, pod(`p${i}`));
  const revision = await writer.revision();
  const removed = await (writer as unknown as { feed: { compact(): Promise<number> } }).feed.compact();
  t.equal(removed, 3, 'all but the newest revisions (more than retainRevisions behind) are deleted');
  await (behind as unknown as { feed: { pump(): Promise<void> } }).feed.pump();
  t.same(gaps, [[revision - 5, revision - 2]], 'the gap is reported with the revisions it lost');
  t.same(seen.map((s) => s.split(' ')[2]), ['p3', 'p4', 'p5'], 'what is still in the log is delivered');
  t.match(lines.join('\n'), /error changes were compacted from the log before this hub read them/);
});

t.test('a lost notification connection: changes still arrive (poll), and it comes back', async (t) => {
  const url = await server.createDatabase();
  const lines: string[] = [];
  const a = await open(t, url);
  const b = await open(t, url, { log: quietLog(lines), feed: { pollIntervalMs: 200 } });
  const seen = recorded(b);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  t.teardown(() => admin.end());
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`);
  await a.create(pods, pod('after-the-cut'));
  await waitFor('hub b to see the write made while its listener was down', () => seen.some((s) => s.endsWith('after-the-cut')));
  await waitFor('hub b to listen again', async () => Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN%'`)).rows[0].n) === 2);
  t.match(lines.join('\n'), /lost the change notifications connection/);
});

t.test("a watch on one hub does not repeat another hub's write that its initial list already holds", async (t) => {
  const { listenApi } = await import('./api-server-rig.js');
  const { WatchReader, ADMIN_TOKEN } = await import('./watch-fixtures.js');
  const { brief } = await import('./watch-fixtures.js');
  const url = await server.createDatabase();
  // Hub a hears of hub b's writes only when this test pumps its feed: its watch cache lags behind its reads.
  const a = await open(t, url, { feed: { pollIntervalMs: 3_600_000 } });
  const feedOfA = (a as unknown as { feed: { listener?: pg.Client; pump(): Promise<void> } }).feed;
  feedOfA.listener?.removeAllListeners('notification');
  const b = await open(t, url);
  await b.create(resolveResource('namespaces')!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const one = await b.create(pods, pod('one'));
  const api = await listenApi(t, { store: a, adminToken: ADMIN_TOKEN });
  const watch = await WatchReader.open(api, '/api/v1/namespaces/default/pods?watch=true');
  t.teardown(() => watch.close());
  t.same((await watch.take(1)).map(brief), [`ADDED one@${one.metadata.resourceVersion}`], 'the list, read from PostgreSQL, holds b\'s Pod');
  await feedOfA.pump(); // now b's writes reach a's watch cache: the Pod's ADDED must not be sent again
  const two = await b.create(pods, pod('two'));
  await feedOfA.pump();
  t.same((await watch.take(2)).map(brief), [`ADDED one@${one.metadata.resourceVersion}`, `ADDED two@${two.metadata.resourceVersion}`]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(watch.events.length, 2, 'and nothing else');
});
