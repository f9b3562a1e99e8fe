import t from 'tap';
import type { DesiredPod, DesiredState, NodeEvent, StatusReport } from '../../../shared/mqtt/messages.js';
import { EvictionManager, type EvictionManagerDeps } from '../../../agent/eviction/eviction-manager.js';
import { withoutEvicted, type EvictedPod, type EvictionStore } from '../../../agent/eviction/evicted-pods.js';
import type { NodeObservations } from '../../../agent/report/node-pressure.js';
import { identityOf } from '../../../agent/runtime/labels.js';
import type { ObservedContainer } from '../../../agent/runtime/observe.js';
import { observed, pod, silentLog, T0 } from './fixtures/builders.js';

const MiB = 2 ** 20;

class MemoryEvictionStore implements EvictionStore {
  readonly pods = new Map<string, EvictedPod>();
  evictedPods(): ReadonlyMap<string, EvictedPod> {
    return this.pods;
  }
  putEvictedPod(p: EvictedPod): void {
    this.pods.set(p.uid, p);
  }
  forgetEvictedPods(keep: ReadonlySet<string>): number {
    const gone = [...this.pods.keys()].filter((uid) => !keep.has(uid));
    for (const uid of gone) this.pods.delete(uid);
    return gone.length;
  }
}

const bestEffort = pod('besteffort', {}, [{ name: 'web' }]);
const burstable = pod('burstable', {}, [{ name: 'web', resources: { requests: { memory: '32Mi', cpu: '10m' } } }]);
const guaranteed = pod('guaranteed', {}, [{ name: 'web', resources: { requests: { memory: '64Mi', cpu: '100m' }, limits: { memory: '64Mi', cpu: '100m' } } }]);

/**
 * A node with these Pods running, each container using `usage` bytes (by pod name), each emptyDir
 * holding `emptyDirBytes` (by "pod/volume"; absent: not made yet), and a fake Docker.
 */
function node(pods: DesiredPod[], usage: Record<string, number | undefined>, overrides: Partial<EvictionManagerDeps> = {}, emptyDirBytes: Record<string, number> = {}) {
  const store = new MemoryEvictionStore();
  const events: NodeEvent[] = [];
  const stopped: Array<[string, number]> = [];
  let containers: ObservedContainer[] = pods.map((p) => ({ ...observed(p), pid: 100 }));
  let desired: DesiredState = { schema: 1, node: 'node-a', generation: 7, pods };
  let evictedCalls = 0;
  let observeCalls = 0;
  const measured: Array<[string, string, number]> = [];
  const manager = new EvictionManager({
    thresholds: { 'memory.available': { quantity: 100 * MiB } },
    desired: () => desired,
    observe: async () => {
      observeCalls++;
      return containers;
    },
    workingSetBytes: async (c) => usage[identityOf(c.labels)!.podName],
    emptyDirUsage: async (uid, volume, stopAboveBytes) => {
      const podName = pods.find((p) => p.metadata.uid === uid)!.metadata.name;
      measured.push([podName, volume.name, stopAboveBytes]);
      const bytes = emptyDirBytes[`${podName}/${volume.name}`];
      return bytes === undefined ? undefined : { bytes, entries: 1, truncated: false };
    },
    stopContainer: async (id, grace) => {
      stopped.push([id, grace]);
      containers = containers.map((c) => (c.id === id ? { ...c, state: 'exited', exitCode: 137, finishedAt: new Date(T0).toISOString() } : c));
    },
    inspectContainer: async (id) => containers.find((c) => c.id === id),
    history: () => new Map([[`${bestEffort.metadata.uid}/web`, { attempts: 3, backoffStreak: 0 }]]),
    store,
    emit: (event) => events.push(event),
    onEvicted: () => evictedCalls++,
    now: () => T0,
    log: silentLog,
    ...overrides,
  });
  return {
    manager,
    store,
    events,
    stopped,
    containers: () => containers,
    setDesired: (state: DesiredState) => (desired = state),
    evictedCalls: () => evictedCalls,
    observeCalls: () => observeCalls,
    measured,
  };
}

