/**
 * The per-workload disconnect policy (issue #7): `skiff.io/node-lost: keep` makes admission add
 * not-ready/unreachable NoExecute tolerations without a time limit, so taint eviction never moves
 * the Pod; `replace` (the default) is Kubernetes' 300 s. Then what the hub does when a lost node
 * returns, on a real store with the Deployment, ReplicaSet, scheduler, node lifecycle and taint
 * eviction controllers: no Pod is re-created, a kept Pod is untouched, and an evicted Pod is left
 * out of the node's desired state (so its agent stops it) until ingest finalizes its deletion.
 */
import t, { type Test } from 'tap';
import { applyDefaults } from '../../../hub/api/defaults.js';
import { DeploymentController } from '../../../hub/controllers/deployment-controller.js';
import { NodeLifecycle } from '../../../hub/controllers/node-lifecycle.js';
import { ReplicaSetController } from '../../../hub/controllers/replicaset-controller.js';
import { TaintEviction } from '../../../hub/controllers/taint-eviction.js';
import { evictionAtMs } from '../../../hub/controllers/taint-eviction-plan.js';
import { daemonPodTolerations } from '../../../hub/controllers/daemonset-tolerations.js';
import { desiredPodsFor } from '../../../hub/dispatch/desired-state.js';
import { markNodeUnknown } from '../../../hub/ingest/node-conditions.js';
import { mutate } from '../../../hub/objects/mutate.js';
import { SchedulerController } from '../../../hub/scheduler/scheduler-controller.js';
import { notReadyPodStatus } from '../../../hub/controllers/node-pods-not-ready.js';
import { NODE_LOST_ANNOTATION, nodeLostPolicyErrors, nodeLostPolicyOf } from '../../../shared/api/annotations.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Event } from '../../../shared/api/schema/event.js';
import type { NodeStatus, PodStatus } from '../../../shared/api/status-types.js';
import { controllerHarness, silentHubLogger } from './controller-harness.js';
import { node } from './fixtures.js';

const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;
const deployments = resolveResource('deployments')!;
const events = resolveResource('events')!;

type Toleration = { key?: string; operator?: string; effect?: string; tolerationSeconds?: number };
const tolerationsOf = (object: KubeObject): Toleration[] => (object.spec as { tolerations?: Toleration[] }).tolerations ?? [];
const summary = (tolerations: Toleration[]) => tolerations.map((x) => `${x.key}:${x.effect}${x.tolerationSeconds !== undefined ? `:${x.tolerationSeconds}` : ''}`);

function podWith(annotations?: Record<string, string>, tolerations?: Toleration[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'c', image: 'web:1' }], ...(tolerations ? { tolerations } : {}) },
  };
}

t.test('admission: keep tolerates a lost node forever, replace (the default) for 300 s', async (t) => {
  t.same(summary(tolerationsOf(applyDefaults(podWith()))), ['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300'], 'no annotation: Kubernetes');
  t.same(summary(tolerationsOf(applyDefaults(podWith({ [NODE_LOST_ANNOTATION]: 'replace' })))), ['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300']);
  const kept = tolerationsOf(applyDefaults(podWith({ [NODE_LOST_ANNOTATION]: 'keep' })));
  t.same(kept, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  ], 'keep: the same tolerations without tolerationSeconds (as a DaemonSet Pod has)');
  const own = tolerationsOf(applyDefaults(podWith({ [NODE_LOST_ANNOTATION]: 'keep' }, [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }])));
  t.same(summary(own), ['node.kubernetes.io/unreachable:NoExecute:60', 'node.kubernetes.io/not-ready:NoExecute'], 'a toleration the Pod writes itself wins; the annotation fills in the other');
  const twice = applyDefaults(applyDefaults(podWith({ [NODE_LOST_ANNOTATION]: 'keep' })));
  t.equal(tolerationsOf(twice).length, 2, 'idempotent');
  const daemon = applyDefaults({ ...podWith({ [NODE_LOST_ANNOTATION]: 'keep' }), spec: { containers: [{ name: 'c', image: 'web:1' }], tolerations: daemonPodTolerations(undefined, false) } });
  t.same(tolerationsOf(daemon), daemonPodTolerations(undefined, false), 'a DaemonSet Pod already tolerates a lost node forever: nothing added');
});

t.test('nodeLostPolicyOf reads the annotation, replace when absent', async (t) => {
  t.equal(nodeLostPolicyOf(undefined), 'replace');
  t.equal(nodeLostPolicyOf({}), 'replace');
  t.equal(nodeLostPolicyOf({ [NODE_LOST_ANNOTATION]: 'keep' }), 'keep');
  t.equal(nodeLostPolicyOf({ [NODE_LOST_ANNOTATION]: 'replace' }), 'replace');
});

