/**
 * Fleet scheduling with four real agents on one Docker engine: placement by nodeSelector on
 * kubernetes.io/arch (labels given with --node-label override the detected ones), by required node
 * affinity, by taints and tolerations (the taint PUT on the Node through the API), and by resource
 * requests, with the FailedScheduling event and PodScheduled=False that a Pod fitting nowhere gets.
 * The agents join at once; loops waiting for the cluster poll the API, not a CLI process per probe.
 */
import t from 'tap';
import type { Event } from '../../shared/api/schema/event.js';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';
import { totalmem } from 'node:os';

const MiB = 2 ** 20;

function bareWebPod(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { test: 'scheduling', pod: name } },
    spec: { containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never' }], ...spec },
  });
}

t.test('placement across a fleet of four agents', async (t) => {
  const cluster = await TestCluster.start(t);
  const label = (pairs: string[]) => pairs.flatMap((pair) => ['--node-label', pair]);
  // arm-1 is a node with little memory: it keeps all but 356Mi for the system, and kubelet's
  // default memory.available<100Mi comes off too, leaving exactly 256Mi allocatable.
  const reserved = totalmem() - 356 * MiB;
  const [arm1, arm2, amd1, amd2] = await Promise.all([
    cluster.startAgent('arm-1', [...label(['kubernetes.io/arch=arm64', 'zone=shed']), '--system-reserved', `memory=${reserved}`]),
    cluster.startAgent('arm-2', label(['kubernetes.io/arch=arm64', 'zone=barn'])),
    cluster.startAgent('amd-1', label(['kubernetes.io/arch=amd64', 'zone=barn'])),
    cluster.startAgent('amd-2', label(['kubernetes.io/arch=amd64', 'zone=field'])),
  ]);

  const apply = async (manifest: string) => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: manifest });
    t.equal(result.code, 0, result.stderr);
  };
  const podNamed = async (name: string) => (await listPods(cluster, `pod=${name}`))[0];
  const runningOn = async (name: string) =>
    waitFor(`pod ${name} running`, async () => {
      const pod = await podNamed(name);
      return pod && isRunningAndReady(pod) ? pod.spec.nodeName : undefined;
    });
  const failedScheduling = async (name: string, message: string) =>
    waitFor(`a FailedScheduling event for ${name}`, async () => {
      const events = await cluster.api<{ items: Event[] }>('/api/v1/namespaces/default/events');
      return events.items.find((e) => e.involvedObject.name === name && e.reason === 'FailedScheduling' && e.message === message);
    });

  await t.test('labels given with --node-label override the detected architecture', async (t) => {
    const expected = [[arm1, 'arm64'], [arm2, 'arm64'], [amd1, 'amd64'], [amd2, 'amd64']] as const;
    const views = await Promise.all(expected.map(([node]) => cluster.getJson<{ metadata: { labels: Record<string, string> } }>(['get', 'node', node])));
    expected.forEach(([node, arch], i) => t.equal(views[i]!.metadata.labels['kubernetes.io/arch'], arch, node));
  });

  await t.test('an arm64-only Deployment lands only on arm64 nodes, spread across them', async (t) => {
    await apply(
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'arm-web' },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: 'arm-web' } },
          template: {
            metadata: { labels: { app: 'arm-web' } },
            spec: { nodeSelector: { 'kubernetes.io/arch': 'arm64' }, containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never' }] },
          },
        },
      }),
    );
    const pods = await waitFor('4 arm-web pods running', async () => {
      const list = await listPods(cluster, 'app=arm-web');
      return list.length === 4 && list.every(isRunningAndReady) ? list : undefined;
    });
    const nodes = pods.map((p: PodView) => p.spec.nodeName).sort();
    t.same(nodes, [arm1, arm1, arm2, arm2].sort(), 'two on each arm64 node, none on amd64');
    for (const node of [amd1, amd2]) t.same(await cluster.containers(node), [], `no container on ${node}`);
  });

  await t.test('a node with little memory takes only what fits in its allocatable', async (t) => {
    const shedPod = (name: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { pod: name } },
        spec: { nodeSelector: { zone: 'shed' }, containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never', resources: { limits: { memory: '200Mi' } } }] },
      });
    // The node's view does not depend on the Pod: read it while the first Pod goes in.
    const [view] = await Promise.all([
      cluster.getJson<{ status: { capacity: Record<string, string>; allocatable: Record<string, string> } }>(['get', 'node', arm1]),
      apply(shedPod('shed-first')),
    ]);
    t.equal(view.status.allocatable.memory, `${256 * 1024}Ki`, 'capacity - system-reserved - eviction threshold');
    t.equal(view.status.capacity.memory, `${Math.floor(totalmem() / 1024)}Ki`, 'capacity is the whole machine');
    t.match(view.status.capacity['ephemeral-storage'], /^\d+Ki$/, 'the data dir filesystem as ephemeral-storage');
    t.equal(await runningOn('shed-first'), arm1);
    await apply(shedPod('shed-second'));
    const message = "0/4 nodes are available: 1 Insufficient memory, 3 node(s) didn't match Pod's node affinity/selector.";
    t.ok(await failedScheduling('shed-second', message), 'the second 200Mi Pod does not fit next to the first');
    const second = await podNamed('shed-second');
    t.equal(second?.spec.nodeName, undefined, 'not bound');
    t.same((second?.spec.containers[0] as { resources?: unknown } | undefined)?.resources, { limits: { memory: '200Mi' }, requests: { memory: '200Mi' } }, 'requests defaulted from limits');
    const deleted = await cluster.skiff(['delete', 'pod', 'shed-first', 'shed-second']);
    t.equal(deleted.code, 0, deleted.stderr);
  });

  await t.test('required node affinity: zone barn and not arm64 leaves one node', async (t) => {
    await apply(
      bareWebPod('barn-amd', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'zone', operator: 'In', values: ['barn'] },
                    { key: 'kubernetes.io/arch', operator: 'NotIn', values: ['arm64'] },
                  ],
                },
              ],
            },
          },
        },
      }),
    );
    t.equal(await runningOn('barn-amd'), amd1);
  });

  await t.test('a NoSchedule taint keeps out Pods that do not tolerate it', async (t) => {
    const path = `/api/v1/nodes/${amd2}`;
    await waitFor('the taint to be stored', async () => {
      const node = await cluster.api<{ spec?: Record<string, unknown> }>(path);
      node.spec = { ...node.spec, taints: [{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }] };
      const res = await cluster.fetch(path, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${cluster.adminToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(node),
      });
      if (res.status === 409) return undefined; // an agent heartbeat won the race; read again
      t.equal(res.status, 200, await res.clone().text());
      return true;
    });

    await Promise.all([
      apply(bareWebPod('field-intolerant', { nodeSelector: { zone: 'field' } })),
      apply(bareWebPod('field-tolerant', { nodeSelector: { zone: 'field' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'edge', effect: 'NoSchedule' }] })),
    ]);
    t.equal(await runningOn('field-tolerant'), amd2, 'the tolerating Pod runs on the tainted node');

    const message = "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: edge}, 3 node(s) didn't match Pod's node affinity/selector.";
    t.ok(await failedScheduling('field-intolerant', message), 'FailedScheduling names the taint');
    const pending = await podNamed('field-intolerant');
    t.equal(pending?.spec.nodeName, undefined, 'not bound');
    t.equal(pending?.status?.phase, 'Pending');
  });

  await t.test('a Pod requesting more memory than any node has stays Pending and says why', async (t) => {
    // A Pod that fits, next to it, takes nothing the huge one could have had: both go in at once.
    await Promise.all([
      apply(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'huge', labels: { pod: 'huge' } },
          spec: { containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never', resources: { requests: { memory: '1000Gi' } } }] },
        }),
      ),
      apply(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'modest', labels: { pod: 'modest' } },
          spec: { containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never', resources: { requests: { memory: '16Mi', cpu: '10m' } } }] },
        }),
      ),
    ]);
    // The tainted node is judged by the taint, the first filter it fails, as kube-scheduler does.
    const message = '0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: edge}, 3 Insufficient memory.';
    const event = await failedScheduling('huge', message);
    t.equal(event.type, 'Warning');
    t.equal(event.source?.component, 'default-scheduler');
    const pod = await podNamed('huge');
    t.equal(pod?.spec.nodeName, undefined, 'not bound');
    const condition = pod?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    t.match(condition, { status: 'False', reason: 'Unschedulable', message });
    const described = await cluster.skiff(['describe', 'pod', 'huge']);
    t.match(described.stdout, /FailedScheduling/);

    t.not(await runningOn('modest'), amd2, 'a Pod that fits runs, off the tainted node');
  });
});
