import t from 'tap';
import { schedule } from '../../../hub/scheduler/schedule.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { seededRandom, shuffled } from '../../helpers/seeded-random.js';
import { node, pod } from './fixtures.js';

const placed = (result: ReturnType<typeof schedule>) => result.node ?? `(unschedulable: ${'message' in result ? result.message : ''})`;

t.test('picks only nodes that pass every filter', async (t) => {
  const table: Array<[string, KubeObject, KubeObject[], KubeObject[], string]> = [
    ['a Ready node over a not-ready one', pod('p'), [node('a', { ready: 'False' }), node('b')], [], 'b'],
    ['Ready=Unknown is not ready', pod('p'), [node('a', { ready: 'Unknown' }), node('b')], [], 'b'],
    ['a node without conditions is not ready', pod('p'), [node('a', { ready: 'missing' }), node('b')], [], 'b'],
    ['a schedulable node over a cordoned one', pod('p'), [node('a', { unschedulable: true }), node('b', { unschedulable: false })], [], 'b'],
    [
      'a node whose labels match every nodeSelector entry',
      pod('p', { nodeSelector: { 'kubernetes.io/arch': 'arm64', zone: 'shed' } }),
      [node('a', { labels: { 'kubernetes.io/arch': 'arm64' } }), node('b', { labels: { 'kubernetes.io/arch': 'arm64', zone: 'shed' } }), node('c', { labels: { zone: 'shed' } })],
      [],
      'b',
    ],
    ['a node with room for another Pod', pod('p'), [node('a', { maxPods: 1 }), node('b', { maxPods: 5 })], [pod('x', { nodeName: 'a' })], 'b'],
    [
      'finished Pods take no room',
      pod('p'),
      [node('a', { maxPods: 2 })],
      [pod('done', { nodeName: 'a', phase: 'Succeeded' }), pod('failed', { nodeName: 'a', phase: 'Failed' }), pod('up', { nodeName: 'a' })],
      'a',
    ],
  ];
  for (const [why, p, nodes, pods, want] of table) t.equal(placed(schedule(p, nodes, pods)), want, why);
});

t.test('spreads the Pods of one owner across nodes first', async (t) => {
  const nodes = [node('a'), node('b')];
  // a holds one sibling; b holds two unrelated Pods. Spreading the owner wins.
  const pods = [pod('web-1', { nodeName: 'a', owner: 'web' }), pod('x', { nodeName: 'b' }), pod('y', { nodeName: 'b' })];
  t.equal(placed(schedule(pod('web-2', { owner: 'web' }), nodes, pods)), 'b');
  t.equal(placed(schedule(pod('solo'), nodes, pods)), 'a', 'a Pod without owner goes to the node with fewer Pods (no allocatable reported: name decides)');
  t.equal(placed(schedule(pod('api-1', { owner: 'api' }), nodes, pods)), 'a', "another owner's Pods are not siblings");
});

t.test('breaks ties by node name whatever the order nodes are listed in', async (t) => {
  const nodes = [node('c'), node('a'), node('b')];
  t.equal(placed(schedule(pod('p'), nodes, [])), 'a');
  t.equal(placed(schedule(pod('p'), [...nodes].reverse(), [])), 'a');
});

t.test("explains why nothing fits in Kubernetes' words", async (t) => {
  const table: Array<[string, KubeObject, KubeObject[], KubeObject[], string]> = [
    ['no nodes at all', pod('p'), [], [], 'no nodes available to schedule pods'],
    [
      'mixed reasons, sorted as the kube-scheduler sorts them',
      pod('p', { nodeSelector: { zone: 'shed' } }),
      [node('a', { ready: 'False', labels: { zone: 'shed' } }), node('b'), node('c')],
      [],
      "0/3 nodes are available: 1 node(s) were not ready, 2 node(s) didn't match Pod's node affinity/selector.",
    ],
    ['all cordoned', pod('p'), [node('a', { unschedulable: true }), node('b', { unschedulable: true })], [], '0/2 nodes are available: 2 node(s) were unschedulable.'],
    ['all full', pod('p'), [node('a', { maxPods: 1 })], [pod('x', { nodeName: 'a' })], '0/1 nodes are available: 1 Too many pods.'],
    // The kube-scheduler's NodeInfo keeps a terminating Pod until it is deleted: its containers
    // still run on the node, so it still takes a Pod slot.
    [
      'a terminating Pod still takes its slot',
      pod('p'),
      [node('a', { maxPods: 1 })],
      [pod('going', { nodeName: 'a', phase: 'Running', deletionTimestamp: '2026-01-01T00:00:00Z' })],
      '0/1 nodes are available: 1 Too many pods.',
    ],
  ];
  for (const [why, p, nodes, pods, message] of table) t.same(schedule(p, nodes, pods), { message }, why);
});

t.test('property: N Pods of one owner on N identical ready nodes land one per node', async (t) => {
  const random = seededRandom(42);
  for (let n = 1; n <= 12; n++) {
    const nodes = shuffled(random, Array.from({ length: n }, (_, i) => node(`node-${String(i).padStart(2, '0')}`)));
    const pods: KubeObject[] = [pod('unrelated-1', { nodeName: nodes[0]!.metadata.name })];
    for (let i = 0; i < n; i++) {
      const next = pod(`web-${i}`, { owner: 'web' });
      const result = schedule(next, nodes, pods);
      if (!result.node) return t.fail(`n=${n}: pod ${i} unschedulable`);
      pods.push(pod(`web-${i}`, { owner: 'web', nodeName: result.node }));
    }
    const perNode = new Map<string, number>();
    for (const p of pods.slice(1)) {
      const name = (p.spec as { nodeName: string }).nodeName;
      perNode.set(name, (perNode.get(name) ?? 0) + 1);
    }
    t.same([...perNode.values()].sort(), Array.from({ length: n }, () => 1), `n=${n}: every node got exactly one`);
    t.equal(perNode.size, n, `n=${n}: all nodes used`);
  }
});
