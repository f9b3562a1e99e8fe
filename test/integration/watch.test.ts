/**
 * Watch on a real hub and agent: `skiff get deploy -w` as a process shows the Deployment's rows
 * as it rolls out and scales; the raw API replays from a resourceVersion, answers a too-old one
 * with 410 Expired, and ends open watches when the hub stops.
 *
 * The real kubectl is not exercised here: it never sends a bearer token over plain HTTP
 * (kubernetes/kubectl#744), and the hub serves HTTP only until TLS arrives (issue #6).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { watchEvents, type WatchEvent } from '../../hub/cli/watch-stream.js';
import { TestCluster } from '../helpers/cluster.js';
import { fixture } from '../helpers/pods.js';
import { SKIFF_BIN } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const manifest = readFileSync(fixture('web-deployment.yaml'), 'utf8');
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

interface OpenWatch {
  events: WatchEvent[];
  ended: boolean;
  close(): void;
}

/** Reads a raw watch of the cluster's API in the background. */
async function openWatch(cluster: TestCluster, path: string): Promise<OpenWatch> {
  const controller = new AbortController();
  const response = await cluster.fetch(path, { signal: controller.signal });
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  const watch: OpenWatch = { events: [], ended: false, close: () => controller.abort() };
  void (async () => {
    try {
      for await (const event of watchEvents(response.body!)) watch.events.push(event);
    } catch {
      // the hub went away mid-stream: that ends the watch too
    }
    watch.ended = true;
  })();
  return watch;
}

const replicasOf = (event: WatchEvent): number | undefined => (event.object as { spec?: { replicas?: number } }).spec?.replicas;

t.test('watch on a real cluster', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['wa'] });

  await t.test('skiff get deploy -w prints a row each time the Deployment changes', async (t) => {
    const child = spawn(process.execPath, [SKIFF_BIN, 'get', 'deploy', '-w'], { env: { ...process.env, SKIFF_CONFIG: cluster.configFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    t.teardown(() => void child.kill('SIGKILL'));

    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: manifest })).code, 0);
    await waitFor('the watch to show web 3/3', () => /^web\s+3\/3\s+3\s+3\s/m.test(out), { timeoutMs: 120_000 });
    t.equal((await cluster.skiff(['scale', 'deployment/web', '--replicas=1'])).code, 0);
    await waitFor('the watch to show web 1/1', () => /^web\s+1\/1\s+1\s+1\s/m.test(out), { timeoutMs: 120_000 });
    child.kill('SIGINT');
    t.equal(await exited, 1, 'interrupted, as kubectl get -w');
    t.equal(err, '');
    const lines = out.trimEnd().split('\n');
    t.comment(out);
    t.match(lines[0], /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/, 'the header first');
    t.equal(lines.filter((l) => l.startsWith('NAME')).length, 1, 'and only once');
    t.ok(lines.length > 3, 'a row per change');
    t.ok(lines.slice(1).every((l) => /^web\s+\d+\/\d+\s+\d+\s+\d+\s+\S+$/.test(l)), 'every row is the Deployment');
    const ready = lines.slice(1).map((l) => l.split(/\s+/)[1]);
    t.ok(ready.indexOf('3/3') < ready.lastIndexOf('1/1'), 'in the order it happened');
  });

  await t.test('a watch from a resourceVersion replays only the changes after it', async (t) => {
    const list = await cluster.api<{ metadata: { resourceVersion: string } }>(DEPLOYMENTS);
    const from = Number(list.metadata.resourceVersion);
    t.equal((await cluster.skiff(['scale', 'deployment/web', '--replicas=2'])).code, 0);
    const watch = await openWatch(cluster, `${DEPLOYMENTS}?watch=true&resourceVersion=${from}`);
    t.teardown(() => watch.close());
    await waitFor('the scale to 2 in the watch', () => watch.events.some((e) => replicasOf(e) === 2));
    watch.close();
    t.ok(
      watch.events.every((e) => e.type === 'MODIFIED' && Number(e.object.metadata?.resourceVersion) > from),
      'only MODIFIED events newer than the resourceVersion: nothing from before it',
    );
    t.equal(replicasOf(watch.events[0]!), 2, 'the scale was the first change after it');
  });

  await t.test('a too-old resourceVersion gets 410 Expired, in an ERROR event as Kubernetes sends it', async (t) => {
    const watch = await openWatch(cluster, `${DEPLOYMENTS}?watch=true&resourceVersion=1`);
    await waitFor('the watch to end', () => watch.ended);
    t.equal(watch.events.length, 1);
    t.match(watch.events[0], { type: 'ERROR', object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: /^too old resource version: 1 \(\d+\)$/ } });
  });

  await t.test('stopping the hub ends an open watch', async (t) => {
    const watch = await openWatch(cluster, '/api/v1/pods?watch=true');
    await waitFor('the current pods', () => watch.events.length > 0);
    await cluster.stopHub();
    await waitFor('the watch to end', () => watch.ended, { timeoutMs: 15_000 });
    t.ok(watch.ended);
  });
});
