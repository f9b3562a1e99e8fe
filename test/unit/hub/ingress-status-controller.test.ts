/**
 * The Ingress status controller: ingressAddresses (the sorted InternalIPs of the Ready nodes
 * labelled DEFAULTS.ingress.nodeLabel) and the controller on a real SQLite store, fed by the
 * store's change events, writing them to every Ingress's status.loadBalancer.ingress, following
 * node changes, and writing nothing when the status is already right.
 */
import t, { type Test } from 'tap';
import { IngressStatusController, ingressAddresses } from '../../../hub/controllers/ingress-status-controller.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { controllerHarness, silentHubLogger } from './controller-harness.js';

const ingresses = resolveResource('ingresses')!;
const nodes = resolveResource('nodes')!;
const LABEL = DEFAULTS.ingress.nodeLabel;

interface NodeOptions {
  ip?: string;
  ready?: string;
  label?: string;
  addresses?: Array<{ type: string; address: string }>;
}

function node(name: string, o: NodeOptions = {}): KubeObject {
  const addresses = o.addresses ?? (o.ip ? [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: o.ip }] : []);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(o.label === undefined ? {} : { labels: { [LABEL]: o.label } }) },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: o.ready ?? 'True' }], addresses },
  };
}

function ingress(name: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: { rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] } }] },
  };
}

t.test('ingressAddresses: Ready, labelled nodes, their InternalIP only, sorted, each once', async (t) => {
  t.strictSame(ingressAddresses([]), []);
  t.strictSame(
    ingressAddresses([
      node('b', { ip: '192.168.1.20', label: 'true' }),
      node('a', { ip: '192.168.1.10', label: '' }),
      node('twin', { ip: '192.168.1.10', label: 'true' }),
      node('unlabelled', { ip: '192.168.1.30' }),
      node('opted-out', { ip: '192.168.1.31', label: 'false' }),
      node('not-ready', { ip: '192.168.1.32', label: 'true', ready: 'False' }),
      node('unknown', { ip: '192.168.1.33', label: 'true', ready: 'Unknown' }),
      node('no-internal', { label: 'true', addresses: [{ type: 'ExternalIP', address: '203.0.113.5' }, { type: 'Hostname', address: 'no-internal' }] }),
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'no-status', labels: { [LABEL]: 'true' } } },
    ]),
    ['192.168.1.10', '192.168.1.20'],
  );
  const noConditions: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'x', labels: { [LABEL]: 'true' } }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } };
  t.strictSame(ingressAddresses([noConditions]), [], 'no Ready condition is not Ready');
});

function setup(t: Test) {
  const harness = controllerHarness(t, (store) => ({ controllers: [new IngressStatusController(store, silentHubLogger)] }));
  const controller = harness.controllers[0] as IngressStatusController;
  const loadBalancer = async (name: string): Promise<unknown> => ((await harness.store.get(ingresses, 'default', name))?.status as { loadBalancer?: unknown } | undefined)?.loadBalancer;
  const resourceVersion = async (name: string): Promise<string | undefined> => (await harness.store.get(ingresses, 'default', name))?.metadata.resourceVersion;
  const updateNode = async (name: string, change: (n: KubeObject) => KubeObject): Promise<void> => {
    const current = (await harness.store.get(nodes, undefined, name))!;
    await harness.store.update(nodes, change(current));
  };
  return { ...harness, controller, loadBalancer, resourceVersion, updateNode };
}

