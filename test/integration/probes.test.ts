/**
 * Container health on a real agent and a real Docker engine (issue #3): liveness failures
 * restart the container (Killing, lastState, RESTARTS), readiness gates the Pod's Ready
 * condition and the Deployment's availability, a startup probe holds the others back, a probe on
 * a closed port leaves the pod running but not ready with kubelet's reason, and the preStop hook
 * runs inside the container before it is stopped.
 *
 * The five cases use their own Pods on one shared agent and run at once (each mostly waits for
 * probe periods and restarts); their loops poll the API, not a CLI process per probe.
 */
import { createServer } from 'node:http';
import { isIPv4, type AddressInfo } from 'node:net';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods, restarts, type PodView } from '../helpers/pods.js';
import { docker } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/** The test image's server, after writing the files the probes look at. */
function serve(setup: string): string[] {
  return ['sh', '-c', `${setup}; trap "kill $pid; exit 0" TERM; httpd -f -p 80 -h /www & pid=$!; wait`];
}

function podManifest(name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { test: 'probes' } },
    spec: { terminationGracePeriodSeconds: 5, ...spec, containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never', ...container }] },
  });
}

async function podNamed(cluster: TestCluster, name: string): Promise<PodView | undefined> {
  return (await listPods(cluster, 'test=probes')).find((p) => p.metadata.name === name);
}

function condition(pod: PodView | undefined, type: string): string | undefined {
  return pod?.status?.conditions?.find((c) => c.type === type)?.status;
}

async function containerOf(cluster: TestCluster, node: string, podName: string): Promise<string> {
  return waitFor(`a running container of ${podName}`, async () => (await cluster.containers(node)).find((c) => c.labels['skiff.pod.name'] === podName && c.state === 'running')?.id);
}

interface EventView {
  reason: string;
  message: string;
  type: string;
  count: number;
  involvedObject: { name: string; fieldPath?: string };
}

/**
 * The host's address on Docker's default bridge, which containers reach it by. Docker 20.10 leaves
 * the Gateway out of the IPAM config of a bridge it configured itself; it is then the subnet's
 * first address, as Docker assigns it (and the host interface may be down, so not listed by Node,
 * while no container is attached).
 */
async function bridgeGateway(): Promise<string> {
  const inspected = await docker(['network', 'inspect', 'bridge', '-f', '{{json .IPAM.Config}}']);
  const config = JSON.parse(inspected.stdout) as Array<{ Subnet?: string; Gateway?: string }>;
  const configured = config.find((c) => c.Gateway)?.Gateway;
  if (configured) return configured;
  const subnet = config.find((c) => c.Subnet && isIPv4(c.Subnet.split('/')[0]!))?.Subnet;
  if (!subnet) throw new Error(`no IPv4 subnet on Docker's bridge network: ${inspected.stdout}`);
  const octets = subnet.split('/')[0]!.split('.').map(Number);
  octets[3] = octets[3]! + 1;
  return octets.join('.');
}

interface DeploymentView {
  status?: { availableReplicas?: number };
}

async function eventsOf(cluster: TestCluster, podName: string): Promise<EventView[]> {
  const list = await cluster.api<{ items: EventView[] }>('/api/v1/namespaces/default/events');
  return list.items.filter((e) => e.involvedObject.name === podName);
}

