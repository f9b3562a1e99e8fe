import t from 'tap';
import {
  daemonPodOf,
  daemonTemplateOf,
  isDaemonPodUpdated,
  nodeShouldRunDaemonPod,
  planDaemonSet,
  scaledValue,
  updatedDesiredNodeCounts,
  type DaemonNode,
  type DaemonPod,
  type DaemonTemplate,
} from '../../../hub/controllers/daemonset-plan.js';
import { daemonPodTolerations, tolerates } from '../../../hub/controllers/daemonset-tolerations.js';
import { at, pod } from './fixtures.js';

function node(name: string, labels: Record<string, string> = {}, taints: DaemonNode['taints'] = []): DaemonNode {
  return { name, labels, taints };
}

let created = 0;
/** A daemon Pod, by default up to date, ready and available; later calls are newer Pods. */
function daemonPod(name: string, nodeName: string | undefined, o: Partial<DaemonPod> = {}): DaemonPod {
  created++;
  return { name, nodeName, terminating: false, failed: false, succeeded: false, created: at(created), updated: true, ready: true, available: true, ...o };
}

const everywhere: DaemonTemplate = daemonTemplateOf({});
const onEdge: DaemonTemplate = daemonTemplateOf({ nodeSelector: { tier: 'edge' } });

t.test('a node runs the daemon Pod when it matches the nodeSelector', async (t) => {
  t.same(nodeShouldRunDaemonPod(node('a', { tier: 'edge', x: 'y' }), onEdge), { shouldRun: true, shouldContinueRunning: true });
  t.same(nodeShouldRunDaemonPod(node('b', { tier: 'core' }), onEdge), { shouldRun: false, shouldContinueRunning: false });
  t.same(nodeShouldRunDaemonPod(node('c'), onEdge), { shouldRun: false, shouldContinueRunning: false });
  t.same(nodeShouldRunDaemonPod(node('c'), everywhere), { shouldRun: true, shouldContinueRunning: true });
});

t.test('a template nodeName limits the DaemonSet to that node', async (t) => {
  const pinned = daemonTemplateOf({ nodeName: 'a' });
  t.ok(nodeShouldRunDaemonPod(node('a'), pinned).shouldRun);
  t.notOk(nodeShouldRunDaemonPod(node('b'), pinned).shouldRun);
});

t.test('taints: NoSchedule keeps new daemon Pods away but lets one stay; NoExecute removes it', async (t) => {
  const table: Array<[string, DaemonNode['taints'], boolean, boolean]> = [
    ['no taints', [], true, true],
    ['PreferNoSchedule is ignored', [{ key: 'k', effect: 'PreferNoSchedule' }], true, true],
    ['NoSchedule not tolerated', [{ key: 'k', value: 'v', effect: 'NoSchedule' }], false, true],
    ['NoExecute not tolerated', [{ key: 'k', value: 'v', effect: 'NoExecute' }], false, false],
    ['cordoned (unschedulable taint) is tolerated', [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], true, true],
    ['unreachable NoExecute is tolerated', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], true, true],
    ['not-ready NoExecute is tolerated', [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }], true, true],
    ['memory-pressure is tolerated', [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }], true, true],
    ['disk-pressure is tolerated', [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }], true, true],
    ['pid-pressure is tolerated', [{ key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' }], true, true],
    ['unreachable NoSchedule is not among the daemon tolerations', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }], false, true],
  ];
  for (const [why, taints, shouldRun, shouldContinueRunning] of table) {
    t.same(nodeShouldRunDaemonPod(node('n', {}, taints), everywhere), { shouldRun, shouldContinueRunning }, why);
  }
});