t.test('taint eviction: a kept Pod is never due, a replaced one 300 s after the taint', async (t) => {
  const taintedAt = '2030-01-01T00:00:00Z';
  const taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const, timeAdded: taintedAt }];
  const inAnHour = Date.parse(taintedAt) + 3_600_000;
  t.equal(evictionAtMs(tolerationsOf(applyDefaults(podWith({ [NODE_LOST_ANNOTATION]: 'keep' }))) as never, taints, inAnHour), undefined, 'keep: never');
  t.equal(evictionAtMs(tolerationsOf(applyDefaults(podWith())) as never, taints, inAnHour), Date.parse(taintedAt) + 300_000, 'replace: timeAdded + 300 s');
  const notReady = [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' as const, timeAdded: taintedAt }];
  t.equal(evictionAtMs(tolerationsOf(applyDefaults(podWith({ [NODE_LOST_ANNOTATION]: 'keep' }))) as never, notReady, inAnHour), undefined, 'a node that reports NotReady: kept too');
});

t.test('validation names the field and the values it takes', async (t) => {
  const workload = (kind: string, templateAnnotations?: Record<string, unknown>, ownAnnotations?: Record<string, unknown>) => ({
    kind,
    metadata: { name: 'w', ...(ownAnnotations ? { annotations: ownAnnotations } : {}) },
    spec: { template: { metadata: { ...(templateAnnotations ? { annotations: templateAnnotations } : {}) }, spec: {} } },
  });
  t.same(nodeLostPolicyErrors(podWith({ [NODE_LOST_ANNOTATION]: 'keep' })), []);
  t.same(nodeLostPolicyErrors(podWith({ other: 'x' })), []);
  t.same(nodeLostPolicyErrors(podWith({ [NODE_LOST_ANNOTATION]: 'Keep' })), [
    { path: 'metadata.annotations[skiff.io/node-lost]', message: 'Unsupported value: "Keep": supported values: "replace", "keep"' },
  ]);
  t.same(nodeLostPolicyErrors(workload('Deployment', { [NODE_LOST_ANNOTATION]: 'stay' })), [
    { path: 'spec.template.metadata.annotations[skiff.io/node-lost]', message: 'Unsupported value: "stay": supported values: "replace", "keep"' },
  ]);
  t.same(nodeLostPolicyErrors(workload('ReplicaSet', { [NODE_LOST_ANNOTATION]: true })), [
    { path: 'spec.template.metadata.annotations[skiff.io/node-lost]', message: 'Unsupported value: true: supported values: "replace", "keep"' },
  ], 'not a string');
  t.same(nodeLostPolicyErrors(workload('Deployment', { [NODE_LOST_ANNOTATION]: 'keep' })), []);
  t.same(nodeLostPolicyErrors(workload('DaemonSet', { [NODE_LOST_ANNOTATION]: 'keep' })), []);
  t.match(nodeLostPolicyErrors(workload('DaemonSet', { [NODE_LOST_ANNOTATION]: 'replace' })), [
    { path: 'spec.template.metadata.annotations[skiff.io/node-lost]', message: /^Invalid value: "replace": DaemonSet Pods are never replaced/ },
  ]);
  t.match(nodeLostPolicyErrors(workload('Deployment', undefined, { [NODE_LOST_ANNOTATION]: 'keep' })), [
    { path: 'metadata.annotations[skiff.io/node-lost]', message: /set it on spec\.template\.metadata\.annotations/ },
  ], 'on the Deployment itself it would reach no Pod');
  t.same(nodeLostPolicyErrors({ kind: 'ConfigMap', metadata: { annotations: { [NODE_LOST_ANNOTATION]: 'x' } } }), [], 'other kinds: not ours to judge');
});

const RUNNING_READY: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2030-01-01T00:00:00Z' }] };

t.test('notReadyPodStatus turns Ready False and nothing else, and only when there is something to change', async (t) => {
  const now = '2030-01-01T00:01:00Z';
  const status: PodStatus = { phase: 'Running', podIP: '10.0.0.2', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True', lastTransitionTime: '2030-01-01T00:00:00Z' }] };
  t.same(notReadyPodStatus(status, now), { ...status, conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False', lastTransitionTime: now }] });
  t.equal(notReadyPodStatus(notReadyPodStatus(status, now), now), undefined, 'already False: no write');
  t.equal(notReadyPodStatus({ phase: 'Pending' }, now), undefined, 'no Ready condition: as Kubernetes, nothing to update');
  t.equal(notReadyPodStatus(undefined, now), undefined);
  t.same(notReadyPodStatus({ conditions: [{ type: 'Ready', status: 'Unknown' }] }, now)?.conditions, [{ type: 'Ready', status: 'False', lastTransitionTime: now }]);
});

function deploymentObject(name: string, policy?: 'keep' | 'replace'): KubeObject {
  return applyDefaults({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(policy ? { annotations: { [NODE_LOST_ANNOTATION]: policy } } : {}) },
        spec: { containers: [{ name: 'web', image: 'web:1' }] },
      },
    },
  });
}

