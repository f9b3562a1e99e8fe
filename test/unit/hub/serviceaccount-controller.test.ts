/**
 * The `default` ServiceAccount as kube-controller-manager's serviceaccounts-controller keeps it, on
 * a real (SQLite) store: every active namespace gets one, a deleted one comes back, a Terminating
 * namespace gets none (so that it can empty), and other ServiceAccounts are left alone.
 */
import t, { type Test } from 'tap';
import { controllerHarness, silentHubLogger as logger } from './controller-harness.js';
import { ResourceHandlers } from '../../../hub/api/resource-handlers.js';
import { NamespaceController } from '../../../hub/controllers/namespace-controller.js';
import { ServiceAccountController } from '../../../hub/controllers/serviceaccount-controller.js';
import { resolveResource } from '../../../shared/api/resources.js';

const namespaces = resolveResource('namespaces')!;
const serviceAccounts = resolveResource('serviceaccounts')!;

function hub(t: Test) {
  const harness = controllerHarness(t, (store) => ({ controllers: [new ServiceAccountController(store, logger), new NamespaceController(store, logger)] }));
  return { ...harness, api: new ResourceHandlers(harness.store) };
}

const namespaceBody = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const accountNames = async (h: ReturnType<typeof hub>, namespace: string): Promise<string[]> =>
  (await h.store.list(serviceAccounts, namespace)).map((sa) => sa.metadata.name!).sort();

t.test('every new namespace gets a default ServiceAccount', async (t) => {
  const h = hub(t);
  await h.api.create({ resource: namespaces }, namespaceBody('dev'));
  await h.settle();
  const account = await h.store.get(serviceAccounts, 'dev', 'default');
  t.match(account, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'dev', uid: String, creationTimestamp: String } });
  t.same(await accountNames(h, 'dev'), ['default']);
});

t.test('namespaces that existed before the controller get one at resync, once', async (t) => {
  const h = controllerHarness(t, () => ({ controllers: [] }));
  await h.store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'old' } });
  await h.store.create(serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'kept' } });
  await h.store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kept' } });
  const kept = await h.store.get(serviceAccounts, 'kept', 'default');
  const controller = new ServiceAccountController(h.store, logger);
  t.teardown(() => controller.stop());
  t.equal(await h.store.get(serviceAccounts, 'old', 'default'), undefined, 'none before the resync');
  await controller.resync();
  await controller.idle();
  t.ok(await h.store.get(serviceAccounts, 'old', 'default'), 'created by the resync');
  t.same(await h.store.get(serviceAccounts, 'kept', 'default'), kept, 'an existing one is left as it is');
});

t.test('a deleted default ServiceAccount comes back; others do not', async (t) => {
  const h = hub(t);
  await h.api.create({ resource: namespaces }, namespaceBody('dev'));
  await h.api.create({ resource: serviceAccounts, namespace: 'dev' }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bob' } });
  await h.settle();
  const first = await h.store.get(serviceAccounts, 'dev', 'default');
  await h.api.delete({ resource: serviceAccounts, namespace: 'dev', name: 'default' });
  await h.api.delete({ resource: serviceAccounts, namespace: 'dev', name: 'bob' });
  await h.settle();
  const again = await h.store.get(serviceAccounts, 'dev', 'default');
  t.ok(again, 'recreated');
  t.not(again!.metadata.uid, first!.metadata.uid, 'a new object');
  t.same(await accountNames(h, 'dev'), ['default'], 'bob stays deleted');
});

t.test('a Terminating namespace gets no new default ServiceAccount and goes away', async (t) => {
  const h = hub(t);
  await h.api.create({ resource: namespaces }, namespaceBody('gone'));
  await h.settle();
  t.same(await accountNames(h, 'gone'), ['default']);
  await h.api.delete({ resource: namespaces, name: 'gone' });
  await h.settle();
  t.equal(await h.store.get(namespaces, undefined, 'gone'), undefined, 'the namespace was emptied and removed');
  t.same(await accountNames(h, 'gone'), [], 'no ServiceAccount was left or recreated');
});
