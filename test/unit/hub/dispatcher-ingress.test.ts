/**
 * The Dispatcher and Ingress: a node labelled DEFAULTS.ingress.nodeLabel gets `ingress: true` and
 * the TLS Secrets the Ingresses name in its desired state's config; any other node gets neither
 * (node isolation: a TLS key goes only where it is served). A real SQLite store, a fake message
 * bus that records what is published.
 */
import t, { type Test } from 'tap';
import type { MessageBus, PublishOptions } from '../../../hub/broker/message-bus.js';
import { Dispatcher } from '../../../hub/dispatch/dispatcher.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { PodSpec } from '../../../shared/api/schema/pod.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { decodeDesiredState, type DesiredState } from '../../../shared/mqtt/messages.js';
import { desiredTopic } from '../../../shared/mqtt/topics.js';
import { controllerHarness, silentHubLogger } from './controller-harness.js';
import { node, pod } from './fixtures.js';

const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;
const secrets = resolveResource('secrets')!;
const ingresses = resolveResource('ingresses')!;
const LABEL = DEFAULTS.ingress.nodeLabel;

/** Records every publish; `last(node)` is the state the node would hold (the retained message). */
class RecordingBus implements MessageBus {
  readonly published: Array<{ topic: string; state: DesiredState; options: PublishOptions }> = [];
  async publish(topic: string, payload: Buffer | string, options: PublishOptions): Promise<void> {
    this.published.push({ topic, state: decodeDesiredState(payload, topic), options });
  }
  async subscribe(): Promise<void> {}
  disconnectNode(): void {}
  async close(): Promise<void> {}
  count(nodeName: string): number {
    return this.published.filter((p) => p.topic === desiredTopic(nodeName)).length;
  }
  last(nodeName: string): DesiredState | undefined {
    return this.published.filter((p) => p.topic === desiredTopic(nodeName)).at(-1)?.state;
  }
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const CERT = b64('-----BEGIN CERTIFICATE-----\nshop\n-----END CERTIFICATE-----\n');
const KEY = b64('-----BEGIN PRIVATE KEY-----\nshop\n-----END PRIVATE KEY-----\n');

const tlsSecret = (name: string, cert = CERT, key = KEY): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': cert, 'tls.key': key } }) as KubeObject;
const opaqueSecret = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'Opaque', data: { token: b64(name) } }) as KubeObject;

function ingress(name: string, secretNames: string[]): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: {
      tls: secretNames.map((secretName) => ({ hosts: [`${name}.example.com`], secretName })),
      rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] } }],
    },
  };
}

/** A Pod on `nodeName` taking its environment from a Secret. */
function secretConsumer(name: string, nodeName: string, secret: string): KubeObject {
  const base = pod(name, { nodeName });
  return { ...base, spec: { ...(base.spec as PodSpec), containers: [{ name: 'c', image: 'i', envFrom: [{ secretRef: { name: secret } }] }] } };
}

function setup(t: Test) {
  const bus = new RecordingBus();
  const harness = controllerHarness(t, (store) => ({ controllers: [new Dispatcher(store, bus, silentHubLogger)] }));
  const dispatcher = harness.controllers[0] as Dispatcher;
  const relabel = async (name: string, labels: Record<string, string> | undefined): Promise<void> => {
    const current = (await harness.store.get(nodes, undefined, name))!;
    const { labels: _old, ...metadata } = current.metadata;
    await harness.store.update(nodes, { ...current, metadata: { ...metadata, ...(labels ? { labels } : {}) } });
  };
  return { ...harness, bus, dispatcher, relabel };
}

const configNames = (state: DesiredState | undefined): string[] => (state?.config ?? []).map((o) => `${o.kind}/${o.namespace}/${o.name}`);

t.test('an ingress node gets `ingress: true` and the Ingresses\' TLS Secrets; another node neither', async (t) => {
  const { store, bus, dispatcher, settle } = setup(t);
  await store.create(nodes, node('pi-in', { labels: { [LABEL]: 'true' } }));
  await store.create(nodes, node('pi-out'));
  await store.create(nodes, node('pi-off', { labels: { [LABEL]: 'false' } }));
  await store.create(secrets, tlsSecret('shop-tls'));
  await store.create(secrets, opaqueSecret('creds'));
  await store.create(ingresses, ingress('shop', ['shop-tls', 'missing-tls']));
  await store.create(pods, secretConsumer('api', 'pi-in', 'creds'));
  await dispatcher.resync();
  await settle();

  const served = bus.last('pi-in');
  t.equal(served?.ingress, true, 'the labelled node serves Ingress');
  t.strictSame(configNames(served), ['Secret/default/creds', 'Secret/default/shop-tls'], "its Pods' Secret and the TLS Secret, sorted; a missing one left out");
  t.strictSame(served?.config?.[1], { kind: 'Secret', namespace: 'default', name: 'shop-tls', type: 'kubernetes.io/tls', data: { 'tls.crt': CERT, 'tls.key': KEY } });
  for (const other of ['pi-out', 'pi-off']) {
    const state = bus.last(other);
    t.ok(state, `${other} got a desired state`);
    t.equal(state?.ingress, undefined, `${other} does not serve Ingress`);
    t.strictSame(state?.config, undefined, `${other} gets no TLS Secret`);
  }
});

