/**
 * `skiff delete` against a fake hub: what it deletes, how it waits until a node stopped a pod,
 * and kubectl's messages and exit codes. The command lines run through the CLI's own entry
 * function in this process (test/helpers/in-process-cli.ts: a Node start-up per call was most of
 * this file's time); `delete -f -` runs through the built executable, manifests piped to its
 * stdin, where the exit code of a valid and of an invalid manifest matter most.
 */
import t from 'tap';
import { requireBuild } from './fixtures/build-check.js';
import { startFakeHub } from './fixtures/fake-hub.js';
import { deploymentYaml, reportedPod } from './fixtures/manifests.js';
import { runCli } from './fixtures/run-cli.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';

if (requireBuild(t)) {
  const hub = await startFakeHub();
  t.teardown(() => hub.close());
  const del = (...args: string[]) => runCliInProcess(['delete', ...args], { config: hub.configFile });
  const applyStdin = (manifests: string) => runCliInProcess(['apply', '-f', '-'], { config: hub.configFile, stdin: manifests });
  const gets = (path: string): number => hub.requests.filter((r) => r.method === 'GET' && r.path === path).length;

  await t.test('a pod bound to a node is deleted, then waited for until its node stopped it', async (t) => {
    hub.seed(reportedPod('web-1', { node: 'pi-1' }));
    hub.requests.length = 0;
    const result = await del('pod', 'web-1');
    t.same(result, { code: 0, stdout: 'pod "web-1" deleted\n', stderr: '' });
    t.equal(hub.requests[0]!.method, 'DELETE');
    t.equal(hub.requests[0]!.path, '/api/v1/namespaces/default/pods/web-1');
    t.equal(gets('/api/v1/namespaces/default/pods/web-1'), 3, 'polled until the hub answered 404');
    t.notOk(hub.find('Pod', 'web-1'));
  });

  await t.test('--wait=false returns as soon as the deletion is accepted', async (t) => {
    hub.seed(reportedPod('web-2', { node: 'pi-1' }));
    hub.requests.length = 0;
    const result = await del('pods', 'web-2', '--wait=false');
    t.equal(result.stdout, 'pod "web-2" deleted\n');
    t.equal(gets('/api/v1/namespaces/default/pods/web-2'), 0);
    t.ok(hub.find('Pod', 'web-2')!.metadata.deletionTimestamp, 'still Terminating on the hub');
  });

  await t.test('TYPE/NAME form, several names, and a qualified kind in the message', async (t) => {
    await applyStdin(deploymentYaml(1));
    hub.seed(reportedPod('a'));
    hub.seed(reportedPod('b'));
    t.equal((await del('deployment/nginx-deployment')).stdout, 'deployment.apps "nginx-deployment" deleted\n');
    t.equal((await del('po', 'a', 'b')).stdout, 'pod "a" deleted\npod "b" deleted\n');
  });

  await t.test('a missing object is NotFound (exit 1) unless --ignore-not-found', async (t) => {
    t.same(await del('pod', 'ghost'), { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "ghost" not found\n' });
    t.same(await del('pod', 'ghost', '--ignore-not-found'), { code: 0, stdout: '', stderr: '' });
    hub.seed(reportedPod('real'));
    const mixed = await del('pod', 'ghost', 'real');
    t.equal(mixed.code, 1);
    t.equal(mixed.stdout, 'pod "real" deleted\n', 'the others are still deleted');
  });

  await t.test('delete -f deletes what the manifests name, validated first', async (t) => {
    await applyStdin(deploymentYaml(1));
    // The built executable, reading its real stdin: exit 0 when deleted, 1 and nothing sent when invalid.
    const result = await runCli(['delete', '-f', '-'], { config: hub.configFile, stdin: deploymentYaml(1) });
    t.same(result, { code: 0, stdout: 'deployment.apps "nginx-deployment" deleted\n', stderr: '' });
    hub.requests.length = 0;
    const invalid = await runCli(['delete', '-f', '-'], { config: hub.configFile, stdin: deploymentYaml(-1) });
    t.equal(invalid.code, 1);
    t.match(invalid.stderr, /^error: STDIN: document 1 \(Deployment nginx-deployment\): spec\.replicas: /);
    t.same(hub.requests, []);
  });

  await t.test('-l deletes every match', async (t) => {
    hub.seed(reportedPod('l1', { labels: { app: 'x' } }));
    hub.seed(reportedPod('l2', { labels: { app: 'x' } }));
    hub.seed(reportedPod('l3', { labels: { app: 'y' } }));
    t.equal((await del('pods', '-l', 'app=x')).stdout, 'pod "l1" deleted\npod "l2" deleted\n');
    t.ok(hub.find('Pod', 'l3'));
  });

  await t.test('an object that never goes away times out after --timeout', async (t) => {
    hub.seed(reportedPod('stuck'));
    hub.stuck.add('stuck');
    const result = await del('pod', 'stuck', '--timeout=1s');
    t.equal(result.stdout, 'pod "stuck" deleted\n');
    t.equal(result.stderr, 'error: timed out waiting for the condition on pods/stuck\n');
    t.equal(result.code, 1);
  });

  await t.test('usage errors', async (t) => {
    t.match((await del()).stderr, /^error: you must provide one or more resources/);
    t.match((await del('pods')).stderr, /^error: resource\(s\) were provided, but no name was specified/);
    t.match((await del('pod', 'x', '--timeout', 'soon')).stderr, /^error: invalid argument "soon" for "--timeout" flag/);
  });
}