/** The hub's controllers, with taint eviction's clock `aheadMs` in the future (a long outage). */
function hub(t: Test, aheadMs: number) {
  return controllerHarness(t, (store, recorder) => ({
    controllers: [
      new DeploymentController(store, silentHubLogger, recorder),
      new ReplicaSetController(store, silentHubLogger, recorder),
      new SchedulerController(store, silentHubLogger, recorder),
      new TaintEviction(store, silentHubLogger, recorder, () => Date.now() + aheadMs),
    ],
    listeners: [new NodeLifecycle(store, silentHubLogger, 40_000, recorder)],
  }));
}

const byApp = async (store: { list(r: typeof pods): Promise<KubeObject[]> }, app: string) => (await store.list(pods)).filter((p) => p.metadata.labels?.app === app);
const nodeOf = (pod: KubeObject) => (pod.spec as { nodeName?: string }).nodeName;

t.test('a node lost past its Pods’ tolerations, then back: kept Pods untouched, replaced Pods not re-created', async (t) => {
  const { store, settle } = hub(t, 301_000);
  await store.create(nodes, node('lost'));
  await store.create(deployments, deploymentObject('kept', 'keep'));
  await store.create(deployments, deploymentObject('moved'));
  await settle();
  const [kept] = await byApp(store, 'kept');
  const [moved] = await byApp(store, 'moved');
  t.equal(nodeOf(kept!), 'lost');
  t.equal(nodeOf(moved!), 'lost');
  for (const p of [kept!, moved!]) await mutate(store, pods, 'default', p.metadata.name!, (c) => ({ ...c, status: { ...(c.status as PodStatus), ...RUNNING_READY } }));
  await store.create(nodes, node('stay'));

  // The node is lost (its agent's last will), and the outage outlasts the 300 s default.
  await markNodeUnknown(store, 'lost', 'Kubelet stopped posting node status.');
  await settle();
  const taints = ((await store.get(nodes, undefined, 'lost'))!.spec as { taints?: Array<{ key: string; effect: string }> }).taints ?? [];
  t.same(taints.map((x) => `${x.key}:${x.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  const keptDuring = await byApp(store, 'kept');
  t.same(keptDuring.map((p) => [p.metadata.uid, nodeOf(p), p.metadata.deletionTimestamp]), [[kept!.metadata.uid, 'lost', undefined]], 'keep: the same Pod, still bound to the lost node, not terminating');
  t.match(keptDuring[0]!.status, { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }, 'MarkPodsNotReady: nobody vouches for it while its node is lost');
  const warnings = ((await store.list(events)) as unknown as Event[]).filter((e) => e.reason === 'NodeNotReady' && e.involvedObject.kind === 'Pod');
  t.same(warnings.map((e) => [e.involvedObject.name, e.type, e.message]).sort(), [[kept!.metadata.name, 'Warning', 'Node is not ready'], [moved!.metadata.name, 'Warning', 'Node is not ready']].sort());
  const movedDuring = await byApp(store, 'moved');
  const evicted = movedDuring.find((p) => p.metadata.uid === moved!.metadata.uid);
  const replacement = movedDuring.find((p) => p.metadata.uid !== moved!.metadata.uid);
  t.ok(evicted?.metadata.deletionTimestamp, 'replace: the Pod is evicted (Terminating until its node confirms)');
  t.equal(replacement && nodeOf(replacement), 'stay', 'and replaced on the other node');
  t.equal(movedDuring.length, 2);
  t.same(
    desiredPodsFor('lost', await store.list(pods)).map((p) => p.metadata.uid),
    [kept!.metadata.uid],
    'the lost node’s desired state (what it reads when it returns) lists the kept Pod and not the evicted one',
  );

  // The node returns: Ready again, its taints come off.
  await mutate(store, nodes, undefined, 'lost', (n) => ({ ...n, status: { ...(n.status as NodeStatus), conditions: [{ type: 'Ready', status: 'True' }] } }));
  await settle();
  t.same(((await store.get(nodes, undefined, 'lost'))!.spec as { taints?: unknown[] }).taints ?? [], [], 'Ready: untainted');
  t.same((await byApp(store, 'moved')).map((p) => p.metadata.uid).sort(), [moved!.metadata.uid, replacement!.metadata.uid].sort(), 'nothing re-created while the evicted Pod is still Terminating');

  // The agent acted on that desired state and no longer reports the evicted Pod: ingest removes it.
  await store.delete(pods, 'default', evicted!.metadata.name!);
  await settle();
  const movedAfter = await byApp(store, 'moved');
  t.same(movedAfter.map((p) => [p.metadata.uid, nodeOf(p)]), [[replacement!.metadata.uid, 'stay']], 'exactly one Pod, the replacement: no duplicate comes back to the returning node');
  const keptAfter = await byApp(store, 'kept');
  t.same(keptAfter.map((p) => [p.metadata.uid, nodeOf(p), p.metadata.deletionTimestamp]), [[kept!.metadata.uid, 'lost', undefined]], 'the kept Pod was never deleted nor re-created');
});