t.test('an Ingress gets the ingress nodes\' IPs, and follows a node losing Ready or the label', async (t) => {
  const { store, controller, settle, loadBalancer, resourceVersion, updateNode } = setup(t);
  await store.create(nodes, node('pi-a', { ip: '192.168.1.20', label: 'true' }));
  await store.create(nodes, node('pi-b', { ip: '192.168.1.10', label: 'true' }));
  await store.create(nodes, node('pi-c', { ip: '192.168.1.30' }));
  await store.create(ingresses, ingress('shop'));
  await controller.resync();
  await settle();
  t.strictSame(await loadBalancer('shop'), { ingress: [{ ip: '192.168.1.10' }, { ip: '192.168.1.20' }] }, 'the Ready ingress nodes, sorted');

  await store.create(ingresses, ingress('blog'));
  await settle();
  t.strictSame(await loadBalancer('blog'), { ingress: [{ ip: '192.168.1.10' }, { ip: '192.168.1.20' }] }, 'a new Ingress gets them from a change event');

  await updateNode('pi-a', (n) => ({ ...n, status: { ...(n.status as object), conditions: [{ type: 'Ready', status: 'False' }] } }));
  await settle();
  t.strictSame(await loadBalancer('shop'), { ingress: [{ ip: '192.168.1.10' }] }, 'a node no longer Ready is dropped');
  t.strictSame(await loadBalancer('blog'), { ingress: [{ ip: '192.168.1.10' }] }, 'from every Ingress');

  await updateNode('pi-c', (n) => ({ ...n, metadata: { ...n.metadata, labels: { [LABEL]: 'true' } } }));
  await settle();
  t.strictSame(await loadBalancer('shop'), { ingress: [{ ip: '192.168.1.10' }, { ip: '192.168.1.30' }] }, 'a node newly labelled is added');

  await updateNode('pi-b', (n) => ({ ...n, metadata: { ...n.metadata, labels: { [LABEL]: 'false' } } }));
  await settle();
  t.strictSame(await loadBalancer('shop'), { ingress: [{ ip: '192.168.1.30' }] }, 'a node labelled "false" is dropped');

  await store.delete(nodes, undefined, 'pi-c');
  await settle();
  t.strictSame(await loadBalancer('shop'), {}, 'no ingress node left: an empty loadBalancer');
  t.strictSame(await loadBalancer('blog'), {});

  await updateNode('pi-a', (n) => ({ ...n, status: { ...(n.status as object), conditions: [{ type: 'Ready', status: 'True' }] } }));
  await settle();
  t.strictSame(await loadBalancer('shop'), { ingress: [{ ip: '192.168.1.20' }] }, 'a node Ready again is back');
});

t.test('nothing is written when the status is already right', async (t) => {
  const { store, controller, settle, loadBalancer, resourceVersion, updateNode } = setup(t);
  await store.create(nodes, node('pi-a', { ip: '192.168.1.10', label: 'true' }));
  await store.create(nodes, node('pi-b', { ip: '192.168.1.20' }));
  await store.create(ingresses, ingress('shop'));
  await controller.resync();
  await settle();
  t.strictSame(await loadBalancer('shop'), { ingress: [{ ip: '192.168.1.10' }] });
  const version = await resourceVersion('shop');
  const revision = await store.revision();

  await controller.resync();
  await settle();
  t.equal(await resourceVersion('shop'), version, 'a resync finding the status right writes nothing');

  await updateNode('pi-a', (n) => ({ ...n, status: { ...(n.status as object), conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2030-01-01T00:00:00Z' }] } }));
  await updateNode('pi-b', (n) => ({ ...n, status: { ...(n.status as object), addresses: [{ type: 'InternalIP', address: '192.168.1.21' }] } }));
  await settle();
  t.equal(await resourceVersion('shop'), version, 'a heartbeat, or a change to a node that does not serve Ingress, writes nothing');
  t.equal(await store.revision(), revision + 2, 'only the two node updates were written');

  const shop = (await store.get(ingresses, 'default', 'shop'))!;
  await store.update(ingresses, { ...shop, metadata: { ...shop.metadata, labels: { team: 'edge' } } });
  await settle();
  const relabelled = await resourceVersion('shop');
  t.not(relabelled, version);
  t.equal(await store.revision(), revision + 3, 'an Ingress edit is synced without a status write');
  t.strictSame(await loadBalancer('shop'), { ingress: [{ ip: '192.168.1.10' }] }, 'and its status is kept');
});

t.test('a status written by someone else is corrected', async (t) => {
  const { store, controller, settle, loadBalancer } = setup(t);
  await store.create(nodes, node('pi-a', { ip: '192.168.1.10', label: 'true' }));
  await store.create(ingresses, { ...ingress('shop'), status: { loadBalancer: { ingress: [{ ip: '10.9.9.9' }, { hostname: 'stale.example.com' }] } } });
  await controller.resync();
  await settle();
  t.strictSame(await loadBalancer('shop'), { ingress: [{ ip: '192.168.1.10' }] });

  const shop = (await store.get(ingresses, 'default', 'shop'))!;
  await store.update(ingresses, { ...shop, status: { loadBalancer: { ingress: [{ ip: '10.9.9.9' }] } } });
  await settle();
  t.strictSame(await loadBalancer('shop'), { ingress: [{ ip: '192.168.1.10' }] }, 'an Ingress change event re-syncs it');
});
