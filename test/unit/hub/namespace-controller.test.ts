/**
 * Namespace termination as Kubernetes' namespace controller and NamespaceLifecycle admission do
 * it, on a real (SQLite) store: deleting a namespace marks it Terminating, its content goes
 * (Pods on nodes gracefully), and only then does the namespace itself; builtin namespaces cannot
 * be deleted; nothing new may be created in a missing or Terminating namespace.
 */
import t, { type Test } from 'tap';
import { controllerHarness, silentHubLogger as logger } from './controller-harness.js';
import { ResourceHandlers } from '../../../hub/api/resource-handlers.js';
import { DeploymentController } from '../../../hub/controllers/deployment-controller.js';
import { NamespaceController } from '../../../hub/controllers/namespace-controller.js';
import { ReplicaSetController } from '../../../hub/controllers/replicaset-controller.js';
import { mutate } from '../../../hub/objects/mutate.js';
import { isSkiffError } from '../../../shared/errors.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { RESOURCES, resolveResource } from '../../../shared/api/resources.js';

const namespaces = resolveResource('namespaces')!;
const deployments = resolveResource('deployments')!;
const replicaSets = resolveResource('replicasets')!;
const pods = resolveResource('pods')!;
const events = resolveResource('events')!;

function hub(t: Test) {
  const harness = controllerHarness(t, (store, recorder) => ({
    controllers: [new NamespaceController(store, logger), new DeploymentController(store, logger, recorder), new ReplicaSetController(store, logger, recorder)],
  }));
  return { ...harness, api: new ResourceHandlers(harness.store) };
}

type Hub = ReturnType<typeof hub>;

async function createNamespace(hub: Hub, name: string, finalizers?: string[]): Promise<KubeObject> {
  return hub.api.create({ resource: namespaces }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, ...(finalizers ? { spec: { finalizers } } : {}) });
}

function deploymentBody(name: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'skiff-test/web:1' }] } } },
  };
}

function podBody(name: string) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'web', image: 'skiff-test/web:1' }] } };
}

/** A Pod in `namespace` bound to a node, as the scheduler leaves it: deleting it waits for the node. */
async function podOnNode(hub: Hub, namespace: string, name: string): Promise<void> {
  await hub.api.create({ resource: pods, namespace }, podBody(name));
  await mutate(hub.store, pods, namespace, name, (p) => ({ ...p, spec: { ...(p.spec as object), nodeName: 'n1' } }));
}

/** How many objects of every namespaced kind live in `namespace`, by plural (kinds with none left out). */
async function content(hub: Hub, namespace: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const rt of RESOURCES.filter((r) => r.namespaced)) {
    const n = (await hub.store.list(rt, namespace)).length;
    if (n > 0) counts[rt.plural] = n;
  }
  return counts;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to be refused');
}

const conditionsOf = (ns: KubeObject | undefined) => (ns?.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } | undefined)?.conditions ?? [];

