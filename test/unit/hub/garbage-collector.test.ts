/**
 * The garbage collector works per object, as Kubernetes' does from its graph: an owner's deletion
 * collects its own dependents (cascading Deployment -> ReplicaSet -> Pod), a Namespace's deletion
 * the objects left in it, and an object created under an owner already gone is collected at once.
 * None of these lists every object: a sweep per deletion (every Pod deleted, every Event trimmed)
 * held the hub's event loop with thousands of nodes. The sweep at start still finds what went
 * wrong while no collector ran.
 */
import t from 'tap';
import { controllerHarness } from './controller-harness.js';
import { GarbageCollector } from '../../../hub/controllers/garbage-collector.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource, type ResourceType } from '../../../shared/api/resources.js';
import { createLogger } from '../../../shared/log.js';
import type { SqliteStore } from '../../../hub/store/sqlite-store.js';

const events = resolveResource('events')!;
const pods = resolveResource('pods')!;
const replicaSets = resolveResource('replicasets')!;
const deployments = resolveResource('deployments')!;
const namespaces = resolveResource('namespaces')!;
const configMaps = resolveResource('configmaps')!;
const logger = createLogger('hub', 'silent');

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
const ownedBy = (owner: KubeObject) => [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true }];

const replicaSet = (name: string, namespace = 'default', owner?: KubeObject): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace, ...(owner ? { ownerReferences: ownedBy(owner) } : {}) },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template },
});
const pod = (name: string, owner?: KubeObject, namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, ...(owner ? { ownerReferences: ownedBy(owner) } : {}) },
  spec: { containers: [{ name: 'c', image: 'i' }] },
});

/** Counts the store's listings from here on (each one parses a whole resource). */
function countListings(store: SqliteStore): { count: () => number; list: SqliteStore['list'] } {
  let listings = 0;
  const list = store.list.bind(store);
  store.list = ((resource: ResourceType, namespace?: string) => {
    listings++;
    return list(resource, namespace);
  }) as typeof store.list;
  return { count: () => listings, list };
}

/** Gone, or going (a Pod bound to a node stays, terminating, until the node confirms). */
const goneOrGoing = (object: KubeObject | undefined): boolean => object === undefined || object.metadata.deletionTimestamp !== undefined;

/** The harness's store starts empty: the namespace the tests use must exist, or all of it is homeless. */
async function withDefaultNamespace(store: SqliteStore): Promise<void> {
  await store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
}

const names = async (list: SqliteStore['list'], rt: ResourceType, namespace = 'default') => (await list(rt, namespace)).map((o) => o.metadata.name).sort();

t.test('an owner deleted: its own dependents go, in cascade, with no listing of every object', async (t) => {
  const { store, settle, controllers } = controllerHarness(t, (store) => ({ controllers: [new GarbageCollector(store, logger)] }));
  await withDefaultNamespace(store);
  await controllers[0]!.resync();
  await settle();
  const listings = countListings(store);

  const deploy = await store.create(deployments, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template } });
  const rs = await store.create(replicaSets, replicaSet('web-1', 'default', deploy));
  const other = await store.create(replicaSets, replicaSet('other'));
  for (const name of ['web-1-a', 'web-1-b']) await store.create(pods, pod(name, rs));
  await store.create(pods, pod('other-a', other));
  await store.create(pods, pod('standalone'));
  await settle();
  t.same(await names(listings.list, pods), ['other-a', 'standalone', 'web-1-a', 'web-1-b'], 'owners alive: nothing collected');

  await store.delete(deployments, 'default', 'web');
  await settle();
  t.same(await names(listings.list, replicaSets), ['other'], "the Deployment's ReplicaSet went");
  t.same(await names(listings.list, pods), ['other-a', 'standalone'], "and the ReplicaSet's Pods; the others stay");
  t.equal(listings.count(), 0, 'no listing for any of it');
});

t.test('Pods and Events deleted, dozens of them, start no sweep', async (t) => {
  const { store, settle } = controllerHarness(t, (store) => ({ controllers: [new GarbageCollector(store, logger)] }));
  await withDefaultNamespace(store);
  const rs = await store.create(replicaSets, replicaSet('web'));
  for (let i = 0; i < 50; i++) await store.create(pods, pod(`web-${i}`, rs));
  for (let i = 0; i < 20; i++) {
    await store.create(events, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `node-${i}.registered`, namespace: 'default' },
      involvedObject: { kind: 'Node', name: `node-${i}` },
      reason: 'RegisteredNode',
      message: `Node node-${i} event: Registered Node node-${i} in Controller`,
      type: 'Normal',
    });
  }
  await settle();
  const listings = countListings(store);
  for (let i = 0; i < 50; i++) await store.delete(pods, 'default', `web-${i}`);
  for (let i = 0; i < 20; i++) await store.delete(events, 'default', `node-${i}.registered`);
  await settle();
  t.equal(listings.count(), 0, '50 Pods and 20 Events deleted: no listing');
  t.same(await names(listings.list, replicaSets), ['web'], 'the owner of deleted Pods stays');
});

