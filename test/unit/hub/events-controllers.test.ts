/**
 * The Events hub controllers record, on a real store: the scheduler's Scheduled and
 * FailedScheduling, the ReplicaSet controller's SuccessfulCreate and SuccessfulDelete, the
 * Deployment controller's ScalingReplicaSet, and the node lifecycle's node transitions.
 */
import t, { type Test } from 'tap';
import { controllerHarness } from './controller-harness.js';
import { applyDefaults } from '../../../hub/api/defaults.js';
import { DeploymentController } from '../../../hub/controllers/deployment-controller.js';
import { NodeLifecycle } from '../../../hub/controllers/node-lifecycle.js';
import { ReplicaSetController } from '../../../hub/controllers/replicaset-controller.js';
import { markNodeUnknown } from '../../../hub/ingest/node-conditions.js';
import { mutate } from '../../../hub/objects/mutate.js';
import { SchedulerController } from '../../../hub/scheduler/scheduler-controller.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { createLogger } from '../../../shared/log.js';
import { node } from './fixtures.js';

const events = resolveResource('events')!;
const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;
const deployments = resolveResource('deployments')!;
const logger = createLogger('hub', 'silent');

function hub(t: Test) {
  const { store, settle, controllers } = controllerHarness(t, (store, recorder) => ({
    controllers: [new DeploymentController(store, logger, recorder), new ReplicaSetController(store, logger, recorder), new SchedulerController(store, logger, recorder)],
    listeners: [new NodeLifecycle(store, logger, 40_000, recorder)],
  }));
  const list = async () => (await store.list(events)) as unknown as Event[];
  return { store, settle, list, controllers };
}

