/**
 * Node pressure end to end, with two real agents: one told (through kubelet's --eviction-hard
 * syntax) that any amount of free memory is too little reports MemoryPressure=True; the hub
 * records kubelet's event and taints it memory-pressure:NoSchedule; new BestEffort Pods go to the
 * other node while a Burstable Pod (which admission lets tolerate memory pressure) and a
 * DaemonSet's Pod still land on it. Restarted with the defaults, the agent reports the pressure
 * gone and the taint comes off.
 */
import t from 'tap';
import type { Event } from '../../shared/api/schema/event.js';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

interface NodeView {
  spec?: { taints?: Array<{ key: string; effect: string }> };
  status: { conditions: Array<{ type: string; status: string; reason?: string; message?: string }>; allocatable: Record<string, string> };
}

const web = { name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never' };

t.test('a node under memory pressure is tainted, and only Pods that tolerate it land there', async (t) => {
  const cluster = await TestCluster.start(t);
  const calm = await cluster.startAgent('calm');
  const strained = await cluster.startAgent('strained', ['--eviction-hard', 'memory.available<1000Ti']);
  const node = (name: string) => cluster.getJson<NodeView>(['get', 'node', name]);
  const apply = async (manifest: object) => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    t.equal(result.code, 0, result.stderr);
  };
  const nodeEvents = async (name: string) =>
    (await cluster.api<{ items: Event[] }>('/api/v1/namespaces/default/events')).items.filter((e) => e.involvedObject.kind === 'Node' && e.involvedObject.name === name);

  await t.test('MemoryPressure=True with kubelet wording, the NoSchedule taint and the event', async (t) => {
    const status = await waitFor('the strained node tainted', async () => {
      const view = await node(strained);
      return view.spec?.taints?.some((x) => x.key === 'node.kubernetes.io/memory-pressure') ? view : undefined;
    });
    t.same(status.spec?.taints, [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }]);
    t.same(
      status.status.conditions.map((c) => `${c.type}=${c.status}`),
      ['MemoryPressure=True', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True'],
      'still Ready: pressure is not failure',
    );
    t.match(status.status.conditions[0], { reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' });
    t.equal(status.status.allocatable.memory, '0Ki', 'the threshold comes off allocatable too');
    const calmView = await node(calm);
    t.same(calmView.spec?.taints ?? [], [], 'the calm node is not tainted');
    t.match(calmView.status.conditions[0], { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' });
    const events = await waitFor('NodeHasInsufficientMemory', async () => {
      const list = await nodeEvents(strained);
      return list.some((e) => e.reason === 'NodeHasInsufficientMemory') ? list : undefined;
    });
    t.match(events.find((e) => e.reason === 'NodeHasInsufficientMemory'), { type: 'Normal', message: `Node ${strained} status is now: NodeHasInsufficientMemory`, source: { component: 'kubelet' } });
  });

  await t.test('BestEffort replicas all go to the calm node', async (t) => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'besteffort' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'besteffort' } }, template: { metadata: { labels: { app: 'besteffort' } }, spec: { containers: [web] } } },
    });
    const pods = await waitFor('3 besteffort pods running', async () => {
      const list = await listPods(cluster, 'app=besteffort');
      return list.length === 3 && list.every(isRunningAndReady) ? list : undefined;
    });
    t.same(
      pods.map((p) => p.spec.nodeName),
      [calm, calm, calm],
    );
    t.same(await cluster.containers(strained), [], 'nothing started on the strained node');
  });

  await t.test('a Burstable Pod tolerates memory pressure and may land there (and is then evicted)', async (t) => {
    await apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'burstable', labels: { pod: 'burstable' } },
      spec: { nodeSelector: { 'kubernetes.io/hostname': strained }, containers: [{ ...web, resources: { requests: { memory: '0', cpu: '10m' } } }] },
    });
    // Bound there; the node being under memory pressure, its eviction manager then evicts it (it
    // uses more than its request of 0), as kubelet would: it may never be seen Running.
    const pod = await waitFor('the burstable pod bound', async () => {
      const [found] = await listPods(cluster, 'pod=burstable');
      return found?.spec.nodeName ? found : undefined;
    });
    t.equal(pod.spec.nodeName, strained);
    const evicted = await waitFor('the burstable pod evicted', async () => {
      const [found] = await listPods(cluster, 'pod=burstable');
      return found?.status?.phase === 'Failed' ? found : undefined;
    });
    t.match(evicted.status, { reason: 'Evicted', message: /^The node was low on resource: memory\. / });
    t.ok(
      (pod.spec as { tolerations?: Array<{ key: string; effect: string }> }).tolerations?.some((x) => x.key === 'node.kubernetes.io/memory-pressure' && x.effect === 'NoSchedule'),
      'admission added the toleration',
    );
  });

  await t.test('a DaemonSet Pod lands on every node, pressured or not', async (t) => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agentlet' },
      spec: { selector: { matchLabels: { app: 'agentlet' } }, template: { metadata: { labels: { app: 'agentlet' } }, spec: { containers: [web] } } },
    });
    // On the strained node it is evicted at the next sample and replaced by the DaemonSet
    // controller, over and over, as on a kubelet: bound there is what this test can say.
    const pods = await waitFor('a daemon pod on each node, the calm one running', async () => {
      const list = await listPods(cluster, 'app=agentlet');
      const onCalm = list.find((p) => p.spec.nodeName === calm);
      return onCalm && isRunningAndReady(onCalm) && list.some((p) => p.spec.nodeName === strained) ? list : undefined;
    });
    t.same([...new Set(pods.map((p) => p.spec.nodeName))].sort(), [calm, strained].sort());
  });

  await t.test('restarted with the default thresholds, the pressure and the taint go', async (t) => {
    await cluster.stopAgent(strained);
    await cluster.startAgent('strained', ['--eviction-pressure-transition-period', '1s']);
    const view = await waitFor('the memory-pressure taint removed', async () => {
      const current = await node(strained);
      return current.spec?.taints?.length ? undefined : current;
    });
    t.match(view.status.conditions[0], { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' });
    t.not(view.status.allocatable.memory, '0Ki');
    const events = await waitFor('NodeHasSufficientMemory', async () => {
      const list = await nodeEvents(strained);
      return list.some((e) => e.reason === 'NodeHasSufficientMemory') ? list : undefined;
    });
    t.ok(events.length > 0);
    const scale = await cluster.skiff(['scale', 'deployment/besteffort', '--replicas', '5']);
    t.equal(scale.code, 0, scale.stderr);
    const pods = await waitFor('5 besteffort pods running', async () => {
      const list = await listPods(cluster, 'app=besteffort');
      return list.length === 5 && list.every(isRunningAndReady) ? list : undefined;
    });
    t.ok(
      pods.some((p) => p.spec.nodeName === strained),
      'new BestEffort replicas may go to the recovered node again',
    );
  });
});
