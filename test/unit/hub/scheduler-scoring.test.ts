/** Ranking among nodes that all fit: spread, least allocated, PreferNoSchedule, preferred affinity, name. */
import t from 'tap';
import { schedule } from '../../../hub/scheduler/schedule.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { schedNode, schedPod } from './scheduler-fixtures.js';

const placed = (pod: KubeObject, nodes: KubeObject[], pods: KubeObject[] = []) => {
  const result = schedule(pod, nodes, pods);
  return result.node ?? `(unschedulable: ${'message' in result ? result.message : ''})`;
};
const on = (nodeName: string, pod: KubeObject): KubeObject => ({ ...pod, spec: { ...(pod.spec as object), nodeName } });

t.test('spreading the Pods of one owner comes before free resources', async (t) => {
  const nodes = [schedNode('a', { cpu: '64', memory: '256Gi' }), schedNode('b', { cpu: '2', memory: '2Gi' })];
  const bound = [on('a', schedPod('web-1', { owner: 'web', requests: [{ cpu: '100m' }] })), on('b', schedPod('x', { requests: [{ cpu: '1', memory: '1Gi' }] }))];
  t.equal(placed(schedPod('web-2', { owner: 'web' }), nodes, bound), 'b', 'the sibling-free node, though it is fuller');
  t.equal(placed(schedPod('api-1', { owner: 'api' }), nodes, bound), 'a', "another owner's Pods are not siblings");
});

t.test('least allocated: the node with the larger free share of cpu and memory after placing', async (t) => {
  const table: Array<[string, KubeObject, KubeObject[], KubeObject[], string]> = [
    ['an empty node over a busy one', schedPod('p'), [schedNode('a'), schedNode('b')], [on('a', schedPod('x', { requests: [{ cpu: '2', memory: '4Gi' }] }))], 'b'],
    ['a big busy node over a small empty one', schedPod('p', { requests: [{ cpu: '1', memory: '1Gi' }] }), [schedNode('a', { cpu: '2', memory: '2Gi' }), schedNode('b', { cpu: '32', memory: '64Gi' })], [on('b', schedPod('x', { requests: [{ cpu: '4', memory: '8Gi' }] }))], 'b'],
    [
      'Pods without requests count as 100m/200Mi for scoring',
      schedPod('p'),
      [schedNode('a', { cpu: '1', memory: '1Gi' }), schedNode('b', { cpu: '1', memory: '1Gi' })],
      [on('a', schedPod('x')), on('a', schedPod('y')), on('b', schedPod('z'))],
      'b',
    ],
    ['cpu and memory weigh the same', schedPod('p'), [schedNode('a', { cpu: '4', memory: '8Gi' }), schedNode('b', { cpu: '4', memory: '8Gi' })], [on('a', schedPod('x', { requests: [{ cpu: '2' }] })), on('b', schedPod('y', { requests: [{ memory: '2Gi' }] }))], 'b'],
  ];
  for (const [why, pod, nodes, bound, want] of table) t.equal(placed(pod, nodes, bound), want, why);
});

t.test('fewer untolerated PreferNoSchedule taints win among equally free nodes', async (t) => {
  const nodes = [schedNode('a', { taints: [{ key: 'soft', value: 'yes', effect: 'PreferNoSchedule' }] }), schedNode('b'), schedNode('c', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }, { key: 'softer', effect: 'PreferNoSchedule' }] })];
  t.equal(placed(schedPod('p'), nodes), 'b');
  t.equal(placed(schedPod('p', { tolerations: [{ key: 'soft', operator: 'Exists', effect: 'PreferNoSchedule' }] }), nodes), 'a', 'tolerated, a wins back on name');
  t.equal(placed(schedPod('p'), [nodes[0]!, nodes[2]!]), 'a', 'one untolerated taint beats two');
});

t.test('preferred node affinity breaks the remaining ties by weight', async (t) => {
  const nodes = [schedNode('a', { labels: { zone: 'barn' } }), schedNode('b', { labels: { zone: 'shed' } }), schedNode('c', { labels: { zone: 'shed', disk: 'ssd' } })];
  const prefers = (terms: Array<[number, string, string]>) =>
    schedPod('p', {
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms.map(([weight, key, value]) => ({ weight, preference: { matchExpressions: [{ key, operator: 'In' as const, values: [value] }] } })) } },
    });
  t.equal(placed(prefers([[10, 'zone', 'shed']]), nodes), 'b');
  t.equal(placed(prefers([[10, 'zone', 'shed'], [5, 'disk', 'ssd']]), nodes), 'c');
  t.equal(placed(prefers([[50, 'zone', 'barn'], [10, 'zone', 'shed'], [5, 'disk', 'ssd']]), nodes), 'a');
  t.equal(placed(prefers([[10, 'zone', 'nowhere']]), nodes), 'a', 'no match anywhere: name decides');
});

t.test('ties break by node name whatever the order nodes are listed in', async (t) => {
  const nodes = [schedNode('c'), schedNode('a'), schedNode('b')];
  t.equal(placed(schedPod('p'), nodes), 'a');
  t.equal(placed(schedPod('p'), [...nodes].reverse()), 'a');
});