t.test("the template's own tolerations count, read defensively", async (t) => {
  const tainted = node('n', {}, [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }]);
  t.ok(nodeShouldRunDaemonPod(tainted, daemonTemplateOf({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute' }] })).shouldRun);
  t.ok(nodeShouldRunDaemonPod(tainted, daemonTemplateOf({ tolerations: [{ operator: 'Exists' }] })).shouldRun, 'an empty key with Exists tolerates everything');
  t.notOk(nodeShouldRunDaemonPod(tainted, daemonTemplateOf({ tolerations: [{ key: 'dedicated', value: 'cpu' }] })).shouldRun);
  t.notOk(nodeShouldRunDaemonPod(tainted, daemonTemplateOf({ tolerations: 'nonsense' })).shouldRun, 'a malformed field is no tolerations');
  t.notOk(nodeShouldRunDaemonPod(tainted, daemonTemplateOf({ tolerations: [null, 3] })).shouldRun);
});

t.test('daemon tolerations are appended, and replace an equal one in place', async (t) => {
  const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
  const out = daemonPodTolerations([{ key: 'a', operator: 'Exists' }, own], false);
  t.same(out[0], { key: 'a', operator: 'Exists' });
  t.same(out[1], { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }, 'no tolerationSeconds: never evicted');
  t.equal(out.length, 7);
  t.ok(daemonPodTolerations([], true).some((tol) => tol.key === 'node.kubernetes.io/network-unavailable'), 'hostNetwork Pods also tolerate network-unavailable');
  t.notOk(tolerates({ key: 'k', effect: 'NoSchedule' }, { key: 'k', effect: 'NoExecute' }), 'effects must match');
});

t.test('creates one Pod on each matching node without one, including a cordoned node', async (t) => {
  const nodes = [
    node('a', { tier: 'edge' }),
    node('b', { tier: 'core' }),
    node('c', { tier: 'edge' }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]),
    node('d', { tier: 'edge' }),
  ];
  const plan = planDaemonSet(nodes, [daemonPod('ds-1', 'd')], onEdge, { maxUnavailable: 1 });
  t.same(plan.create, ['a', 'c']);
  t.same(plan.delete, []);
  t.same(plan.counts, {
    desiredNumberScheduled: 3,
    currentNumberScheduled: 1,
    numberMisscheduled: 0,
    numberReady: 1,
    numberAvailable: 1,
    numberUnavailable: 2,
    updatedNumberScheduled: 1,
  });
});

t.test('a node whose labels stopped matching loses its Pod, and counts as misscheduled until then', async (t) => {
  const plan = planDaemonSet([node('a', { tier: 'edge' }), node('b', { tier: 'core' })], [daemonPod('ds-a', 'a'), daemonPod('ds-b', 'b')], onEdge, { maxUnavailable: 1 });
  t.same(plan.create, []);
  t.same(plan.delete, [{ pod: 'ds-b', node: 'b', reason: 'misscheduled' }]);
  t.equal(plan.counts.numberMisscheduled, 1);
  t.equal(plan.counts.desiredNumberScheduled, 1);
});

t.test('a Pod on a deleted node goes; one already terminating is left to finish', async (t) => {
  const plan = planDaemonSet([node('a')], [daemonPod('ds-a', 'a'), daemonPod('ds-gone', 'gone'), daemonPod('ds-going', 'gone2', { terminating: true })], everywhere, undefined);
  t.same(plan.delete, [{ pod: 'ds-gone', node: 'gone', reason: 'misscheduled' }]);
});

t.test('duplicates on a node: the oldest stays', async (t) => {
  const older = daemonPod('ds-old', 'a');
  const newer = daemonPod('ds-new', 'a');
  const plan = planDaemonSet([node('a')], [newer, older], everywhere, { maxUnavailable: 1 });
  t.same(plan.delete, [{ pod: 'ds-new', node: 'a', reason: 'duplicate' }]);
  t.same(plan.create, []);
});

t.test('a failed Pod is deleted and replaced once it is gone; a terminating Pod blocks a new one', async (t) => {
  const failed = planDaemonSet([node('a')], [daemonPod('ds-a', 'a', { failed: true, ready: false, available: false })], everywhere, undefined);
  t.same(failed.delete, [{ pod: 'ds-a', node: 'a', reason: 'failed' }]);
  t.same(failed.create, []);
  const terminating = planDaemonSet([node('a')], [daemonPod('ds-a', 'a', { terminating: true })], everywhere, undefined);
  t.same(terminating, { ...terminating, create: [], delete: [] });
  const terminalAndTerminating = planDaemonSet([node('a')], [daemonPod('ds-a', 'a', { terminating: true, failed: true })], everywhere, undefined);
  t.same(terminalAndTerminating.create, ['a'], 'a terminal Pod being deleted no longer occupies the node');
});

t.test('a NoSchedule taint keeps an existing Pod but creates none; NoExecute removes it', async (t) => {
  const noSchedule = [{ key: 'k', value: 'v', effect: 'NoSchedule' as const }];
  const kept = planDaemonSet([node('a', {}, noSchedule), node('b', {}, noSchedule)], [daemonPod('ds-a', 'a')], everywhere, undefined);
  t.same(kept.create, []);
  t.same(kept.delete, []);
  t.equal(kept.counts.numberMisscheduled, 1, 'it runs where it would not be placed');
  const evicted = planDaemonSet([node('a', {}, [{ key: 'k', value: 'v', effect: 'NoExecute' }])], [daemonPod('ds-a', 'a')], everywhere, undefined);
  t.same(evicted.delete, [{ pod: 'ds-a', node: 'a', reason: 'misscheduled' }]);
});

t.test('an unbound Pod of the DaemonSet is removed', async (t) => {
  const plan = planDaemonSet([node('a')], [daemonPod('ds-a', 'a'), daemonPod('ds-x', undefined)], everywhere, undefined);
  t.same(plan.delete, [{ pod: 'ds-x', node: undefined, reason: 'unbound' }]);
});

const fiveNodes = ['a', 'b', 'c', 'd', 'e'].map((n) => node(n));
const oldPods = () => fiveNodes.map((n) => daemonPod(`old-${n.name}`, n.name, { updated: false }));

t.test('rolling update replaces at most maxUnavailable available Pods, node by node in name order', async (t) => {
  t.same(planDaemonSet(fiveNodes, oldPods(), everywhere, { maxUnavailable: 1 }).delete, [{ pod: 'old-a', node: 'a', reason: 'outdated' }]);
  t.same(
    planDaemonSet(fiveNodes, oldPods(), everywhere, { maxUnavailable: 2 }).delete.map((d) => d.pod),
    ['old-a', 'old-b'],
  );
  t.same(planDaemonSet(fiveNodes, oldPods(), everywhere, { maxUnavailable: '40%' }).delete.map((d) => d.pod), ['old-a', 'old-b'], '40% of 5');
  t.same(planDaemonSet(fiveNodes, oldPods(), everywhere, { maxUnavailable: '30%' }).delete.map((d) => d.pod), ['old-a', 'old-b'], '30% of 5 rounds up to 2');
  t.same(planDaemonSet(fiveNodes, oldPods(), everywhere, { maxUnavailable: 0 }).delete.map((d) => d.pod), ['old-a'], '0 with no surge means 1');
  t.same(planDaemonSet(fiveNodes, oldPods(), everywhere, undefined).delete, [], 'OnDelete leaves old Pods alone');
});

t.test('rolling update waits while a node is unavailable', async (t) => {
  const pods = oldPods();
  // a: old Pod terminating, new one not yet created -> unavailable.
  pods[0] = { ...pods[0]!, terminating: true };
  t.same(planDaemonSet(fiveNodes, pods, everywhere, { maxUnavailable: 1 }).delete, []);
  // a: new Pod created, not ready yet -> still unavailable.
  pods[0] = daemonPod('new-a', 'a', { ready: false, available: false });
  t.same(planDaemonSet(fiveNodes, pods, everywhere, { maxUnavailable: 1 }).delete, []);
  // a: new Pod available -> next node.
  pods[0] = daemonPod('new-a', 'a');
  t.same(planDaemonSet(fiveNodes, pods, everywhere, { maxUnavailable: 1 }).delete.map((d) => d.pod), ['old-b']);
});

t.test('an old Pod that is not available is replaced at once, beyond maxUnavailable', async (t) => {
  const pods = oldPods();
  pods[3] = { ...pods[3]!, ready: false, available: false };
  pods[4] = { ...pods[4]!, ready: false, available: false };
  t.same(planDaemonSet(fiveNodes, pods, everywhere, { maxUnavailable: 1 }).delete.map((d) => d.pod), ['old-d', 'old-e', 'old-a']);
});

t.test('status counts the oldest Pod of each node and asks to sync again when one turns available', async (t) => {
  const plan = planDaemonSet(
    [node('a'), node('b'), node('c')],
    [daemonPod('ds-a', 'a'), daemonPod('ds-b', 'b', { updated: false, available: false, availableAtMs: 5000 }), daemonPod('ds-c', 'c', { ready: false, available: false })],
    everywhere,
    undefined,
  );
  t.same(plan.counts, {
    desiredNumberScheduled: 3,
    currentNumberScheduled: 3,
    numberMisscheduled: 0,
    numberReady: 2,
    numberAvailable: 1,
    numberUnavailable: 2,
    updatedNumberScheduled: 2,
  });
  t.equal(plan.nextAvailableAtMs, 5000);
});

t.test('scaledValue: integers as they are, percentages of the total rounded up', async (t) => {
  t.equal(scaledValue(3, 10), 3);
  t.equal(scaledValue('25%', 10), 3);
  t.equal(scaledValue('100%', 7), 7);
  t.equal(scaledValue('0%', 7), 0);
});

t.test('reading stored Pods: updated by revision hash or template generation, availability with minReadySeconds', async (t) => {
  const p = pod('ds-1', { nodeName: 'a', phase: 'Running', ready: true, labels: { 'controller-revision-hash': 'h1', 'pod-template-generation': '3' } });
  t.ok(isDaemonPodUpdated(p, 'h1', 9));
  t.ok(isDaemonPodUpdated(p, 'h2', 3));
  t.notOk(isDaemonPodUpdated(p, 'h2', 4));
  const readySince = Date.parse(at(0));
  (p.status as { conditions: Array<Record<string, string>> }).conditions[0]!.lastTransitionTime = at(0);
  const fact = daemonPodOf(p, 'h1', 1, 60, readySince + 10_000);
  t.same(
    { nodeName: fact.nodeName, updated: fact.updated, ready: fact.ready, available: fact.available, availableAtMs: fact.availableAtMs },
    { nodeName: 'a', updated: true, ready: true, available: false, availableAtMs: readySince + 60_000 },
  );
  t.ok(daemonPodOf(p, 'h1', 1, 60, readySince + 60_000).available);
});

// ---- maxSurge ------------------------------------------------------------------------------

const surge = (maxSurge: number | string) => ({ maxUnavailable: 0, maxSurge });

t.test('surge: a new Pod starts next to each old one on at most maxSurge nodes, in name order', async (t) => {
  const one = planDaemonSet(fiveNodes, oldPods(), everywhere, surge(1));
  t.same(one.create, ['a']);
  t.same(one.delete, [], 'no old Pod goes before its successor is available');
  t.same(planDaemonSet(fiveNodes, oldPods(), everywhere, surge(2)).create, ['a', 'b']);
  t.same(planDaemonSet(fiveNodes, oldPods(), everywhere, surge('40%')).create, ['a', 'b'], '40% of 5');
  t.same(planDaemonSet(fiveNodes, oldPods(), everywhere, surge('30%')).create, ['a', 'b'], '30% of 5 rounds up to 2');
  t.same(planDaemonSet(fiveNodes, oldPods(), everywhere, surge('1%')).create, ['a'], '1% of 5 rounds up to 1');
});

t.test('surge: while the new Pod is not available both stay; once it is, the old one goes and the next node surges', async (t) => {
  const pods = oldPods();
  pods.push(daemonPod('new-a', 'a', { ready: false, available: false }));
  const waiting = planDaemonSet(fiveNodes, pods, everywhere, surge(1));
  t.same([waiting.create, waiting.delete], [[], []], 'a not-yet-available new Pod uses up the surge');
  pods[5] = { ...pods[5]!, ready: true, available: false, availableAtMs: 9000 };
  const minReady = planDaemonSet(fiveNodes, pods, everywhere, surge(1));
  t.same([minReady.create, minReady.delete], [[], []], 'ready but not yet available for minReadySeconds');
  t.equal(minReady.nextAvailableAtMs, 9000);
  pods[5] = { ...pods[5]!, available: true };
  const replaced = planDaemonSet(fiveNodes, pods, everywhere, surge(1));
  t.same(replaced.delete, [{ pod: 'old-a', node: 'a', reason: 'replaced' }], 'the manage step retires the old Pod');
  t.same(replaced.create, [], 'the rolling step waits for that deletion to be observed');
  pods[0] = { ...pods[0]!, terminating: true };
  const next = planDaemonSet(fiveNodes, pods, everywhere, surge(1));
  t.same([next.create, next.delete], [['b'], []], 'with a terminating old Pod the node no longer counts against the surge');
});

t.test('surge: an old Pod that is not available gets its successor at once, beyond maxSurge, and goes when that one is ready', async (t) => {
  const pods = oldPods();
  pods[3] = { ...pods[3]!, ready: false, available: false };
  t.same(planDaemonSet(fiveNodes, pods, everywhere, surge(1)).create, ['d', 'a']);
  pods.push(daemonPod('new-d', 'd', { ready: false, available: false }));
  t.same(planDaemonSet(fiveNodes, pods, everywhere, surge(1)).delete, [{ pod: 'old-d', node: 'd', reason: 'replaced' }], 'an old Pod that is not ready goes at once');
});

t.test('surge: a node whose Pods are all terminating gets a new one at once', async (t) => {
  const plan = planDaemonSet([node('a')], [daemonPod('old-a', 'a', { updated: false, terminating: true })], everywhere, surge(1));
  t.same(plan.create, ['a']);
  const noSurge = planDaemonSet([node('a')], [daemonPod('old-a', 'a', { updated: false, terminating: true })], everywhere, { maxUnavailable: 1, maxSurge: 0 });
  t.same(noSurge.create, [], 'without surge it waits for the old one to be gone');
});

t.test('surge: extra Pods on a node are pruned to the oldest new and oldest old, and count against the surge', async (t) => {
  const pods = [daemonPod('old-a1', 'a', { updated: false }), daemonPod('old-a2', 'a', { updated: false }), daemonPod('new-a1', 'a', { available: false, ready: false }), daemonPod('new-a2', 'a')];
  const plan = planDaemonSet([node('a'), node('b')], [...pods, daemonPod('old-b', 'b', { updated: false })], everywhere, surge(1));
  t.same(
    plan.delete.map((d) => [d.pod, d.reason]),
    [['old-a2', 'duplicate'], ['new-a2', 'duplicate']],
  );
  t.same(plan.create, []);
});

t.test('surge: an old Pod left on a node the DaemonSet no longer fits goes only while more nodes are available than desired', async (t) => {
  const noSchedule = [{ key: 'k', value: 'v', effect: 'NoSchedule' as const }];
  const nodes = [node('a'), node('b', {}, noSchedule)];
  // a: new and available; b: old, kept only because NoSchedule lets a running Pod stay.
  const fewer = planDaemonSet(nodes, [daemonPod('new-a', 'a'), daemonPod('old-b', 'b', { updated: false })], everywhere, surge(1));
  t.same(fewer.delete.map((d) => d.pod), ['old-b'], '2 available > 1 desired: one may go');
  const unavailableNew = planDaemonSet(nodes, [daemonPod('new-a', 'a', { ready: false, available: false }), daemonPod('old-b', 'b', { updated: false })], everywhere, surge(1));
  t.same(unavailableNew.delete, [], 'while the desired node is not available the old Pod keeps serving');
  const notAvailable = planDaemonSet(nodes, [daemonPod('new-a', 'a', { ready: false, available: false }), daemonPod('old-b', 'b', { updated: false, ready: false, available: false })], everywhere, surge(1));
  t.same(notAvailable.delete.map((d) => [d.pod, d.reason]), [['old-b', 'outdated']], 'an unavailable old Pod there goes at once');
});

t.test('updatedDesiredNodeCounts: both limits round up; both zero means one unavailable', async (t) => {
  t.same(updatedDesiredNodeCounts({ maxUnavailable: 0, maxSurge: '10%' }, 15), { maxSurge: 2, maxUnavailable: 0 });
  t.same(updatedDesiredNodeCounts({ maxUnavailable: '10%', maxSurge: 0 }, 15), { maxSurge: 0, maxUnavailable: 2 });
  t.same(updatedDesiredNodeCounts({ maxUnavailable: 0, maxSurge: 0 }, 3), { maxSurge: 0, maxUnavailable: 1 });
  t.same(updatedDesiredNodeCounts({ maxUnavailable: 0, maxSurge: '0%' }, 0), { maxSurge: 0, maxUnavailable: 0 });
  t.same(updatedDesiredNodeCounts({ maxUnavailable: 1 }, 3), { maxSurge: 0, maxUnavailable: 1 }, 'an absent maxSurge is 0');
});
