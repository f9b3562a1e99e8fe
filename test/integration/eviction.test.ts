/**
 * Memory-pressure eviction end to end, on real Docker: three bare Pods run (BestEffort, Burstable,
 * Guaranteed); the agent is restarted told that any free memory is too little (kubelet's
 * --eviction-hard syntax) and samples every 2 s. It evicts one Pod per sample, BestEffort first,
 * as kubelet does: each ends Failed with reason Evicted and kubelet's message, with a Warning
 * Evicted event, its container gone. Restarted again without pressure, the agent never runs an
 * evicted Pod again (they stay Failed) while a new Pod runs, and one the hub deletes is forgotten.
 */
import t from 'tap';
import type { Event } from '../../shared/api/schema/event.js';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

const web = { name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never', command: ['sleep', '3600'] };
const QOS = ['besteffort', 'burstable', 'guaranteed'] as const;

function bare(name: string, resources?: object): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { suite: 'eviction' } },
    spec: { terminationGracePeriodSeconds: 30, containers: [{ ...web, ...(resources ? { resources } : {}) }] },
  };
}

const isEvicted = (pod: PodView | undefined): boolean => pod?.status?.phase === 'Failed' && pod.status.reason === 'Evicted';

t.test('a node under memory pressure evicts BestEffort first and never restarts an evicted Pod', async (t) => {
  const cluster = await TestCluster.start(t);
  const node = await cluster.startAgent('pressed');
  const apply = async (...manifests: object[]): Promise<void> => {
    // One YAML stream of JSON documents: one CLI run for all of them.
    const result = await cluster.skiff(['apply', '-f', '-'], { input: manifests.map((m) => JSON.stringify(m)).join('\n---\n') });
    t.equal(result.code, 0, result.stderr);
  };
  const byName = async (): Promise<Map<string, PodView>> => new Map((await listPods(cluster, 'suite=eviction')).map((p) => [p.metadata.name!, p]));

  await apply(
    bare('besteffort'),
    bare('burstable', { requests: { memory: '16Mi', cpu: '10m' } }),
    bare('guaranteed', { requests: { memory: '64Mi', cpu: '100m' }, limits: { memory: '64Mi', cpu: '100m' } }),
  );
  const running = await waitFor('the three pods running', async () => {
    const pods = await byName();
    return QOS.every((name) => pods.get(name) && isRunningAndReady(pods.get(name)!)) ? pods : undefined;
  });
  t.same(
    QOS.map((name) => running.get(name)!.status?.qosClass),
    ['BestEffort', 'Burstable', 'Guaranteed'],
  );

  await t.test('under pressure, each Pod is evicted in kubelet’s order: BestEffort first', async (t) => {
    await cluster.stopAgent(node);
    await cluster.startAgent('pressed', ['--eviction-hard', 'memory.available<1000Ti', '--eviction-monitoring-interval', '2s']);
    const pods = await waitFor('all three pods evicted', async () => {
      const current = await byName();
      return QOS.every((name) => isEvicted(current.get(name))) ? current : undefined;
    });
    const bestEffort = pods.get('besteffort')!.status!;
    t.match(
      bestEffort.message,
      /^The node was low on resource: memory\. Threshold quantity: 1000Ti, available: \d+(Ki|Mi|Gi)?\. Container web was using \d+(Ki|Mi)?, request is 0, has larger consumption of memory\. $/,
      "kubelet's message",
    );
    t.match(bestEffort.containerStatuses, [{ name: 'web', ready: false, state: { terminated: { exitCode: 137 } } }], 'its container killed');
    t.match(pods.get('guaranteed')!.status!.message, /^The node was low on resource: memory\. Threshold quantity: 1000Ti, available: \d+(Ki|Mi|Gi)?\. $/, 'within its request: not named');

    const evictedEvents = await waitFor('three Evicted events', async () => {
      const list = (await cluster.api<{ items: Event[] }>('/api/v1/namespaces/default/events')).items.filter((e) => e.reason === 'Evicted');
      return list.length === 3 ? list : undefined;
    });
    const order = [...evictedEvents].sort((a, b) => Date.parse(a.firstTimestamp!) - Date.parse(b.firstTimestamp!)).map((e) => e.involvedObject.name);
    t.same(order, ['besteffort', 'burstable', 'guaranteed'], 'one Pod per 2 s sample: BestEffort, then the largest use above request');
    const first = evictedEvents.find((e) => e.involvedObject.name === 'besteffort')!;
    t.match(first, { type: 'Warning', message: bestEffort.message, source: { component: 'kubelet', host: node } });
    t.ok(
      Date.parse(first.firstTimestamp!) < Math.min(...evictedEvents.filter((e) => e !== first).map((e) => Date.parse(e.firstTimestamp!))),
      'BestEffort strictly before the others',
    );

    await waitFor('the evicted containers removed', async () => ((await cluster.containers(node)).length === 0 ? true : undefined));
  });

  await t.test('restarted without pressure, the agent runs new Pods but never an evicted one, and forgets one deleted', async (t) => {
    await cluster.stopAgent(node);
    await cluster.startAgent('pressed', ['--eviction-monitoring-interval', '1s']);
    const [applied, deleted] = await Promise.all([
      cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(bare('after')) }),
      cluster.skiff(['delete', 'pod', 'besteffort', '--wait=false']),
    ]);
    t.equal(applied.code, 0, applied.stderr);
    t.equal(deleted.code, 0, deleted.stderr);
    const pods = await waitFor('the new pod running and the deleted evicted pod gone', async () => {
      const current = await byName();
      const after = current.get('after');
      return after && isRunningAndReady(after) && !current.has('besteffort') ? current : undefined;
    });
    t.same(
      ['burstable', 'guaranteed'].map((name) => isEvicted(pods.get(name))),
      [true, true],
      'the others still Failed/Evicted',
    );
    const containers = await cluster.containers(node);
    t.same(
      containers.map((c) => c.labels['skiff.pod.name']),
      ['after'],
      'no container for an evicted Pod',
    );
  });
});