// jobs: the subtests below are not awaited one by one; tap runs up to five of them at once.
t.test('probes and the preStop hook act on real containers', { jobs: 5 }, async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['prober'] });
  const node = cluster.nodeName('prober');

  t.test('a failing liveness probe restarts the container, as kubelet does', async (t) => {
    const manifest = podManifest('live', {
      command: serve('echo ok > /tmp/healthy'),
      livenessProbe: { exec: { command: ['sh', '-c', '[ -s /tmp/healthy ]'] }, periodSeconds: 1, failureThreshold: 2 },
    });
    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: manifest })).code, 0);
    await waitFor('the live pod to run', async () => isRunningAndReady((await podNamed(cluster, 'live'))!));
    const first = await containerOf(cluster, node, 'live');
    // Break it: the probe's file becomes empty (the image has no rm; a shell redirection truncates).
    t.equal((await docker(['exec', first, 'sh', '-c', ': > /tmp/healthy'])).code, 0);
    const restarted = await waitFor('the container to be restarted', async () => {
      const pod = await podNamed(cluster, 'live');
      return pod && restarts(pod) >= 1 && isRunningAndReady(pod) ? pod : undefined;
    }, { timeoutMs: 60_000 });
    const status = restarted.status!.containerStatuses![0]!;
    t.equal(status.restartCount, 1, 'one restart');
    t.match(status.lastState.terminated, { exitCode: Number, finishedAt: String, containerID: `docker://${first}` }, 'lastState says how the killed attempt ended');
    t.not(await containerOf(cluster, node, 'live'), first, 'a new container');
    const events = await waitFor('Unhealthy and Killing events', async () => {
      const list = await eventsOf(cluster, 'live');
      return list.some((e) => e.reason === 'Killing') ? list : undefined;
    });
    t.ok(events.some((e) => e.reason === 'Unhealthy' && e.type === 'Warning' && e.message.startsWith('Liveness probe failed')), 'Unhealthy warning');
    t.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container web failed liveness probe, will be restarted'), 'Killing with kubelet’s message');
    const get = await cluster.skiff(['get', 'pod', 'live']);
    t.match(get.stdout, /live\s+1\/1\s+Running\s+1 \(\S+ ago\)/, 'RESTARTS shows it');
  });

  t.test('readiness gates Ready and the Deployment’s availability (httpGet)', async (t) => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'gated' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'gated' } },
        template: {
          metadata: { labels: { app: 'gated', test: 'probes' } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never', readinessProbe: { httpGet: { path: '/ready.html', port: 80 }, periodSeconds: 1 } }],
          },
        },
      },
    };
    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(deployment) })).code, 0);
    const pod = await waitFor('the gated pod to run', async () => (await listPods(cluster, 'app=gated')).find((p) => p.status?.phase === 'Running'));
    // Running but not Ready: the probe answers 404 until ready.html exists. Once the agent has
    // reported a 404 (a probe that ran before httpd listened said "connection refused"), the Pod
    // and the Deployment must show it.
    const failures = await waitFor('a readiness Unhealthy event for the 404', async () =>
      (await eventsOf(cluster, pod.metadata.name!)).find((e) => e.reason === 'Unhealthy' && e.message.includes('statuscode')),
    );
    t.equal(failures.message, 'Readiness probe failed: HTTP probe failed with statuscode: 404');
    const unready = (await listPods(cluster, 'app=gated'))[0]!;
    t.equal(condition(unready, 'Ready'), 'False', 'not Ready while the probe fails');
    t.equal(unready.status!.containerStatuses![0]!.ready, false);
    const notAvailable = await cluster.getJson<DeploymentView>(['get', 'deployment', 'gated']);
    t.notOk(notAvailable.status?.availableReplicas, 'the Deployment has no available replica');

    const id = await containerOf(cluster, node, pod.metadata.name!);
    t.equal((await docker(['exec', id, 'sh', '-c', 'echo ok > /www/ready.html'])).code, 0);
    await waitFor('the pod to become Ready', async () => isRunningAndReady((await listPods(cluster, 'app=gated'))[0]!));
    await waitFor('the Deployment to be available', async () => (await cluster.api<DeploymentView>('/apis/apps/v1/namespaces/default/deployments/gated')).status?.availableReplicas === 1);
    t.pass('Ready once the probe passes; the Deployment counts it available');
  });

  t.test('a startup probe holds liveness and readiness back until it passes (tcpSocket)', async (t) => {
    const manifest = podManifest('slow', {
      // The server only listens after 10 s; a liveness probe running meanwhile would kill it.
      command: ['sh', '-c', 'sleep 10; trap "kill $pid; exit 0" TERM; httpd -f -p 80 -h /www & pid=$!; wait'],
      startupProbe: { tcpSocket: { port: 80 }, periodSeconds: 1, failureThreshold: 30 },
      livenessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1, failureThreshold: 1 },
    });
    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: manifest })).code, 0);
    const starting = await waitFor('the slow pod to run', async () => {
      const pod = await podNamed(cluster, 'slow');
      return pod?.status?.containerStatuses?.[0]?.state.running ? pod : undefined;
    }, { intervalMs: 100 });
    const early = starting.status!.containerStatuses![0]!;
    t.equal(early.started, false, 'not started while the startup probe has not passed');
    t.equal(early.ready, false);
    const ready = await waitFor('the slow pod to be ready', async () => {
      const pod = await podNamed(cluster, 'slow');
      return pod && isRunningAndReady(pod) ? pod : undefined;
    });
    t.equal(ready.status!.containerStatuses![0]!.started, true);
    t.equal(restarts(ready), 0, 'the liveness probe (failureThreshold 1) never ran before start-up: no restart');
  });

  t.test('a probe on a closed port: running, never ready, kubelet’s reason', async (t) => {
    const manifest = podManifest('closed', { readinessProbe: { tcpSocket: { port: 81 }, periodSeconds: 1 } });
    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: manifest })).code, 0);
    const event = await waitFor('an Unhealthy event for the closed port', async () => (await eventsOf(cluster, 'closed')).find((e) => e.reason === 'Unhealthy'));
    t.match(event.message, /^Readiness probe failed: dial tcp [\d.]+:81: connect: connection refused$/);
    const pod = await podNamed(cluster, 'closed');
    t.equal(pod?.status?.phase, 'Running');
    t.equal(condition(pod, 'Ready'), 'False');
    t.match(pod?.status?.conditions?.find((c) => c.type === 'Ready')?.message, /containers with unready status: \[web\]/);
    await waitFor('repeats to be counted on one Event', async () => ((await eventsOf(cluster, 'closed')).find((e) => e.reason === 'Unhealthy')?.count ?? 0) >= 2);
    t.equal((await eventsOf(cluster, 'closed')).filter((e) => e.reason === 'Unhealthy').length, 1, 'one Event, counted');
  });

  t.test('the preStop hook runs in the container before it is stopped', async (t) => {
    const hits: Array<{ path: string; atMs: number }> = [];
    const server = createServer((req, res) => {
      hits.push({ path: req.url ?? '', atMs: Date.now() });
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const gateway = await bridgeGateway();
    const manifest = podManifest('hooked', {
      lifecycle: { preStop: { exec: { command: ['sh', '-c', `wget -q -O- http://${gateway}:${port}/prestop`] } } },
    });
    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: manifest })).code, 0);
    await waitFor('the hooked pod to run', async () => isRunningAndReady((await podNamed(cluster, 'hooked'))!));
    const id = await containerOf(cluster, node, 'hooked');
    t.equal((await cluster.skiff(['delete', 'pod', 'hooked'])).code, 0);
    await waitFor('the hooked pod to be gone', async () => (await podNamed(cluster, 'hooked')) === undefined, { timeoutMs: 30_000 });
    t.same(hits.map((h) => h.path), ['/prestop'], 'the hook called out from inside the container, once');
    t.equal((await docker(['inspect', id])).code, 1, 'and the container is gone');
  });
});
