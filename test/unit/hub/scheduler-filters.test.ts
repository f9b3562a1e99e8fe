/** Each filter on its own, then the FailedScheduling message built from them. */
import t from 'tap';
import { failingReasons, nodeAffinity, nodeReady, nodeResourcesFit, nodeUnschedulable, taintToleration, type Filter } from '../../../hub/scheduler/filters.js';
import { buildNodeInfos } from '../../../hub/scheduler/node-info.js';
import { schedule } from '../../../hub/scheduler/schedule.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { requiredAffinity, schedNode, schedPod } from './scheduler-fixtures.js';

/** The reasons `filter` gives for `pod` on `node`, with `bound` Pods already on it. */
function reasonsOf(filter: Filter, pod: KubeObject, node: KubeObject, bound: KubeObject[] = []): string[] {
  const info = buildNodeInfos([node], bound.map((p) => ({ ...p, spec: { ...(p.spec as object), nodeName: node.metadata.name } })))[0]!;
  return filter.check(pod, info);
}

type Case = [why: string, pod: KubeObject, node: KubeObject, bound: KubeObject[], reasons: string[]];

function runTable(t: { same(found: unknown, wanted: unknown, message: string): boolean },  filter: Filter, table: Case[]): void {
  for (const [why, pod, node, bound, reasons] of table) t.same(reasonsOf(filter, pod, node, bound), reasons, why);
}

t.test('NodeReady', async (t) => {
  runTable(t, nodeReady, [
    ['Ready=True passes', schedPod('p'), schedNode('n'), [], []],
    ['Ready=False', schedPod('p'), schedNode('n', { ready: 'False' }), [], ['node(s) were not ready']],
    ['Ready=Unknown', schedPod('p'), schedNode('n', { ready: 'Unknown' }), [], ['node(s) were not ready']],
    ['no conditions yet', schedPod('p'), schedNode('n', { ready: 'missing' }), [], ['node(s) were not ready']],
    ['a tolerated lifecycle taint does not make a node Ready', schedPod('p', { tolerations: [{ operator: 'Exists' }] }), schedNode('n', { ready: 'False', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }), [], ['node(s) were not ready']],
  ]);
});

t.test('NodeUnschedulable: a cordoned node takes only Pods tolerating node.kubernetes.io/unschedulable', async (t) => {
  const cordoned = schedNode('n', { unschedulable: true });
  runTable(t, nodeUnschedulable, [
    ['schedulable', schedPod('p'), schedNode('n', { unschedulable: false }), [], []],
    ['cordoned', schedPod('p'), cordoned, [], ['node(s) were unschedulable']],
    ['cordoned, tolerated by key', schedPod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), cordoned, [], []],
    ['cordoned, tolerated by a match-all toleration', schedPod('p', { tolerations: [{ operator: 'Exists' }] }), cordoned, [], []],
    ['cordoned, a NoExecute toleration is not enough', schedPod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }] }), cordoned, [], ['node(s) were unschedulable']],
  ]);
});