const pressed: NodeObservations = { memoryCapacityBytes: 1024 * MiB, memoryAvailableBytes: 50 * MiB };

t.test('under memory pressure the BestEffort Pod is evicted first, then one Pod per sample', async (t) => {
  const n = node([guaranteed, burstable, bestEffort], { besteffort: 2 * MiB, burstable: 8 * MiB, guaranteed: 9 * MiB });
  n.manager.onSample(pressed, ['memory.available']);
  n.manager.onSample(pressed, ['memory.available']); // while one eviction runs, the next sample waits
  await n.manager.settled();
  t.same([...n.store.pods.keys()], [bestEffort.metadata.uid], 'one Pod per interval');
  const record = n.store.pods.get(bestEffort.metadata.uid)!;
  t.equal(
    record.message,
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container web was using 2Mi, request is 0, has larger consumption of memory. ',
  );
  t.match(record, { namespace: 'default', name: 'besteffort', evictedAt: new Date(T0).toISOString() });
  t.match(record.containers, [{ name: 'web', terminated: { exitCode: 137, reason: 'Error' }, restartCount: 2, imageID: 'sha256:feedbeef' }]);
  t.same(n.stopped.map(([, grace]) => grace), [0], 'a hard eviction: grace 0');
  t.same(
    n.events.map((e) => [e.involvedObject.name, e.type, e.reason, e.message, e.involvedObject.fieldPath]),
    [['besteffort', 'Warning', 'Evicted', record.message, undefined]],
  );
  t.equal(n.evictedCalls(), 1, 'the loop is woken');

  await n.manager.evictOne(pressed);
  await n.manager.evictOne(pressed);
  t.same(
    [...n.store.pods.values()].map((p) => p.name),
    ['besteffort', 'burstable', 'guaranteed'],
    'then by usage above request: -24Mi before -55Mi',
  );
  t.equal(n.store.pods.get(burstable.metadata.uid)!.message, 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ', 'no container above its request');
  t.equal(await n.manager.evictOne(pressed), undefined, 'nothing left to evict');
});

t.test('nothing is evicted when memory.available is not breached', async (t) => {
  const n = node([bestEffort], { besteffort: 2 * MiB });
  n.manager.onSample(pressed, []);
  n.manager.onSample(pressed, ['nodefs.available']);
  await n.manager.settled();
  t.same(n.store.pods.size, 0);
  t.same(n.stopped, []);
});

t.test('only Pods with a running container and not terminating are candidates', async (t) => {
  const n = node([bestEffort, burstable], { besteffort: 50 * MiB, burstable: 50 * MiB });
  n.setDesired({ schema: 1, node: 'node-a', generation: 8, pods: [bestEffort, burstable], terminating: [{ uid: bestEffort.metadata.uid, gracePeriodSeconds: 30 }] });
  t.equal((await n.manager.evictOne(pressed))?.name, 'burstable', 'a terminating Pod is on its way out already');
  t.equal(await n.manager.evictOne(pressed), undefined);
});

t.test('the loop sees evicted Pods as terminating with no grace; the hub sees them Failed until it deletes them', async (t) => {
  const n = node([bestEffort, burstable], { besteffort: 2 * MiB, burstable: MiB });
  await n.manager.evictOne(pressed);
  const desired: DesiredState = { schema: 1, node: 'node-a', generation: 7, pods: [bestEffort, burstable] };
  t.same(n.manager.desiredForLoop(desired), { ...desired, pods: [burstable], terminating: [{ uid: bestEffort.metadata.uid, gracePeriodSeconds: 0 }] });

  const reported = n.manager.reportedPods('10.0.0.5', 7);
  t.equal(reported.length, 1);
  t.match(reported[0], {
    namespace: 'default',
    name: 'besteffort',
    uid: bestEffort.metadata.uid,
    status: {
      phase: 'Failed',
      reason: 'Evicted',
      message: n.store.pods.get(bestEffort.metadata.uid)!.message,
      hostIP: '10.0.0.5',
      qosClass: 'BestEffort',
      observedGeneration: 7,
      containerStatuses: [{ name: 'web', ready: false, started: false, restartCount: 2, state: { terminated: { exitCode: 137 } }, imageID: 'docker://sha256:feedbeef' }],
    },
  });
  t.match(
    reported[0]!.status.conditions!.map((c) => `${c.type}=${c.status}`),
    ['Initialized=True', 'Ready=False', 'ContainersReady=False', 'PodScheduled=True'],
  );

  // The hub deletes it: a desired state without it makes the agent forget it.
  const after: DesiredState = { schema: 1, node: 'node-a', generation: 8, pods: [burstable] };
  n.setDesired(after);
  t.equal(n.manager.desiredForLoop(after), after);
  t.equal(n.store.pods.size, 0, 'forgotten');
  t.same(n.manager.reportedPods('10.0.0.5', 8), []);
});

t.test('a Pod whose usage cannot be read is evicted first, with only the node sentence', async (t) => {
  const n = node([bestEffort, guaranteed], { besteffort: 20 * MiB, guaranteed: undefined });
  const evicted = await n.manager.evictOne(pressed);
  t.equal(evicted?.name, 'guaranteed');
  t.equal(evicted?.message, 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ');
});

t.test('a container that cannot be stopped still leaves the Pod evicted (the loop removes it)', async (t) => {
  const n = node(
    [bestEffort],
    { besteffort: MiB },
    {
      stopContainer: async () => {
        throw new Error('no such container');
      },
      inspectContainer: async () => undefined,
    },
  );
  const evicted = await n.manager.evictOne(pressed);
  t.equal(evicted?.name, 'besteffort');
  t.match(evicted?.containers, [{ name: 'web', terminated: { exitCode: 137, reason: 'Error' } }]);
  t.ok(n.store.pods.has(bestEffort.metadata.uid));
});

t.test('withoutEvicted is identity when nothing is evicted', async (t) => {
  const desired: DesiredState = { schema: 1, node: 'node-a', generation: 1, pods: [bestEffort], terminating: [{ uid: 'x', gracePeriodSeconds: 5 }] };
  t.equal(withoutEvicted(desired, new Map()), desired);
  t.equal(withoutEvicted(undefined, new Map([['a', {}]])), undefined);
  t.same(withoutEvicted(desired, new Map([[bestEffort.metadata.uid, {}]])), {
    ...desired,
    pods: [],
    terminating: [{ uid: 'x', gracePeriodSeconds: 5 }, { uid: bestEffort.metadata.uid, gracePeriodSeconds: 0 }],
  });
});

/** A Pod whose container mounts emptyDir volumes with these sizeLimits (undefined: none). */
function withEmptyDirs(name: string, limits: Record<string, string | number | undefined>, medium?: 'Memory'): DesiredPod {
  return pod(
    name,
    { volumes: Object.entries(limits).map(([volume, sizeLimit]) => ({ name: volume, emptyDir: { ...(medium ? { medium } : {}), ...(sizeLimit !== undefined ? { sizeLimit } : {}) } })) },
    [{ name: 'web', volumeMounts: Object.keys(limits).map((volume) => ({ name: volume, mountPath: `/${volume}` })) }],
  );
}

const calm: NodeObservations = { memoryCapacityBytes: 1024 * MiB, memoryAvailableBytes: 900 * MiB };

t.test('without any pressure, a Pod whose emptyDir exceeds its sizeLimit is evicted with kubelet’s message', async (t) => {
  const over = withEmptyDirs('over', { cache: '1Mi' });
  const under = withEmptyDirs('under', { cache: '1Mi' });
  const n = node([over, under, bestEffort], {}, {}, { 'over/cache': 3 * MiB, 'under/cache': MiB });
  n.manager.onSample(calm, []);
  await n.manager.settled();
  t.same([...n.store.pods.keys()], [over.metadata.uid], 'only the Pod over its limit (exactly at the limit is within it)');
  const record = n.store.pods.get(over.metadata.uid)!;
  t.equal(record.message, 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ');
  t.same(
    n.events.map((e) => [e.involvedObject.name, e.type, e.reason, e.message]),
    [['over', 'Warning', 'Evicted', record.message]],
  );
  t.same(n.stopped.map(([, grace]) => grace), [0], 'a hard eviction: grace 0');
  t.match(record.containers, [{ name: 'web', terminated: { exitCode: 137 } }]);
  t.equal(n.evictedCalls(), 1, 'the loop is woken');
  t.same(n.measured, [['over', 'cache', MiB], ['under', 'cache', MiB]], 'only Pods with a limited emptyDir are measured, no further than the limit');
  t.same(n.manager.desiredForLoop({ schema: 1, node: 'node-a', generation: 7, pods: [over, under] })?.pods, [under], 'never run again');
  t.match(n.manager.reportedPods('10.0.0.5', 7), [{ name: 'over', status: { phase: 'Failed', reason: 'Evicted', message: record.message } }]);

  n.manager.onSample(calm, []);
  await n.manager.settled();
  t.equal(n.store.pods.size, 1, 'the evicted Pod is not measured again');
  t.same(n.measured.map(([p]) => p), ['over', 'under', 'under']);
});

t.test('every Pod over a limit goes in one pass, and then no memory eviction in that pass', async (t) => {
  const a = withEmptyDirs('a', { scratch: '2Mi' }, 'Memory');
  const b = withEmptyDirs('b', { small: '1000', big: '1G' });
  const n = node([guaranteed, a, b], { guaranteed: 500 * MiB }, {}, { 'a/scratch': 2 * MiB + 1, 'b/small': 4096, 'b/big': 2e9 });
  n.manager.onSample(pressed, ['memory.available']);
  await n.manager.settled();
  t.same([...n.store.pods.values()].map((p) => [p.name, p.message]), [
    ['a', 'Usage of EmptyDir volume "scratch" exceeds the limit "2Mi". '],
    ['b', 'Usage of EmptyDir volume "small" exceeds the limit "1k". '],
  ], 'the first volume over its limit names the message; the limit as Quantity.String() prints it');
  t.notOk(n.store.pods.has(guaranteed.metadata.uid), 'the memory step waits for the next sample');

  n.manager.onSample(pressed, ['memory.available']);
  await n.manager.settled();
  t.ok(n.store.pods.has(guaranteed.metadata.uid), 'then memory pressure evicts as before');
});

t.test('a node without limited emptyDirs measures nothing and asks Docker nothing when calm', async (t) => {
  const unlimited = withEmptyDirs('unlimited', { cache: undefined, zero: '0' });
  const n = node([unlimited, bestEffort], { besteffort: MiB }, {}, { 'unlimited/cache': 50 * MiB, 'unlimited/zero': 50 * MiB });
  n.manager.onSample(calm, []);
  await n.manager.settled();
  t.equal(n.observeCalls(), 0);
  t.same(n.measured, [], 'no sizeLimit, or a zero one, is no limit');
  t.equal(n.store.pods.size, 0);
});

t.test('an emptyDir that is missing or cannot be measured evicts nothing; a terminating Pod is not measured', async (t) => {
  const missing = withEmptyDirs('missing', { cache: '1Ki' });
  const broken = withEmptyDirs('broken', { cache: '1Ki' });
  const leaving = withEmptyDirs('leaving', { cache: '1Ki' });
  const n = node(
    [missing, broken, leaving],
    {},
    {
      emptyDirUsage: async (uid) => {
        if (uid === broken.metadata.uid) throw new Error('EACCES: permission denied');
        if (uid === leaving.metadata.uid) return { bytes: MiB, entries: 1, truncated: false };
        return undefined;
      },
    },
  );
  n.setDesired({ schema: 1, node: 'node-a', generation: 8, pods: [missing, broken, leaving], terminating: [{ uid: leaving.metadata.uid, gracePeriodSeconds: 30 }] });
  t.same(await n.manager.evictOverEmptyDirLimits(), []);
  t.equal(n.store.pods.size, 0);
});

t.test('a truncated walk over the limit still evicts (its count is a lower bound)', async (t) => {
  const big = withEmptyDirs('big', { cache: '1Mi' });
  const n = node([big], {}, { emptyDirUsage: async () => ({ bytes: 2 * MiB, entries: 100_000, truncated: true }) });
  t.same((await n.manager.evictOverEmptyDirLimits()).map((p) => p.name), ['big']);
});
