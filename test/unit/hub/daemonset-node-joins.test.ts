/**
 * Nodes joining a fleet with a DaemonSet: each new node gets its daemon Pod, and the controller
 * works from the caches its change events keep. It lists every Node once (its first sync), not
 * once per join: that listing, with every Pod's, was 43% of the hub's CPU with 6,000 nodes joining.
 */
import t from 'tap';
import { controllerHarness } from './controller-harness.js';
import { DaemonSetController } from '../../../hub/controllers/daemonset-controller.js';
import { observeSyncs } from '../../../hub/controllers/work-queue.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource, type ResourceType } from '../../../shared/api/resources.js';
import { createLogger } from '../../../shared/log.js';

const nodes = resolveResource('nodes')!;
const pods = resolveResource('pods')!;
const daemonSets = resolveResource('daemonsets')!;
const logger = createLogger('hub', 'silent');

const readyNode = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '4', memory: '4Gi', pods: '110' } },
});

t.test('nodes joining one at a time each get a daemon Pod, with no listing of every Node per join', async (t) => {
  const { store, settle } = controllerHarness(t, (store, recorder) => ({ controllers: [new DaemonSetController(store, logger, recorder)] }));
  const listings = new Map<ResourceType, number>();
  const list = store.list.bind(store);
  store.list = (async (resource: ResourceType, ...rest: unknown[]) => {
    listings.set(resource, (listings.get(resource) ?? 0) + 1);
    return (list as (...args: unknown[]) => Promise<KubeObject[]>)(resource, ...rest);
  }) as typeof store.list;

  await store.create(nodes, readyNode('first'));
  await store.create(daemonSets, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'skiff-test/web:1' }] } } },
  });
  await settle();
  const nodeListingsBefore = listings.get(nodes) ?? 0;
  for (let i = 0; i < 20; i++) {
    await store.create(nodes, readyNode(`joined-${i}`));
    await settle();
  }
  const daemonPods = (await list(pods, 'default')).map((p) => p.spec && (p.spec as { nodeName?: string }).nodeName);
  t.equal(daemonPods.length, 21, 'a daemon Pod for the first node and for each of the 20 that joined');
  t.equal(new Set(daemonPods).size, 21, 'one on each node');
  t.equal((listings.get(nodes) ?? 0) - nodeListingsBefore, 0, 'no Node listing for the joins');
});

t.test('a write of the DaemonSet status alone starts no sync; a template change does', async (t) => {
  const { store, settle } = controllerHarness(t, (store, recorder) => ({ controllers: [new DaemonSetController(store, logger, recorder)] }));
  await store.create(nodes, readyNode('only'));
  const ds = await store.create(daemonSets, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'skiff-test/web:1' }] } } },
  });
  await settle();
  let syncs = 0;
  t.teardown(observeSyncs((o) => void (o.queue === 'daemonset-controller' && syncs++)));

  const current = (await store.get(daemonSets, 'default', 'agent'))!;
  t.ok(current.status, 'the first sync wrote a status');
  const statusWritten = await store.update(daemonSets, { ...current, status: { ...(current.status as object), numberReady: 99 } });
  await settle();
  t.equal(syncs, 0, 'no sync for a status write (the controller writes one after each sync)');

  await store.update(daemonSets, { ...statusWritten, spec: { ...(ds.spec as object), template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'skiff-test/web:2' }] } } } });
  await settle();
  t.ok(syncs >= 1, `a template change is synced (${syncs} syncs)`);
  // maxUnavailable 1: the old Pod goes first (it stays, terminating, with no agent to confirm).
  const old = (await store.list(pods, 'default')).filter((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0]!.image === 'skiff-test/web:1');
  t.ok(old.length === 1 && old[0]!.metadata.deletionTimestamp, 'the rolling update started: the old Pod is being deleted');
});