t.test('TaintToleration: NoSchedule and NoExecute taints must be tolerated, PreferNoSchedule need not', async (t) => {
  const gpu = schedNode('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  const gone = schedNode('n', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] });
  runTable(t, taintToleration, [
    ['no taints', schedPod('p'), schedNode('n'), [], []],
    ['untolerated NoSchedule', schedPod('p'), gpu, [], ['node(s) had untolerated taint {dedicated: gpu}']],
    ['tolerated NoSchedule', schedPod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }), gpu, [], []],
    ['toleration for another value', schedPod('p', { tolerations: [{ key: 'dedicated', value: 'tpu' }] }), gpu, [], ['node(s) had untolerated taint {dedicated: gpu}']],
    ['untolerated NoExecute, a taint without value', schedPod('p'), gone, [], ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']],
    ['PreferNoSchedule only', schedPod('p'), schedNode('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }), [], []],
    [
      'the first untolerated taint is the one named',
      schedPod('p', { tolerations: [{ key: 'a', operator: 'Exists' }] }),
      schedNode('n', { taints: [{ key: 'a', value: '1', effect: 'NoSchedule' }, { key: 'b', value: '2', effect: 'NoSchedule' }, { key: 'c', value: '3', effect: 'NoExecute' }] }),
      [],
      ['node(s) had untolerated taint {b: 2}'],
    ],
  ]);
});

t.test('NodeAffinity: nodeSelector and required node affinity', async (t) => {
  const arm = schedNode('n', { labels: { 'kubernetes.io/arch': 'arm64' } });
  const miss = ["node(s) didn't match Pod's node affinity/selector"];
  runTable(t, nodeAffinity, [
    ['nodeSelector matches', schedPod('p', { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }), arm, [], []],
    ['nodeSelector does not', schedPod('p', { nodeSelector: { 'kubernetes.io/arch': 'amd64' } }), arm, [], miss],
    ['required affinity matches', schedPod('p', { affinity: requiredAffinity({ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64', 'arm'] }] }) }), arm, [], []],
    ['required affinity does not', schedPod('p', { affinity: requiredAffinity({ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'NotIn', values: ['arm64'] }] }) }), arm, [], miss],
  ]);
});

t.test('NodeResourcesFit: requests of bound Pods plus this one within allocatable', async (t) => {
  const small = schedNode('n', { cpu: '2', memory: '1Gi', maxPods: 3 });
  const half = schedPod('half', { requests: [{ cpu: '1', memory: '512Mi' }] });
  runTable(t, nodeResourcesFit, [
    ['fits on an empty node', half, small, [], []],
    ['fits exactly', half, small, [schedPod('other', { requests: [{ cpu: '1', memory: '512Mi' }] })], []],
    ['one millicore too many', half, small, [schedPod('other', { requests: [{ cpu: '1001m' }] })], ['Insufficient cpu']],
    ['one byte too many', half, small, [schedPod('other', { requests: [{ memory: `${512 * 1024 * 1024 + 1}` }] })], ['Insufficient memory']],
    ['every short resource is named, pods first', half, small, [schedPod('x', { requests: [{ cpu: '1500m', memory: '1Gi' }] }), schedPod('y'), schedPod('z')], ['Too many pods', 'Insufficient cpu', 'Insufficient memory']],
    ['requests of all containers add up', schedPod('two', { requests: [{ memory: '600Mi' }, { memory: '600Mi' }] }), small, [], ['Insufficient memory']],
    ['a container without requests counts as zero', schedPod('none'), schedNode('n', { cpu: '0', memory: '0' }), [], []],
    ['limits stand in for missing requests', schedPod('lim', { limits: [{ memory: '2Gi' }] }), small, [], ['Insufficient memory']],
    ['finished Pods hold nothing', half, small, [schedPod('done', { phase: 'Succeeded', requests: [{ cpu: '2', memory: '1Gi' }] })], []],
    ['a terminating Pod still holds its requests', half, small, [schedPod('going', { deletionTimestamp: '2026-01-01T00:00:00Z', requests: [{ cpu: '2' }] })], ['Insufficient cpu']],
    ['a node that has not reported memory has none', half, schedNode('n', { memory: '0' }), [], ['Insufficient memory']],
    ['huge requests', schedPod('big', { requests: [{ memory: '1000Gi' }] }), small, [], ['Insufficient memory']],
    ['ephemeral-storage within what is left', schedPod('disk', { requests: [{ 'ephemeral-storage': '1Gi' }] }), schedNode('n', { ephemeralStorage: '2Gi' }), [schedPod('o', { requests: [{ 'ephemeral-storage': '1Gi' }] })], []],
    ['ephemeral-storage short, after cpu and memory', schedPod('disk', { requests: [{ memory: '9Gi', 'ephemeral-storage': '1Gi' }] }), schedNode('n', { ephemeralStorage: '1G' }), [], ['Insufficient memory', 'Insufficient ephemeral-storage']],
    ['a node that has not reported storage has none', schedPod('disk', { requests: [{ 'ephemeral-storage': '1' }] }), small, [], ['Insufficient ephemeral-storage']],
  ]);
});

t.test('a node is judged by the first filter it fails', async (t) => {
  const pod = schedPod('p', { nodeSelector: { zone: 'shed' }, requests: [{ memory: '100Gi' }] });
  const info = (n: KubeObject) => buildNodeInfos([n], [])[0]!;
  t.same(failingReasons(pod, info(schedNode('n', { ready: 'False', unschedulable: true }))), ['node(s) were not ready']);
  t.same(failingReasons(pod, info(schedNode('n', { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] }))), ['node(s) were unschedulable']);
  t.same(failingReasons(pod, info(schedNode('n', { taints: [{ key: 'k', effect: 'NoSchedule' }] }))), ['node(s) had untolerated taint {k: }']);
  t.same(failingReasons(pod, info(schedNode('n'))), ["node(s) didn't match Pod's node affinity/selector"]);
  t.same(failingReasons(pod, info(schedNode('n', { labels: { zone: 'shed' } }))), ['Insufficient memory']);
  t.same(failingReasons(schedPod('q'), info(schedNode('n'))), []);
});

t.test("FailedScheduling message in kube-scheduler's words", async (t) => {
  const bigMemory = schedPod('p', { requests: [{ memory: '16Gi' }], nodeSelector: { tier: 'edge' } });
  const table: Array<[string, KubeObject, KubeObject[], string]> = [
    ['no nodes at all', schedPod('p'), [], 'no nodes available to schedule pods'],
    [
      "the issue's example: counts per reason, sorted as strings",
      bigMemory,
      [
        schedNode('a', { labels: { tier: 'edge' } }),
        schedNode('b', { labels: { tier: 'edge' } }),
        schedNode('c', { labels: { tier: 'edge' } }),
        schedNode('d'),
        schedNode('e'),
      ],
      "0/5 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 3 Insufficient memory.",
    ],
    [
      'a node short of several resources counts in each',
      schedPod('p', { requests: [{ cpu: '8', memory: '16Gi' }] }),
      [schedNode('a'), schedNode('b', { cpu: '16' })],
      '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.',
    ],
    [
      'every kind of reason',
      schedPod('p', { nodeSelector: { zone: 'shed' } }),
      [
        schedNode('a', { ready: 'False' }),
        schedNode('b', { unschedulable: true }),
        schedNode('c', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
        schedNode('d', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] }),
        schedNode('e'),
        schedNode('f', { labels: { zone: 'shed' }, maxPods: 0 }),
      ],
      "0/6 nodes are available: 1 Too many pods, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were not ready, 1 node(s) were unschedulable, 2 node(s) had untolerated taint {dedicated: gpu}.",
    ],
    ['sorting is by string, so 10 comes before 2', schedPod('p', { nodeSelector: { zone: 'x' } }), [...Array.from({ length: 10 }, (_, i) => schedNode(`n${i}`)), schedNode('r1', { ready: 'False' }), schedNode('r2', { ready: 'False' })], "0/12 nodes are available: 10 node(s) didn't match Pod's node affinity/selector, 2 node(s) were not ready."],
  ];
  for (const [why, pod, nodes, message] of table) t.same(schedule(pod, nodes, []), { message }, why);
});

t.test('arch-aware placement: an arm64-only Pod never lands on an amd64 node', async (t) => {
  const fleet = [
    schedNode('amd-1', { labels: { 'kubernetes.io/arch': 'amd64' }, cpu: '64', memory: '256Gi' }),
    schedNode('amd-2', { labels: { 'kubernetes.io/arch': 'amd64' }, cpu: '64', memory: '256Gi' }),
    schedNode('pi-1', { labels: { 'kubernetes.io/arch': 'arm64' }, cpu: '4', memory: '4Gi' }),
  ];
  const bySelector = schedPod('arm', { nodeSelector: { 'kubernetes.io/arch': 'arm64' }, requests: [{ cpu: '1', memory: '1Gi' }] });
  const byAffinity = schedPod('arm2', { affinity: requiredAffinity({ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }), requests: [{ cpu: '1', memory: '1Gi' }] });
  const bound: KubeObject[] = [];
  for (let i = 0; i < 4; i++) {
    for (const p of [bySelector, byAffinity]) {
      const result = schedule(p, fleet, bound);
      if (result.node !== undefined) {
        t.equal(result.node, 'pi-1', `${p.metadata.name} #${i} on the arm64 node, though the amd64 nodes are far emptier`);
        bound.push({ ...p, metadata: { ...p.metadata, name: `${p.metadata.name}-${i}` }, spec: { ...(p.spec as object), nodeName: result.node } });
      } else {
        t.equal(result.message, "0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 2 node(s) didn't match Pod's node affinity/selector.", 'once the arm64 node is full it waits');
      }
    }
  }
  t.equal(bound.length, 4, 'the arm64 node took as many as it has room for (4 cpu, 4Gi)');
});