t.test('created under an owner already gone (or another by its name): collected at once', async (t) => {
  const { store, settle } = controllerHarness(t, (store) => ({ controllers: [new GarbageCollector(store, logger)] }));
  await withDefaultNamespace(store);
  const first = await store.create(replicaSets, replicaSet('web'));
  await store.delete(replicaSets, 'default', 'web');
  await store.create(replicaSets, replicaSet('web')); // same name, another uid
  await settle();
  const listings = countListings(store);
  await store.create(pods, pod('late', first));
  await store.create(pods, { ...pod('unknown-kind'), metadata: { name: 'unknown-kind', namespace: 'default', ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u-1', controller: true }] } });
  const live = await store.create(replicaSets, replicaSet('live'));
  await store.create(pods, { ...pod('older-version'), metadata: { name: 'older-version', namespace: 'default', ownerReferences: [{ ...ownedBy(live)[0]!, apiVersion: 'apps/v1beta2' }] } });
  await store.create(pods, { ...pod('not-controller'), metadata: { name: 'not-controller', namespace: 'default', ownerReferences: [{ ...ownedBy(first)[0]!, controller: false }] } });
  await settle();
  t.same(await names(listings.list, pods), ['not-controller', 'older-version'], 'the Pod of the deleted ReplicaSet and the one of a kind never served went; an owner that is not the controller keeps nothing; a live owner named with another version of its group keeps its Pod');
  t.equal(listings.count(), 0, 'without a listing');
});

t.test('re-owned to an owner that is gone: collected', async (t) => {
  const { store, settle } = controllerHarness(t, (store) => ({ controllers: [new GarbageCollector(store, logger)] }));
  await withDefaultNamespace(store);
  const gone = await store.create(replicaSets, replicaSet('gone'));
  await store.delete(replicaSets, 'default', 'gone');
  const orphan = await store.create(pods, pod('adopted'));
  await settle();
  await store.update(pods, { ...orphan, metadata: { ...orphan.metadata, ownerReferences: ownedBy(gone) } });
  await settle();
  t.ok(goneOrGoing(await store.get(pods, 'default', 'adopted')), 'the Pod is gone');
});

t.test('a Namespace gone: what is left in it goes', async (t) => {
  const { store, settle } = controllerHarness(t, (store) => ({ controllers: [new GarbageCollector(store, logger)] }));
  await withDefaultNamespace(store);
  await store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  await store.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'team' }, data: { a: '1' } });
  await store.create(pods, pod('p', undefined, 'team'));
  await store.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', namespace: 'default' }, data: {} });
  await settle();
  t.same(await names(store.list.bind(store), configMaps, 'team'), ['settings'], 'the Namespace exists: its objects stay');

  await store.delete(namespaces, undefined, 'team');
  await settle();
  t.same(await names(store.list.bind(store), configMaps, 'team'), [], "the Namespace's ConfigMap went");
  t.ok(goneOrGoing(await store.get(pods, 'team', 'p')), 'its Pod too');
  t.same(await names(store.list.bind(store), configMaps, 'default'), ['kept'], 'other namespaces are untouched');
});

t.test('the sweep at start collects what was orphaned while no collector ran', async (t) => {
  const { store, settle } = controllerHarness(t, () => ({ controllers: [] }));
  await withDefaultNamespace(store);
  const rs = await store.create(replicaSets, replicaSet('web'));
  await store.create(pods, pod('web-a', rs));
  await store.delete(replicaSets, 'default', 'web'); // no collector: the Pod is left behind
  await store.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'homeless', namespace: 'nowhere' }, data: {} });
  const collector = new GarbageCollector(store, logger);
  t.teardown(() => collector.stop());
  await collector.resync();
  await collector.idle();
  await settle();
  t.ok(goneOrGoing(await store.get(pods, 'default', 'web-a')), 'the orphaned Pod is gone');
  t.equal(await store.get(configMaps, 'nowhere', 'homeless'), undefined, 'the object in a Namespace that does not exist is gone');
});
