/**
 * A running fleet moved from SQLite to PostgreSQL (issue #11): a hub with a real agent runs a
 * Deployment on its SQLite file; it is stopped, `skiff hub migrate-store` copies its state into
 * a PostgreSQL 15 started by this test, and the hub comes back on `--datastore-endpoint`. The
 * agent's containers were never touched, every object kept its uid and resourceVersion, and a
 * rolling update then runs on PostgreSQL to the end.
 */
import t from 'tap';
import pg from 'pg';
import { join } from 'node:path';
import { TestCluster } from '../helpers/cluster.js';
import { webDeployment } from '../helpers/manifests.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { startPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

interface Listed {
  metadata: { resourceVersion: string };
  items: Array<{ metadata: { name: string; uid: string; resourceVersion: string } }>;
}

t.test('a fleet moves from SQLite to PostgreSQL with migrate-store and keeps running', async (t) => {
  const postgres = await startPostgres();
  t.teardown(() => postgres.close());
  const url = await postgres.createDatabase();
  const cluster = await TestCluster.start(t);
  const node = await cluster.startAgent('a');

  const apply = await cluster.skiff(['apply', '-f', '-'], { input: webDeployment('web', {}, { replicas: 2 }) });
  t.equal(apply.code, 0, apply.stderr);
  await waitFor('2 web pods running on SQLite', async () => {
    const pods = await listPods(cluster, 'app=web');
    return pods.length === 2 && pods.every(isRunningAndReady);
  });
  const before = await cluster.api<Listed>('/api/v1/pods');
  const deploymentsBefore = await cluster.api<Listed>('/apis/apps/v1/deployments');
  const containersBefore = (await cluster.containers(node)).map((c) => c.id).sort();

  await t.test('migrate-store refuses while the hub has its database open', async (t) => {
    const refused = await cluster.skiffProcess(['hub', 'migrate-store', '--from', `sqlite:${join(cluster.hubDataDir, 'hub.db')}`, '--to', url]);
    t.not(refused.code, 0);
    t.match(refused.stderr, /hub\.db is open in a running hub: stop it first/);
  });

  await cluster.stopHub();
  await t.test('the stopped hub\'s state is copied, and a second copy into the filled target is refused', async (t) => {
    const copied = await cluster.skiffProcess(['hub', 'migrate-store', '--from', `sqlite:${join(cluster.hubDataDir, 'hub.db')}`, '--to', url]);
    t.equal(copied.code, 0, copied.stderr);
    const summary = /^copied (\d+) objects \(revision (\d+)\), 1 node credential, .* to postgres:\/\/skiff:\*\*\*@127\.0\.0\.1:\d+\/skiff_\d+_\d+\n/.exec(copied.stdout);
    t.ok(summary, copied.stdout);
    t.ok(Number(summary?.[2]) >= Number(before.metadata.resourceVersion), 'the revision the hub had reached when it stopped');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    t.teardown(() => client.end());
    t.equal(Number((await client.query('SELECT count(*) AS n FROM objects')).rows[0].n), Number(summary?.[1]), 'as many object rows as it said');
    t.equal(Number((await client.query('SELECT value FROM revision')).rows[0].value), Number(summary?.[2]), 'the revision carried over');
    t.notMatch(copied.stdout, /skiff-test-password/, 'the password is not printed');
    const again = await cluster.skiffProcess(['hub', 'migrate-store', '--from', `sqlite:${join(cluster.hubDataDir, 'hub.db')}`, '--to', url]);
    t.not(again.code, 0);
    t.match(again.stderr, /already holds a hub's state \(\d+ objects, revision \d+\); migrate-store only fills an empty datastore/);
  });

  await cluster.startHub(['--datastore-endpoint', url]);
  await t.test('on PostgreSQL: the same objects, the same containers, the rows in PostgreSQL', async (t) => {
    const after = await cluster.api<Listed>('/api/v1/pods');
    t.same(
      after.items.map((p) => [p.metadata.name, p.metadata.uid]).sort(),
      before.items.map((p) => [p.metadata.name, p.metadata.uid]).sort(),
      'every Pod with its uid',
    );
    t.same((await cluster.api<Listed>('/apis/apps/v1/deployments')).items.map((d) => d.metadata.resourceVersion), deploymentsBefore.items.map((d) => d.metadata.resourceVersion), 'resourceVersions kept');
    await waitFor('the node to be Ready again', async () => (await cluster.skiff(['get', 'nodes'])).stdout.includes(' Ready '));
    t.same((await cluster.containers(node)).map((c) => c.id).sort(), containersBefore, 'the agent\'s containers were never restarted');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    t.teardown(() => client.end());
    const rows = (await client.query("SELECT name FROM objects WHERE resource = 'apps/deployments'")).rows as Array<{ name: string }>;
    t.same(rows.map((r) => r.name), ['web']);
  });

  await t.test('a rolling update runs to the end on PostgreSQL', async (t) => {
    const set = await cluster.skiff(['set', 'image', 'deployment/web', 'web=skiff-test/web:2']);
    t.equal(set.code, 0, set.stderr);
    const status = await cluster.skiff(['rollout', 'status', 'deployment/web', '--timeout', '120s']);
    t.equal(status.code, 0, status.stderr);
    t.match(status.stdout, /successfully rolled out/);
    const pods = await waitFor('2 pods of web:2 running, the old ones gone', async () => {
      const list = await listPods(cluster, 'app=web');
      return list.length === 2 && list.every((p) => isRunningAndReady(p) && JSON.stringify(p.spec).includes('skiff-test/web:2')) ? list : undefined;
    });
    t.equal(pods.length, 2);
  });

  await t.test('a bad --datastore-endpoint stops the hub at once, naming the flag', async (t) => {
    const bad = await cluster.skiffProcess(['hub', '--data-dir', join(cluster.dir, 'other'), '--datastore-endpoint', 'mysql://root@db/skiff']);
    t.not(bad.code, 0);
    t.match(bad.stderr, /invalid value for --datastore-endpoint: unsupported datastore "mysql"; use postgres:\/\/user:password@host:5432\/database or sqlite:\/path\/to\/hub\.db/);
  });
});