const summary = (list: Event[]) => list.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name} ${e.type} ${e.reason}: ${e.message} (${e.source?.component})`).sort();

t.test('a Deployment scaled up and down records what kubectl shows', async (t) => {
  const { store, settle, list } = hub(t);
  await store.create(nodes, node('pi-1'));
  await store.create(
    deployments,
    applyDefaults({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
    }),
  );
  await settle();
  const created = await store.list(pods);
  t.equal(created.length, 2);
  const rs = created[0]!.metadata.ownerReferences![0]!.name;
  const [a, b] = created.map((p) => p.metadata.name!).sort();
  t.same(
    summary(await list()).filter((line) => !line.startsWith('Node/')),
    [
      `Deployment/web Normal ScalingReplicaSet: Scaled up replica set ${rs} from 0 to 2 (deployment-controller)`,
      `Pod/${a} Normal Scheduled: Successfully assigned default/${a} to pi-1 (default-scheduler)`,
      `Pod/${b} Normal Scheduled: Successfully assigned default/${b} to pi-1 (default-scheduler)`,
      `ReplicaSet/${rs} Normal SuccessfulCreate: Created pod: ${a} (replicaset-controller)`,
      `ReplicaSet/${rs} Normal SuccessfulCreate: Created pod: ${b} (replicaset-controller)`,
    ].sort(),
  );
  const scaling = (await list()).find((e) => e.reason === 'ScalingReplicaSet')!;
  t.match(scaling.involvedObject, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' });

  await mutate(store, deployments, 'default', 'web', (d: KubeObject) => ({ ...d, spec: { ...(d.spec as object), replicas: 1 } }));
  await settle();
  const after = summary(await list());
  t.ok(after.includes(`Deployment/web Normal ScalingReplicaSet: Scaled down replica set ${rs} from 2 to 1 (deployment-controller)`), 'scaled down');
  t.equal(after.filter((line) => line.startsWith(`ReplicaSet/${rs} Normal SuccessfulDelete: Deleted pod: `)).length, 1, 'one pod deleted');
});

t.test('a Pod that fits no node gets FailedScheduling, repeats fold, and Scheduled once a node is Ready', async (t) => {
  const { store, settle, list, controllers } = hub(t);
  await store.create(pods, applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lonely', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Pending' } }));
  await settle();
  const failedScheduling = async () => (await list()).filter((e) => e.reason === 'FailedScheduling');
  const [first] = await failedScheduling();
  t.match(first, { type: 'Warning', message: 'no nodes available to schedule pods', source: { component: 'default-scheduler' }, involvedObject: { kind: 'Pod', name: 'lonely' } });
  await controllers[2]!.resync(); // one more attempt with nothing changed
  await settle();
  const again = await failedScheduling();
  t.equal(again.length, 1, 'the repeat folds into the same Event');
  t.equal(again[0]!.count, first!.count! + 1);

  await store.create(nodes, node('pi-1', { ready: 'False' }));
  await settle();
  t.ok((await list()).some((e) => e.reason === 'FailedScheduling' && e.message === '0/1 nodes are available: 1 node(s) were not ready.'), 'the message follows what the scheduler knows');

  await mutate(store, nodes, undefined, 'pi-1', (n) => ({ ...n, status: { conditions: [{ type: 'Ready', status: 'True' }] } }));
  await settle();
  t.ok((await list()).some((e) => e.reason === 'Scheduled' && e.message === 'Successfully assigned default/lonely to pi-1'));
});

t.test('node transitions: RegisteredNode, NodeReady, and NodeNotReady when it turns Unknown', async (t) => {
  const { store, settle, list } = hub(t);
  await store.create(nodes, node('pi-1'));
  await settle();
  await markNodeUnknown(store, 'pi-1', 'Kubelet stopped posting node status.');
  await settle();
  await markNodeUnknown(store, 'pi-1', 'Kubelet stopped posting node status.'); // no transition: nothing new
  await mutate(store, nodes, undefined, 'pi-1', (n) => ({ ...n, metadata: { ...n.metadata, labels: { tier: 'edge' } } })); // neither
  await settle();
  t.same(summary(await list()), [
    'Node/pi-1 Normal NodeNotReady: Node pi-1 status is now: NodeNotReady (node-controller)',
    'Node/pi-1 Normal NodeReady: Node pi-1 status is now: NodeReady (kubelet)',
    'Node/pi-1 Normal RegisteredNode: Registered Node pi-1 in Controller (node-controller)',
  ]);
  const ready = (await list()).find((e) => e.reason === 'NodeReady')!;
  t.match(ready, { metadata: { namespace: 'default' }, source: { component: 'kubelet', host: 'pi-1' }, involvedObject: { kind: 'Node', name: 'pi-1', uid: 'uid-pi-1' } });
});

t.test("pressure transitions give kubelet's node events and NoSchedule taints; a lost node's conditions all turn Unknown", async (t) => {
  const { store, settle, list } = hub(t);
  const withConditions = (conditions: Record<string, string>) => (n: KubeObject) => ({
    ...n,
    status: { ...(n.status as object), conditions: Object.entries(conditions).map(([type, status]) => ({ type, status, lastHeartbeatTime: '2030-01-01T00:00:00Z' })) },
  });
  await store.create(nodes, node('pi-1'));
  await mutate(store, nodes, undefined, 'pi-1', withConditions({ MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False', Ready: 'True' }));
  await settle();
  t.same(summary(await list()).filter((line) => line.includes('Pressure') || line.includes('Sufficient')), [], 'a first False report is no event');

  await mutate(store, nodes, undefined, 'pi-1', withConditions({ MemoryPressure: 'True', DiskPressure: 'True', PIDPressure: 'False', Ready: 'True' }));
  await settle();
  const taints = async () => ((await store.get(nodes, undefined, 'pi-1'))!.spec as { taints?: Array<{ key: string; effect: string }> }).taints?.map((x) => `${x.key}:${x.effect}`);
  t.same(await taints(), ['node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/disk-pressure:NoSchedule']);

  await mutate(store, nodes, undefined, 'pi-1', withConditions({ MemoryPressure: 'False', DiskPressure: 'True', PIDPressure: 'True', Ready: 'True' }));
  await settle();
  t.same(await taints(), ['node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule']);

  await markNodeUnknown(store, 'pi-1', 'Kubelet stopped posting node status.');
  await settle();
  const lost = (await store.get(nodes, undefined, 'pi-1'))!.status as { conditions: Array<{ type: string; status: string; reason: string; message: string }> };
  t.same(lost.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`), ['MemoryPressure=Unknown/NodeStatusUnknown', 'DiskPressure=Unknown/NodeStatusUnknown', 'PIDPressure=Unknown/NodeStatusUnknown', 'Ready=Unknown/NodeStatusUnknown']);
  t.same(await taints(), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'], 'pressure taints off, unreachable on');

  await mutate(store, nodes, undefined, 'pi-1', (n) => ({ ...withConditions({ Ready: 'True' })(n), spec: { ...(n.spec as object), unschedulable: true } }));
  await settle();
  t.same(await taints(), ['node.kubernetes.io/unschedulable:NoSchedule'], 'cordoned: the unschedulable taint');

  const pressure = summary(await list()).filter((line) => /Node(Has|HasNo)/.test(line));
  t.same(pressure, [
    'Node/pi-1 Normal NodeHasDiskPressure: Node pi-1 status is now: NodeHasDiskPressure (kubelet)',
    'Node/pi-1 Normal NodeHasInsufficientMemory: Node pi-1 status is now: NodeHasInsufficientMemory (kubelet)',
    'Node/pi-1 Normal NodeHasInsufficientPID: Node pi-1 status is now: NodeHasInsufficientPID (kubelet)',
    'Node/pi-1 Normal NodeHasSufficientMemory: Node pi-1 status is now: NodeHasSufficientMemory (kubelet)',
  ]);
});
