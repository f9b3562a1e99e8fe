/**
 * The endpoints controller on a real SQLite store, fed by its change events: one Endpoints per
 * Service with a selector, following Pods as they turn Ready, change labels or go, deleted with
 * its Service, and not rewritten when nothing changed.
 */
import t, { type Test } from 'tap';
import { EndpointsController } from '../../../hub/controllers/endpoints-controller.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Endpoints } from '../../../shared/api/schema/service.js';
import { controllerHarness, silentHubLogger as logger } from './controller-harness.js';
import { pod as basePod } from './fixtures.js';

const services = resolveResource('services')!;
const endpoints = resolveResource('endpoints')!;
const pods = resolveResource('pods')!;

function hub(t: Test) {
  return controllerHarness(t, (store) => ({ controllers: [new EndpointsController(store, logger)] }));
}

const service = (name: string, selector?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', labels: { team: 'edge' } },
  spec: { ...(selector ? { selector } : {}), ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
});

function pod(name: string, ip: string, ready: boolean): KubeObject {
  const p = basePod(name, { labels: { app: 'web' }, phase: 'Running', ready, nodeName: 'n1' });
  (p.status as { podIP?: string }).podIP = ip;
  return p;
}

const ips = (ep: KubeObject | undefined): { ready: string[]; notReady: string[] } => {
  const subsets = (ep as Endpoints | undefined)?.subsets ?? [];
  return { ready: subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)), notReady: subsets.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)) };
};

t.test('an Endpoints named after the Service follows its Pods', async (t) => {
  const h = hub(t);
  await h.store.create(pods, pod('a', '10.0.0.1', true));
  await h.store.create(pods, pod('b', '10.0.0.2', false));
  await h.store.create(services, service('web', { app: 'web' }));
  await h.settle();
  const first = await h.store.get(endpoints, 'default', 'web');
  t.match(first, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default', labels: { team: 'edge' } } });
  t.same(ips(first), { ready: ['10.0.0.1'], notReady: ['10.0.0.2'] });

  const b = (await h.store.get(pods, 'default', 'b'))!;
  await h.store.update(pods, { ...b, status: { ...(b.status as object), conditions: [{ type: 'Ready', status: 'True' }] } });
  await h.settle();
  t.same(ips(await h.store.get(endpoints, 'default', 'web')), { ready: ['10.0.0.1', '10.0.0.2'], notReady: [] }, 'b turned Ready');

  const a = (await h.store.get(pods, 'default', 'a'))!;
  await h.store.update(pods, { ...a, metadata: { ...a.metadata, labels: { app: 'other' } } });
  await h.settle();
  t.same(ips(await h.store.get(endpoints, 'default', 'web')), { ready: ['10.0.0.2'], notReady: [] }, 'a relabelled away');

  await h.store.delete(pods, 'default', 'b');
  await h.settle();
  const empty = await h.store.get(endpoints, 'default', 'web');
  t.ok(empty, 'a Service selecting nothing keeps an Endpoints');
  t.equal((empty as Endpoints).subsets, undefined, 'with no subsets');

  await h.store.delete(services, 'default', 'web');
  await h.settle();
  t.equal(await h.store.get(endpoints, 'default', 'web'), undefined, 'deleted with its Service');
});

t.test('an unchanged state writes nothing, and a hand edit is put back', async (t) => {
  const h = hub(t);
  await h.store.create(pods, pod('a', '10.0.0.1', true));
  await h.store.create(services, service('web', { app: 'web' }));
  await h.settle();
  const before = await h.store.get(endpoints, 'default', 'web');
  await Promise.all(h.controllers.map((c) => c.resync()));
  await h.settle();
  t.equal((await h.store.get(endpoints, 'default', 'web'))?.metadata.resourceVersion, before?.metadata.resourceVersion, 'resync wrote nothing');

  await h.store.update(endpoints, { ...before!, subsets: [] } as KubeObject);
  await h.settle();
  t.same(ips(await h.store.get(endpoints, 'default', 'web')), { ready: ['10.0.0.1'], notReady: [] });
});

t.test('a Service without selector gets no managed Endpoints', async (t) => {
  const h = hub(t);
  await h.store.create(pods, pod('a', '10.0.0.1', true));
  await h.store.create(services, service('external'));
  await h.settle();
  t.equal(await h.store.get(endpoints, 'default', 'external'), undefined);
});

t.test('Services that existed before the controller get their Endpoints at resync', async (t) => {
  const h = controllerHarness(t, () => ({ controllers: [] }));
  await h.store.create(pods, pod('a', '10.0.0.1', true));
  await h.store.create(services, service('web', { app: 'web' }));
  const controller = new EndpointsController(h.store, logger);
  t.teardown(() => controller.stop());
  await controller.resync();
  await controller.idle();
  t.same(ips(await h.store.get(endpoints, 'default', 'web')), { ready: ['10.0.0.1'], notReady: [] });
});

t.test('an Endpoints left without its Service (a hub stopped in between) is deleted at the first resync, and only then', async (t) => {
  const h = controllerHarness(t, () => ({ controllers: [] }));
  const leftover = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'gone', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }] }] };
  await h.store.create(endpoints, leftover as KubeObject);
  const controller = new EndpointsController(h.store, logger);
  t.teardown(() => controller.stop());
  await controller.resync();
  await controller.idle();
  t.equal(await h.store.get(endpoints, 'default', 'gone'), undefined, 'the leftover is deleted');

  await h.store.create(endpoints, { ...leftover, metadata: { name: 'by-hand', namespace: 'default' } } as KubeObject);
  await controller.resync();
  await controller.idle();
  t.ok(await h.store.get(endpoints, 'default', 'by-hand'), 'a later resync leaves Endpoints written by hand alone');
});
