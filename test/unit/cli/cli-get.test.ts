/**
 * `skiff get` against a fake hub: the Table it asks for, how it prints it (or the objects, for a
 * hub without Tables), -o formats, selectors, and kubectl's errors and exit codes. The command
 * lines run through the CLI's own entry function in this process (test/helpers/in-process-cli.ts:
 * a Node start-up per call was most of this file's time); an empty list and a missing name also
 * run through the built executable, where the exit code and which stream says what matter most.
 */
import t from 'tap';
import { TABLE_ACCEPT } from '../../../hub/printers/table.js';
import { requireBuild } from './fixtures/build-check.js';
import { startFakeHub } from './fixtures/fake-hub.js';
import { FIXED_NOW, ago, reportedPod } from './fixtures/manifests.js';
import { runCli } from './fixtures/run-cli.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';

if (requireBuild(t)) {
  const hub = await startFakeHub();
  hub.clock = () => FIXED_NOW;
  t.teardown(() => hub.close());
  const get = (...args: string[]) => runCliInProcess(['get', ...args], { config: hub.configFile });
  /** The built executable, as a user runs it. */
  const spawnedGet = (...args: string[]) => runCli(['get', ...args], { config: hub.configFile });

  await t.test('an empty namespace says so on stderr and exits 0', async (t) => {
    // The built executable: "No resources found" goes to stderr and is not a failure (exit 0).
    const result = await spawnedGet('pods');
    t.same(result, { code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
    t.same((await get('pods', '-n', 'edge')).stderr, 'No resources found in edge namespace.\n');
    t.same((await get('pods', '-A')).stderr, 'No resources found\n');
    t.same((await get('nodes')).stderr, 'No resources found\n', 'cluster-scoped kinds have no namespace to name');
  });

  hub.seed(reportedPod('web-1', { node: 'pi-1', labels: { app: 'web' } }));
  hub.seed(reportedPod('sensor-reader-7d9f', { node: 'pi-2', state: 'crashloop', labels: { app: 'sensor' } }));
  hub.seed({ ...reportedPod('gateway'), metadata: { name: 'gateway', namespace: 'edge', creationTimestamp: ago(7200) } });

  await t.test('get pods asks the hub for a Table and renders it like kubectl', async (t) => {
    hub.requests.length = 0;
    const result = await get('pods');
    t.equal(result.code, 0);
    t.equal(
      result.stdout,
      [
        'NAME                 READY   STATUS             RESTARTS      AGE',
        'sensor-reader-7d9f   0/1     CrashLoopBackOff   4 (35s ago)   10m',
        'web-1                1/1     Running            0             10m',
        '',
      ].join('\n'),
    );
    t.equal(hub.requests[0]!.path, '/api/v1/namespaces/default/pods');
    t.equal(hub.requests[0]!.accept, TABLE_ACCEPT);
  });

  await t.test('a hub that answers plain objects still gets a table, printed client-side', async (t) => {
    const fromServer = await get('pods');
    hub.tables = false;
    t.teardown(() => void (hub.tables = true));
    // the client renders at its own clock, so compare the columns that do not depend on time
    const strip = (text: string): string[] => text.split('\n').map((line) => line.split(/\s{3,}/).slice(0, 3).join('|'));
    t.same(strip((await get('pods')).stdout), strip(fromServer.stdout));
  });

  await t.test('-o wide shows every column', async (t) => {
    const result = await get('po', '-o', 'wide');
    t.equal(result.stdout.split('\n')[0], 'NAME                 READY   STATUS             RESTARTS      AGE   IP          NODE   NOMINATED NODE   READINESS GATES');
    t.equal(result.stdout.split('\n')[2], 'web-1                1/1     Running            0             10m   10.42.0.7   pi-1   <none>           <none>');
  });

  await t.test('-A lists across namespaces with a NAMESPACE column', async (t) => {
    hub.requests.length = 0;
    const lines = (await get('pods', '-A')).stdout.trimEnd().split('\n');
    t.equal(hub.requests[0]!.path, '/api/v1/pods');
    t.same(lines.map((l) => l.split(/\s+/).slice(0, 2).join(' ')), ['NAMESPACE NAME', 'default sensor-reader-7d9f', 'default web-1', 'edge gateway']);
  });

  await t.test('-l passes the label selector to the hub', async (t) => {
    hub.requests.length = 0;
    const result = await get('pods', '-l', 'app=web');
    t.equal(hub.requests[0]!.query.get('labelSelector'), 'app=web');
    t.same(result.stdout.trimEnd().split('\n').length, 2);
    const bad = await get('pods', '-l', 'app==');
    t.equal(bad.code, 0, 'an empty value is a valid selector');
    const broken = await get('pods', '-l', 'a b c');
    t.equal(broken.code, 1);
    t.match(broken.stderr, /^error: unable to parse label selector term/);
  });

  await t.test('get by name: one row; a missing name is NotFound, exit 1', async (t) => {
    const one = await get('pod', 'web-1');
    t.equal(one.stdout.trimEnd().split('\n').length, 2);
    // The built executable: NotFound exits 1 with kubectl's message on stderr only.
    const missing = await spawnedGet('pods', 'x');
    t.same(missing, { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "x" not found\n' });
    const some = await get('pods', 'web-1', 'x');
    t.equal(some.code, 1);
    t.match(some.stdout, /web-1/);
    t.equal(some.stderr, 'Error from server (NotFound): pods "x" not found\n');
  });

  await t.test('an unknown type is an error in kubectl words', async (t) => {
    t.same(await get('foo'), { code: 1, stdout: '', stderr: 'error: the server doesn\'t have a resource type "foo"\n' });
  });

  await t.test('-o json prints the object, or a v1 List for lists', async (t) => {
    const one = JSON.parse((await get('pod/web-1', '-o', 'json')).stdout);
    t.equal(one.kind, 'Pod');
    t.equal(one.metadata.name, 'web-1');
    const list = JSON.parse((await get('pods', '-o', 'json')).stdout);
    t.same([list.apiVersion, list.kind, list.metadata, list.items.length], ['v1', 'List', { resourceVersion: '' }, 2]);
    const empty = JSON.parse((await get('pods', '-n', 'nowhere', '-o', 'json')).stdout);
    t.same(empty.items, []);
  });

  await t.test('-o yaml and -o name', async (t) => {
    const yaml = (await get('pod', 'web-1', '-o', 'yaml')).stdout;
    t.match(yaml, /^apiVersion: v1\nkind: Pod\nmetadata:\n/);
    t.equal((await get('pods', '-o', 'name')).stdout, 'pod/sensor-reader-7d9f\npod/web-1\n');
  });

  await t.test('several types print one table each, names prefixed with their kind', async (t) => {
    hub.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(600) },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      status: { replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 },
    });
    const result = await get('pods,deploy');
    t.equal(
      result.stdout,
      [
        'NAME                     READY   STATUS             RESTARTS      AGE',
        'pod/sensor-reader-7d9f   0/1     CrashLoopBackOff   4 (35s ago)   10m',
        'pod/web-1                1/1     Running            0             10m',
        '',
        'NAME                  READY   UP-TO-DATE   AVAILABLE   AGE',
        'deployment.apps/web   1/2     2            1           10m',
        '',
      ].join('\n'),
    );
    t.equal((await get('deployment/web')).stdout.split('\n')[1], 'web    1/2     2            1           10m');
  });

  await t.test('names cannot be combined with -l or -A', async (t) => {
    t.same(await get('pods', 'web-1', '-l', 'app=web'), { code: 1, stdout: '', stderr: 'error: name cannot be provided when a selector is specified\n' });
    t.same(await get('pods', 'web-1', '-A'), { code: 1, stdout: '', stderr: 'error: a resource cannot be retrieved by name across all namespaces\n' });
    t.match((await get('pods', '-o', 'xml')).stderr, /^error: unable to match a printer suitable for the output format "xml"/);
  });
}