t.test('a created namespace is Active and carries the "kubernetes" finalizer, even when the client asked for others', async (t) => {
  const h = hub(t);
  t.match(await createNamespace(h, 'shop'), { spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  t.same((await createNamespace(h, 'kept', ['example.com/keep'])).spec, { finalizers: ['example.com/keep', 'kubernetes'] });
});

t.test('deleting a namespace removes its Deployments, ReplicaSets, Pods and Events, and then the namespace', async (t) => {
  const h = hub(t);
  await createNamespace(h, 'shop');
  await createNamespace(h, 'other');
  await h.api.create({ resource: deployments, namespace: 'shop' }, deploymentBody('front', 2));
  await h.api.create({ resource: pods, namespace: 'shop' }, podBody('loose'));
  await h.api.create({ resource: deployments, namespace: 'other' }, deploymentBody('bystander', 1));
  await h.settle();
  t.same(await content(h, 'shop'), { pods: 3, events: 3, deployments: 1, replicasets: 1 }, 'the Deployment made a ReplicaSet and its Pods, with Events');
  const otherBefore = await content(h, 'other');

  const deleted = await h.api.delete({ resource: namespaces, name: 'shop' });
  t.match(deleted, { metadata: { deletionTimestamp: String }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } }, 'the delete only marks it');
  await h.settle();
  t.same(await content(h, 'shop'), {}, 'nothing is left in it');
  t.equal(await h.store.get(namespaces, undefined, 'shop'), undefined, 'and then the namespace itself is gone');
  t.same(await content(h, 'other'), otherBefore, 'another namespace is untouched');
});

t.test('default, kube-system, kube-public and kube-node-lease cannot be deleted', async (t) => {
  const h = hub(t);
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await createNamespace(h, name);
    const err = await rejection(h.api.delete({ resource: namespaces, name }));
    t.ok(isSkiffError(err, 'SKIFF_ERR_FORBIDDEN'), `${name}: Forbidden`);
    t.equal(err.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    t.notOk((await h.store.get(namespaces, undefined, name))?.metadata.deletionTimestamp, `${name} is not marked for deletion`);
  }
});

t.test('nothing can be created in a namespace that does not exist, or in one being terminated', async (t) => {
  const h = hub(t);
  const missing = await rejection(h.api.create({ resource: pods, namespace: 'nowhere' }, podBody('p')));
  t.ok(isSkiffError(missing, 'SKIFF_ERR_NOT_FOUND'), 'missing: NotFound');
  t.equal(missing.message, 'namespaces "nowhere" not found');

  await createNamespace(h, 'shop');
  await podOnNode(h, 'shop', 'stopping'); // keeps the namespace Terminating for a while
  await h.api.delete({ resource: namespaces, name: 'shop' });
  await h.settle();
  const terminating = await rejection(h.api.create({ resource: deployments, namespace: 'shop' }, deploymentBody('late', 1)));
  t.ok(isSkiffError(terminating, 'SKIFF_ERR_FORBIDDEN'), 'terminating: Forbidden');
  t.equal(terminating.message, 'unable to create new content in namespace shop because it is being terminated');
  t.same(await content(h, 'shop'), { pods: 1 }, 'nothing was created');
});

t.test('a Pod still stopping on its node keeps the namespace Terminating, with NamespaceContentRemaining, until it is gone', async (t) => {
  const h = hub(t);
  await createNamespace(h, 'shop');
  await podOnNode(h, 'shop', 'stubborn');
  await h.api.create({ resource: deployments, namespace: 'shop' }, deploymentBody('front', 1));
  await h.settle();
  await h.api.delete({ resource: namespaces, name: 'shop' });
  await h.settle();

  const stubborn = await h.store.get(pods, 'shop', 'stubborn');
  t.ok(stubborn?.metadata.deletionTimestamp, 'the bound Pod is deleted gracefully: marked, waiting for its node');
  t.same(await content(h, 'shop'), { pods: 1 }, 'everything else is gone');
  const ns = await h.store.get(namespaces, undefined, 'shop');
  t.match(ns, { spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } }, 'the namespace stays, finalizer and all');
  t.match(conditionsOf(ns), [
    { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods. has 1 resource instances' },
  ]);

  await h.store.delete(pods, 'shop', 'stubborn'); // what ingest does once the node stopped it
  await h.settle();
  t.equal(await h.store.get(namespaces, undefined, 'shop'), undefined, 'the namespace goes with its last Pod');
});

t.test('termination converges from any point: a crash mid-way, a second controller, a finalizer already dropped', async (t) => {
  const h = hub(t);
  await createNamespace(h, 'shop');
  await h.api.create({ resource: deployments, namespace: 'shop' }, deploymentBody('front', 2));
  await h.settle();
  // As if the hub stopped right after the delete and after removing some of the content.
  await h.controllers[0]!.stop();
  await h.api.delete({ resource: namespaces, name: 'shop' });
  await h.store.delete(deployments, 'shop', 'front');
  const [rs] = await h.store.list(replicaSets, 'shop');
  await h.store.delete(replicaSets, 'shop', rs!.metadata.name!);
  t.same(await content(h, 'shop'), { pods: 2, events: 3 }, 'half-emptied');

  const restarted = new NamespaceController(h.store, logger);
  const second = new NamespaceController(h.store, logger);
  const unsubscribe = h.store.onChange((change) => [restarted, second].forEach((c) => c.onChange(change)));
  t.teardown(async () => {
    unsubscribe();
    await Promise.all([restarted.stop(), second.stop()]);
  });
  await Promise.all([restarted.resync(), second.resync()]);
  await Promise.all([restarted.idle(), second.idle()]);
  await h.settle();
  t.same(await content(h, 'shop'), {});
  t.equal(await h.store.get(namespaces, undefined, 'shop'), undefined, 'two controllers racing still finish the job');

  // Stopped after dropping the finalizer but before removing the namespace.
  await createNamespace(h, 'edge');
  await h.api.delete({ resource: namespaces, name: 'edge' });
  await second.stop();
  await restarted.stop();
  await mutate(h.store, namespaces, undefined, 'edge', (ns) => ({ ...ns, spec: { finalizers: [] } }));
  const third = new NamespaceController(h.store, logger);
  t.teardown(() => third.stop());
  await third.resync();
  await third.idle();
  t.equal(await h.store.get(namespaces, undefined, 'edge'), undefined, 'an emptied, finalized namespace is removed');
});

t.test('an emptied namespace with another finalizer stays until that finalizer is removed', async (t) => {
  const h = hub(t);
  await createNamespace(h, 'kept', ['example.com/keep']);
  await h.api.create({ resource: pods, namespace: 'kept' }, podBody('p'));
  await h.api.delete({ resource: namespaces, name: 'kept' });
  await h.settle();
  t.same(await content(h, 'kept'), {});
  const ns = await h.store.get(namespaces, undefined, 'kept');
  t.match(ns, { spec: { finalizers: ['example.com/keep'] }, status: { phase: 'Terminating' } }, 'only the "kubernetes" finalizer was removed');
  t.match(conditionsOf(ns), [{ type: 'NamespaceDeletionContentFailure', status: 'False' }, { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved' }]);
  await mutate(h.store, namespaces, undefined, 'kept', (current) => ({ ...current, spec: { finalizers: [] } }));
  await h.controllers[0]!.resync();
  await h.settle();
  t.equal(await h.store.get(namespaces, undefined, 'kept'), undefined);
});

t.test('events are deleted too, even ones not made by a controller', async (t) => {
  const h = hub(t);
  await createNamespace(h, 'shop');
  await h.store.create(events, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'manual', namespace: 'shop' },
    involvedObject: { kind: 'Pod', namespace: 'shop', name: 'p' },
    reason: 'Test',
    message: 'hello',
    type: 'Normal',
  } as KubeObject);
  await h.api.delete({ resource: namespaces, name: 'shop' });
  await h.settle();
  t.same(await content(h, 'shop'), {});
  t.equal(await h.store.get(namespaces, undefined, 'shop'), undefined);
});

t.test('a second delete of a Terminating namespace is a Conflict in Kubernetes\' words, until its finalizers are gone', async (t) => {
  const h = hub(t);
  await createNamespace(h, 'shop');
  await podOnNode(h, 'shop', 'stopping'); // keeps the namespace Terminating, "kubernetes" finalizer and all
  const first = await h.api.delete({ resource: namespaces, name: 'shop' });
  await h.settle();
  const conflict = await rejection(h.api.delete({ resource: namespaces, name: 'shop' }));
  t.ok(isSkiffError(conflict, 'SKIFF_ERR_CONFLICT'), 'Conflict (409)');
  t.equal(
    conflict.message,
    'Operation cannot be fulfilled on namespaces "shop": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
  );
  const after = await h.store.get(namespaces, undefined, 'shop');
  t.equal(after?.metadata.deletionTimestamp, first.metadata.deletionTimestamp, 'the first delete\'s mark stands');

  // An emptied namespace whose other finalizer is still there refuses a second delete as well.
  await createNamespace(h, 'kept', ['example.com/keep']);
  await h.api.delete({ resource: namespaces, name: 'kept' });
  await h.settle();
  t.ok(isSkiffError(await rejection(h.api.delete({ resource: namespaces, name: 'kept' })), 'SKIFF_ERR_CONFLICT'));
  // With no finalizer left, a delete removes it at once, as the API server's store does.
  await h.controllers[0]!.stop();
  await mutate(h.store, namespaces, undefined, 'kept', (ns) => ({ ...ns, spec: { finalizers: [] } }));
  await h.api.delete({ resource: namespaces, name: 'kept' });
  t.equal(await h.store.get(namespaces, undefined, 'kept'), undefined);
});

t.test('a PUT keeps the stored spec.finalizers, as the API server\'s namespace strategy does', async (t) => {
  const h = hub(t);
  await createNamespace(h, 'shop');
  const put = (spec?: object) => h.api.replace({ resource: namespaces, name: 'shop' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'a' } }, ...(spec ? { spec } : {}) });
  t.match(await put({ finalizers: [] }), { metadata: { labels: { team: 'a' } }, spec: { finalizers: ['kubernetes'] } }, 'removing "kubernetes" by PUT does nothing');
  t.same((await put({ finalizers: ['example.com/extra'] })).spec, { finalizers: ['kubernetes'] }, 'nor can a PUT add one');
  t.same((await put()).spec, { finalizers: ['kubernetes'] }, 'a body without spec keeps them too');

  // Terminating with "kubernetes" already dropped: a PUT must not put it back.
  await createNamespace(h, 'kept', ['example.com/keep']);
  await h.api.delete({ resource: namespaces, name: 'kept' });
  await h.settle();
  const replaced = await h.api.replace({ resource: namespaces, name: 'kept' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kept' } });
  t.match(replaced, { spec: { finalizers: ['example.com/keep'] }, status: { phase: 'Terminating' } });
});
