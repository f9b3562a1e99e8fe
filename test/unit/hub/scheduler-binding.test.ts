/**
 * The scheduler binds Pods in flight together (batched commits, hub/store/batched-writes.ts):
 * capacity holds across decisions not yet committed, a bind that lost a race is decided again,
 * and the room a failed bind held goes to the Pods it turned away.
 */
import t, { type Test } from 'tap';
import { SchedulerController } from '../../../hub/scheduler/scheduler-controller.js';
import type { BatchWrite } from '../../../hub/store/store.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { PodStatus } from '../../../shared/api/status-types.js';
import { controllerHarness, silentHubLogger } from './controller-harness.js';
import { schedNode, schedPod } from './scheduler-fixtures.js';

const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;

function scheduler(t: Test) {
  const harness = controllerHarness(t, (store, recorder) => ({ controllers: [new SchedulerController(store, silentHubLogger, recorder)] }));
  const batches: string[][] = [];
  const writeBatch = harness.store.writeBatch.bind(harness.store);
  /** Runs before the next batch commits (once), to change the store under the scheduler's feet. */
  let beforeNextBatch: ((writes: readonly BatchWrite[]) => Promise<void>) | undefined;
  harness.store.writeBatch = async (writes) => {
    batches.push(writes.map((w) => w.object.metadata.name!));
    const hook = beforeNextBatch;
    beforeNextBatch = undefined;
    await hook?.(writes);
    return writeBatch(writes);
  };
  const nodeOf = async (name: string) => ((await harness.store.get(pods, 'default', name))?.spec as { nodeName?: string } | undefined)?.nodeName;
  const scheduled = async (name: string) => ((await harness.store.get(pods, 'default', name))?.status as PodStatus).conditions?.find((c) => c.type === 'PodScheduled');
  return { ...harness, batches, nodeOf, scheduled, before: (hook: (writes: readonly BatchWrite[]) => Promise<void>) => (beforeNextBatch = hook) };
}

const names = (count: number, prefix = 'web') => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

t.test('Pods pending together are bound in shared commits, never past a node capacity', async (t) => {
  const { store, settle, batches, nodeOf, scheduled } = scheduler(t);
  for (const name of ['a', 'b', 'c']) await store.create(nodes, schedNode(name, { maxPods: 3 }));
  await store.writeBatch(names(10).map((name) => ({ type: 'create' as const, resource: pods, object: schedPod(name, { owner: 'web' }) })));
  batches.length = 0;
  await settle();
  const placement = await Promise.all(names(10).map(nodeOf));
  t.same(
    ['a', 'b', 'c'].map((n) => placement.filter((p) => p === n).length),
    [3, 3, 3],
    'three on each node: decisions in flight counted the Pods not yet committed',
  );
  t.equal(placement.filter((p) => p === undefined).length, 1, 'the tenth found no room');
  t.match(await scheduled('web-9'), { status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Too many pods.' });
  t.ok(batches.length < 9, `9 binds in ${batches.length} commits`);
});

t.test('a Pod changed between its decision and its bind is decided again on its new version', async (t) => {
  const { store, settle, before, nodeOf } = scheduler(t);
  await store.create(nodes, schedNode('a'));
  before(async () => {
    const current = (await store.get(pods, 'default', 'web-0'))!;
    await store.update(pods, { ...current, metadata: { ...current.metadata, labels: { edited: 'meanwhile' } } });
  });
  await store.create(pods, schedPod('web-0'));
  await settle();
  const stored = (await store.get(pods, 'default', 'web-0'))!;
  t.equal(await nodeOf('web-0'), 'a');
  t.same(stored.metadata.labels, { edited: 'meanwhile' }, 'the edit made meanwhile is kept');
});

t.test('the room held by a bind that failed goes to the Pod it turned away', async (t) => {
  const { store, settle, before, nodeOf } = scheduler(t);
  await store.create(nodes, schedNode('a', { maxPods: 1 }));
  // first and second are decided together: first takes the one slot, second finds none. Then first
  // is deleted before its bind commits, so its slot was never really taken.
  await store.writeBatch(['first', 'second'].map((name) => ({ type: 'create' as const, resource: pods, object: schedPod(name) })));
  before(async (writes: readonly BatchWrite[]) => {
    await store.delete(pods, 'default', writes[0]!.object.metadata.name!);
  });
  await settle();
  const left = (await store.list(pods)) as KubeObject[];
  t.equal(left.length, 1, 'one Pod was deleted');
  t.equal(await nodeOf(left[0]!.metadata.name!), 'a', 'the other got the slot');
});
