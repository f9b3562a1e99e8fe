/**
 * The pod sandbox on a real Docker engine (agent/reconcile/plan-sandbox.ts): a Pod's containers
 * share one network namespace held by a pause container, so they reach each other on localhost,
 * see one hostname and one IP (status.podIP); killing the sandbox makes the agent replace it and
 * restart the containers in the new one (SandboxChanged), as kubelet does; a hostNetwork Pod
 * runs in the host's namespace with the node's IP.
 */
import t from 'tap';
import { TestCluster, type ContainerInfo } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { isRunningAndReady, listPods, restarts, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

function pod(name: string, spec: Record<string, unknown>, containers: Array<Record<string, unknown>>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { terminationGracePeriodSeconds: 1, ...spec, containers: containers.map((c) => ({ image: 'skiff-test/web:1', imagePullPolicy: 'Never', ...c })) },
  });
}

t.test('a pod sandbox gives the pod one network namespace, replaced with its containers when it dies', async (t) => {
  const cluster = await TestCluster.start(t);
  const node = await cluster.startAgent('sbx');
  const apply = async (manifest: string): Promise<void> => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: manifest });
    t.equal(result.code, 0, `apply: ${result.stderr}`);
  };
  const running = (name: string, check: (p: PodView) => boolean = () => true): Promise<PodView> =>
    waitFor(`pod ${name} to run`, async () => {
      const [p] = await listPods(cluster, `app=${name}`);
      return p && isRunningAndReady(p) && check(p) ? p : undefined;
    }, { timeoutMs: 90_000 });
  const containersOf = async (podName: string): Promise<ContainerInfo[]> =>
    (await cluster.containers(node, { sandboxes: true })).filter((c) => c.labels['skiff.pod.name'] === podName && c.state === 'running');
  const exec = async (id: string, script: string): Promise<string> => {
    const result = await docker(['exec', id, 'sh', '-c', script]);
    if (result.code !== 0) throw new Error(`exec failed: ${result.stderr}`);
    return result.stdout.trim();
  };

  // A web server and a sidecar that reads it over localhost.
  await apply(
    pod('duo', {}, [
      { name: 'web' },
      { name: 'sidecar', command: ['sleep', '3600'], env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] },
    ]),
  );
  const first = await running('duo');
  const byName = (list: ContainerInfo[], name: string): ContainerInfo => list.find((c) => c.labels['skiff.container.name'] === name)!;
  const before = await containersOf('duo');
  const [sandbox, web, sidecar] = ['POD', 'web', 'sidecar'].map((name) => byName(before, name));
  t.ok(sandbox && web && sidecar, 'a sandbox and both containers run');
  t.equal(first.status?.podIP, sandbox!.ip, "status.podIP is the sandbox's address");
  t.equal(await exec(sidecar!.id, 'wget -q -O - http://127.0.0.1:80/'), 'v1', 'the sidecar reaches the web server on localhost');
  t.equal(await exec(sidecar!.id, 'hostname'), 'duo', 'both see the pod hostname');
  t.equal(await exec(web!.id, 'hostname'), 'duo');
  t.equal(await exec(sidecar!.id, 'echo $POD_IP'), first.status?.podIP, 'the downward API gives the pod IP');

  // The sandbox dies (as after `docker rm -f` of the pause container): a new one, containers restarted in it.
  const removed = await docker(['rm', '-f', sandbox!.id]);
  t.equal(removed.code, 0, removed.stderr);
  const second = await running('duo', (p) => restarts(p) >= 2 && p.status?.podIP !== undefined);
  const after = await containersOf('duo');
  const newSandbox = byName(after, 'POD');
  t.not(newSandbox?.id, sandbox!.id, 'a new sandbox');
  t.equal(newSandbox?.labels['skiff.container.attempt'], '2', 'numbered after the old one');
  t.equal(second.status?.podIP, newSandbox?.ip, 'the pod reports the new address');
  t.same(second.status?.containerStatuses?.map((c) => c.restartCount), [1, 1], 'each container restarted once');
  t.equal(await exec(byName(after, 'sidecar').id, 'wget -q -O - http://127.0.0.1:80/'), 'v1', 'localhost works again in the new namespace');
  const events = await cluster.api<{ items: Array<{ reason: string; message: string; involvedObject: { name: string } }> }>('/api/v1/namespaces/default/events');
  t.ok(
    events.items.some((e) => e.involvedObject.name === 'duo' && e.reason === 'SandboxChanged' && e.message === 'Pod sandbox changed, it will be killed and re-created.'),
    'kubelet’s SandboxChanged event',
  );

  // hostNetwork: the pod runs in the node's namespace and its IP is the node's.
  await apply(pod('on-host', { hostNetwork: true }, [{ name: 'main', command: ['sleep', '3600'] }]));
  const onHost = await running('on-host');
  t.equal(onHost.status?.podIP, onHost.status?.hostIP, 'a hostNetwork pod has the node IP');
  const hostSandbox = byName(await containersOf('on-host'), 'POD');
  const mode = await docker(['inspect', '--format', '{{.HostConfig.NetworkMode}}', hostSandbox.id]);
  t.equal(mode.stdout.trim(), 'host', 'its sandbox is in the host namespace');

  // A deleted pod leaves nothing behind, sandbox included.
  const deleted = await cluster.skiff(['delete', 'pod', 'duo', 'on-host']);
  t.equal(deleted.code, 0, deleted.stderr);
  await waitFor('every container of the deleted pods to go', async () => ((await cluster.containers(node, { sandboxes: true })).length === 0 ? true : undefined), { timeoutMs: 60_000 });
  t.pass('no container or sandbox left');
});