t.test('a TLS Secret change republishes to the ingress nodes only; an unrelated Secret to none', async (t) => {
  const { store, bus, dispatcher, settle } = setup(t);
  await store.create(nodes, node('pi-in', { labels: { [LABEL]: '' } }));
  await store.create(nodes, node('pi-out'));
  await store.create(secrets, tlsSecret('shop-tls'));
  await store.create(ingresses, ingress('shop', ['shop-tls']));
  await dispatcher.resync();
  await settle();
  t.equal(bus.last('pi-in')?.ingress, true, 'an empty label value serves Ingress');
  const counts = () => [bus.count('pi-in'), bus.count('pi-out')];
  const before = counts();
  const generation = bus.last('pi-in')!.generation;

  const NEW_CERT = b64('renewed certificate');
  const stored = (await store.get(secrets, 'default', 'shop-tls'))!;
  await store.update(secrets, { ...stored, data: { 'tls.crt': NEW_CERT, 'tls.key': KEY } } as KubeObject);
  await settle();
  t.strictSame(counts(), [before[0]! + 1, before[1]], 'the ingress node is republished, the other is not');
  t.equal(bus.last('pi-in')!.generation, generation + 1);
  t.equal(bus.last('pi-in')!.config?.[0]?.data['tls.crt'], NEW_CERT, 'with the new certificate');

  await store.create(secrets, opaqueSecret('unrelated'));
  await settle();
  t.strictSame(counts(), [before[0]! + 1, before[1]], 'a Secret no Ingress names republishes nothing');

  const current = (await store.get(nodes, undefined, 'pi-in'))!;
  await store.update(nodes, { ...current, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2030-01-01T00:00:00Z' }] } });
  await settle();
  t.strictSame(counts(), [before[0]! + 1, before[1]], 'a heartbeat of an ingress node republishes nothing');
});

t.test('Ingress changes add and withdraw TLS Secrets on the ingress nodes', async (t) => {
  const { store, bus, dispatcher, settle } = setup(t);
  await store.create(nodes, node('pi-in', { labels: { [LABEL]: 'true' } }));
  await store.create(nodes, node('pi-out'));
  await store.create(secrets, tlsSecret('shop-tls'));
  await store.create(secrets, tlsSecret('blog-tls'));
  await dispatcher.resync();
  await settle();
  t.equal(bus.last('pi-in')?.ingress, true, 'serves Ingress before any Ingress exists');
  t.strictSame(configNames(bus.last('pi-in')), [], 'and gets no Secret: none is named');
  const outCount = bus.count('pi-out');

  await store.create(ingresses, ingress('shop', ['shop-tls']));
  await settle();
  t.strictSame(configNames(bus.last('pi-in')), ['Secret/default/shop-tls'], 'a new Ingress brings its Secret');

  const shop = (await store.get(ingresses, 'default', 'shop'))!;
  await store.update(ingresses, { ...shop, spec: ingress('shop', ['blog-tls']).spec });
  await settle();
  t.strictSame(configNames(bus.last('pi-in')), ['Secret/default/blog-tls'], 'an Ingress naming another Secret swaps it');

  await store.delete(ingresses, 'default', 'shop');
  await settle();
  t.strictSame(configNames(bus.last('pi-in')), [], 'a deleted Ingress withdraws it');
  t.equal(bus.last('pi-in')?.ingress, true, 'the node still serves Ingress');
  t.equal(bus.count('pi-out'), outCount, 'the other node was never republished');
});

t.test('labelling a node gives it both; removing the label takes both away', async (t) => {
  const { store, bus, dispatcher, settle, relabel } = setup(t);
  await store.create(nodes, node('pi-a', { labels: { zone: 'edge' } }));
  await store.create(secrets, tlsSecret('shop-tls'));
  await store.create(secrets, opaqueSecret('creds'));
  await store.create(ingresses, ingress('shop', ['shop-tls']));
  await store.create(pods, secretConsumer('api', 'pi-a', 'creds'));
  await dispatcher.resync();
  await settle();
  t.equal(bus.last('pi-a')?.ingress, undefined);
  t.strictSame(configNames(bus.last('pi-a')), ['Secret/default/creds']);
  const generation = bus.last('pi-a')!.generation;

  await relabel('pi-a', { zone: 'edge', [LABEL]: 'true' });
  await settle();
  t.equal(bus.last('pi-a')?.ingress, true, 'labelled: serves Ingress');
  t.strictSame(configNames(bus.last('pi-a')), ['Secret/default/creds', 'Secret/default/shop-tls'], 'and gets the TLS Secret');
  t.equal(bus.last('pi-a')!.generation, generation + 1);

  await relabel('pi-a', { zone: 'edge', [LABEL]: 'false' });
  await settle();
  t.equal(bus.last('pi-a')?.ingress, undefined, 'labelled "false": no longer serves');
  t.strictSame(configNames(bus.last('pi-a')), ['Secret/default/creds'], 'and the TLS Secret is withdrawn, its own Secret kept');
  t.equal(bus.last('pi-a')!.generation, generation + 2);

  await relabel('pi-a', { [LABEL]: 'true' });
  await settle();
  t.equal(bus.last('pi-a')?.ingress, true);
  await relabel('pi-a', undefined);
  await settle();
  t.equal(bus.last('pi-a')?.ingress, undefined, 'the label removed: no longer serves');
  t.strictSame(configNames(bus.last('pi-a')), ['Secret/default/creds'], 'and the TLS Secret is withdrawn');
  const count = bus.count('pi-a');

  const stored = (await store.get(secrets, 'default', 'shop-tls'))!;
  await store.update(secrets, { ...stored, data: { 'tls.crt': b64('renewed'), 'tls.key': KEY } } as KubeObject);
  await settle();
  t.equal(bus.count('pi-a'), count, 'a TLS Secret change no longer reaches it');
});
