/**
 * `skiff describe` against a stub hub: what it asks the hub for, how it prints one or many
 * objects, and kubectl's errors and exit codes. The command lines run through the CLI's own entry
 * function in this process (a Node start-up per call would be most of the file's time); the last
 * subtest runs the built executable as a user does, and checks it prints and exits the same way.
 * The describers' exact text is specified in describe-pod/deployment/node.test.ts.
 */
import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import { requireBuild } from './fixtures/build-check.js';
import { describeFixtures } from './fixtures/describe-objects.js';
import { startDescribeHub } from './fixtures/describe-hub.js';
import { runCli } from './fixtures/run-cli.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';

if (requireBuild(t)) {
  const f = describeFixtures(new Date());
  const otherPod = { ...f.webPod, metadata: { ...f.webPod.metadata, name: 'web-5d8c7b9f4d-q9m2c', uid: 'uid-pod-web-2' } };
  const strayEvent = { ...f.webEvents[0]!, metadata: { name: 'stray', namespace: 'default' }, involvedObject: { kind: 'Pod', namespace: 'default', name: otherPod.metadata.name, uid: 'uid-pod-web-2' }, reason: 'Killing' };
  const objects = [f.webPod, otherPod, f.crashPod, f.deployment, ...f.replicaSets, f.node, ...f.webEvents, strayEvent, ...f.nodeEvents] as unknown as KubeObject[];
  const hub = await startDescribeHub(objects);
  t.teardown(() => hub.close());
  const describe = (...args: string[]) => runCliInProcess(['describe', ...args], { config: hub.configFile });

  await t.test('describe pod NAME: the pod, then its events, fetched with kubectl\'s field selector', async (t) => {
    hub.requests.length = 0;
    const result = await describe('pod', 'web-5d8c7b9f4d-2xkqp');
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /^Name:\s+web-5d8c7b9f4d-2xkqp\nNamespace:\s+default\n/);
    t.match(result.stdout, /\nStatus:\s+Running\n/);
    t.match(result.stdout, /\nControlled By:\s+ReplicaSet\/web-5d8c7b9f4d\n/);
    t.match(result.stdout, /\nEvents:\n  Type\s+Reason\s+Age\s+From\s+Message\n/);
    t.match(result.stdout, /Unhealthy\s+\S+ \(x4 over \S+\)\s+kubelet\s+Readiness probe failed/);
    t.notMatch(result.stdout, /Killing/, 'another pod\'s events are not shown');
    t.same(hub.requests, [
      '/api/v1/namespaces/default/pods/web-5d8c7b9f4d-2xkqp',
      '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb-5d8c7b9f4d-2xkqp%2CinvolvedObject.namespace%3Ddefault%2CinvolvedObject.uid%3Duid-pod-web',
    ]);
  });

  await t.test('a hub that cannot select events by involvedObject: the events are picked client-side', async (t) => {
    hub.eventFieldSelectors = false;
    t.teardown(() => void (hub.eventFieldSelectors = true));
    hub.requests.length = 0;
    const result = await describe('pod/web-5d8c7b9f4d-2xkqp');
    t.equal(result.code, 0, result.stderr);
    t.equal(hub.requests[2], '/api/v1/namespaces/default/events', 'the namespace\'s events, unfiltered');
    t.match(result.stdout, /Normal\s+Scheduled\s+.*\n.*Normal\s+Pulled\s+.*\n.*Warning\s+Unhealthy/);
    t.notMatch(result.stdout, /Killing/);
  });

  await t.test('a missing name is NotFound, exit 1; a name prefix describes every match', async (t) => {
    const [byName, bySlash, byPrefix] = await Promise.all([describe('pod', 'nope'), describe('pod/nope'), describe('pods', 'web-5d8c')]);
    t.same(byName, { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    t.same(bySlash, { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    t.equal(byPrefix.code, 0);
    const names = [...byPrefix.stdout.matchAll(/^Name:\s+(\S+)$/gm)].map((m) => m[1]);
    t.same(names, ['web-5d8c7b9f4d-2xkqp', 'web-5d8c7b9f4d-q9m2c']);
    t.match(byPrefix.stdout, /Events:[^]*\n\nName:/, 'each description followed by an empty line');
  });

  await t.test('describe TYPE: every object of the namespace, separated by two empty lines; -l selects', async (t) => {
    const [all, edge, none, empty, across] = await Promise.all([
      describe('pods'),
      describe('po', '-n', 'edge'),
      describe('pods', '-l', 'app=nothing'),
      describe('pods', '-n', 'empty'),
      describe('pods', '-A'),
    ]);
    t.equal(all.code, 0);
    t.equal(all.stdout.split(/\n\n\nName:/).length, 2, 'two pods in default');
    t.match(edge.stdout, /^Name:\s+sensor-7d9f\nNamespace:\s+edge\n/);
    t.same(none, { code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
    t.same(empty.stderr, 'No resources found in empty namespace.\n');
    t.equal([...across.stdout.matchAll(/^Name:/gm)].length, 3);
  });

  await t.test('describe deployment: its ReplicaSets by the Deployment\'s selector', async (t) => {
    hub.requests.length = 0;
    const result = await describe('deploy', 'web');
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /\nReplicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable\n/);
    t.match(result.stdout, /\nNewReplicaSet:\s+web-5d8c7b9f4d \(3\/3 replicas created\)\n/);
    t.ok(hub.requests.includes('/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dweb'));
  });

  await t.test('describe node: its non-terminated pods in every namespace, and node events by uid and by name', async (t) => {
    hub.requests.length = 0;
    const result = await describe('node', 'pi-1');
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /\nNon-terminated Pods:\s+\(3 in total\)\n/);
    t.match(result.stdout, /\n  edge\s+sensor-7d9f\s+0 \(0%\)/);
    t.match(result.stdout, /RegisteredNode[^]*Starting/, 'events from both searches, oldest first');
    t.same(hub.requests.slice(1), [
      '/api/v1/events?fieldSelector=involvedObject.name%3Dpi-1%2CinvolvedObject.namespace%3D%2CinvolvedObject.uid%3Duid-node-pi-1',
      '/api/v1/events?fieldSelector=involvedObject.name%3Dpi-1%2CinvolvedObject.namespace%3D%2CinvolvedObject.uid%3Dpi-1',
      '/api/v1/pods?fieldSelector=spec.nodeName%3Dpi-1%2Cstatus.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed',
    ]);
  });

  await t.test('usage errors in kubectl\'s words', async (t) => {
    t.same(await describe('foo'), { code: 1, stdout: '', stderr: 'error: the server doesn\'t have a resource type "foo"\n' });
    t.same(await describe('rs'), { code: 1, stdout: '', stderr: 'error: no description has been implemented for apps/v1, Kind=ReplicaSet\n' });
    const bare = await describe();
    t.equal(bare.code, 1);
    t.match(bare.stderr, /^error: You must specify the type of resource to describe\. Valid resource types: pods/);
    t.match((await describe('pod', 'x', '-l', 'a=b')).stderr, /^error: name cannot be provided when a selector is specified/);
  });

  await t.test('the built executable prints and exits as the CLI does: a description, and NotFound', async (t) => {
    const spawned = (...args: string[]) => runCli(['describe', ...args], { config: hub.configFile });
    hub.requests.length = 0;
    const [found, missing] = await Promise.all([spawned('pod', 'web-5d8c7b9f4d-2xkqp'), spawned('pod', 'nope')]);
    t.equal(found.code, 0, found.stderr);
    t.match(found.stdout, /^Name:\s+web-5d8c7b9f4d-2xkqp\nNamespace:\s+default\n/);
    t.match(found.stdout, /\nEvents:\n  Type\s+Reason\s+Age\s+From\s+Message\n/);
    t.match(found.stdout, /Unhealthy\s+\S+ \(x4 over \S+\)\s+kubelet\s+Readiness probe failed/);
    t.ok(hub.requests.includes('/api/v1/namespaces/default/pods/web-5d8c7b9f4d-2xkqp'), 'the executable asked the hub its client config names');
    t.same(missing, { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
  });
}
