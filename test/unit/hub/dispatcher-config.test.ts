/**
 * The Dispatcher sends each node the ConfigMaps and Secrets its Pods refer to, and re-sends a
 * node's state when one of those changes (and only that node's): a real SQLite store, a fake
 * message bus that records what is published.
 */
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { Dispatcher } from '../../../hub/dispatch/dispatcher.js';
import type { MessageBus, PublishOptions } from '../../../hub/broker/message-bus.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { PodSpec } from '../../../shared/api/schema/pod.js';
import { decodeDesiredState, type DesiredState } from '../../../shared/mqtt/messages.js';
import { desiredTopic } from '../../../shared/mqtt/topics.js';
import { controllerHarness } from './controller-harness.js';
import { node, pod } from './fixtures.js';

const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;
const configMaps = resolveResource('configmaps')!;
const secrets = resolveResource('secrets')!;

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

const PASSWORD = 'correct-horse-battery-staple';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A Pod on `nodeName` consuming ConfigMaps through a volume and env, Secrets through envFrom and imagePullSecrets. */
function consumer(name: string, nodeName: string, refs: { configMaps?: string[]; secrets?: string[]; pullSecret?: string }): KubeObject {
  const base = pod(name, { nodeName });
  const [firstCm, ...otherCms] = refs.configMaps ?? [];
  const spec: PodSpec = {
    ...(base.spec as PodSpec),
    containers: [
      {
        name: 'c',
        image: 'i',
        env: otherCms.map((cm, i) => ({ name: `V${i}`, valueFrom: { configMapKeyRef: { name: cm, key: 'k', optional: true } } })),
        envFrom: (refs.secrets ?? []).map((s) => ({ secretRef: { name: s } })),
        ...(firstCm ? { volumeMounts: [{ name: 'conf', mountPath: '/etc/conf' }] } : {}),
      },
    ],
    ...(firstCm ? { volumes: [{ name: 'conf', configMap: { name: firstCm } }] } : {}),
    ...(refs.pullSecret ? { imagePullSecrets: [{ name: refs.pullSecret }] } : {}),
  };
  return { ...base, spec };
}

const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data }) as KubeObject;
const secret = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'Opaque', data }) as KubeObject;

function setup(t: Test) {
  const bus = new RecordingBus();
  const logLines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  const harness = controllerHarness(t, (store) => ({ controllers: [new Dispatcher(store, bus, logger)] }));
  const dispatcher = harness.controllers[0] as Dispatcher;
  return { ...harness, bus, logLines, dispatcher };
}

const configNames = (state: DesiredState | undefined): string[] => (state?.config ?? []).map((o) => `${o.kind}/${o.name}`);

t.test('each node gets its own Pods\' objects, existing ones only, and follows their changes', async (t) => {
  const { store, bus, logLines, dispatcher, settle } = setup(t);
  await store.create(nodes, node('pi-a'));
  await store.create(nodes, node('pi-b'));
  await store.create(configMaps, configMap('settings', { level: 'info' }));
  await store.create(configMaps, configMap('b-only', { x: '1' }));
  await store.create(secrets, secret('creds', { password: b64(PASSWORD) }));
  await store.create(secrets, secret('b-creds', { token: b64('b-token') }));
  await store.create(pods, consumer('a1', 'pi-a', { configMaps: ['settings', 'not-yet'], secrets: ['creds'] }));
  await store.create(pods, consumer('b1', 'pi-b', { configMaps: ['b-only'], pullSecret: 'b-creds' }));
  await dispatcher.resync();
  await settle();

  const a = bus.last('pi-a');
  t.same(configNames(a), ['ConfigMap/settings', 'Secret/creds'], 'pi-a: its objects; the missing one is absent');
  t.same(a?.config?.[0], { kind: 'ConfigMap', namespace: 'default', name: 'settings', data: { level: b64('info') } });
  t.same(a?.config?.[1], { kind: 'Secret', namespace: 'default', name: 'creds', type: 'Opaque', data: { password: b64(PASSWORD) } });
  t.same(configNames(bus.last('pi-b')), ['ConfigMap/b-only', 'Secret/b-creds'], 'pi-b: only its own objects');
  t.same(bus.published.at(-1)?.options, { qos: 1, retain: true });

  const counts = () => [bus.count('pi-a'), bus.count('pi-b')];
  const before = counts();
  const generation = bus.last('pi-a')!.generation;

  const stored = (await store.get(configMaps, 'default', 'settings'))!;
  await store.update(configMaps, { ...stored, data: { level: 'debug' } } as KubeObject);
  await settle();
  t.same(counts(), [before[0]! + 1, before[1]], 'a ConfigMap edit republishes the nodes that use it, and no other');
  t.equal(bus.last('pi-a')!.generation, generation + 1);
  t.same(bus.last('pi-a')!.config?.[0]?.data, { level: b64('debug') });

  const relabelled = (await store.get(configMaps, 'default', 'settings'))!;
  await store.update(configMaps, { ...relabelled, metadata: { ...relabelled.metadata, labels: { team: 'edge' } } });
  await settle();
  t.same(counts(), [before[0]! + 1, before[1]], 'a change the node is not sent republishes nothing');

  await store.create(configMaps, configMap('not-yet', { k: 'v' }));
  await settle();
  t.same(configNames(bus.last('pi-a')), ['ConfigMap/not-yet', 'ConfigMap/settings', 'Secret/creds'], 'a referenced object created later is delivered');

  const creds = (await store.get(secrets, 'default', 'creds'))!;
  await store.update(secrets, { ...creds, data: { password: b64('new-password') } } as KubeObject);
  await settle();
  t.same(bus.last('pi-a')!.config?.[2]?.data, { password: b64('new-password') }, 'a Secret edit is delivered');

  await store.delete(configMaps, 'default', 'settings');
  await settle();
  t.same(configNames(bus.last('pi-a')), ['ConfigMap/not-yet', 'Secret/creds'], 'a deleted object is withdrawn');

  await store.create(configMaps, configMap('unused', { k: 'v' }));
  await settle();
  t.same(counts(), [before[0]! + 4, before[1]], 'an object no Pod uses republishes nothing');

  const logs = logLines.join('');
  t.match(logs, /published desired state/);
  for (const value of [PASSWORD, b64(PASSWORD), 'new-password', b64('new-password')]) t.notOk(logs.includes(value), 'no secret value in the logs');
});

t.test('a Pod that stops referring to an object, or moves, takes the object with it', async (t) => {
  const { store, bus, dispatcher, settle } = setup(t);
  await store.create(nodes, node('pi-a'));
  await store.create(nodes, node('pi-b'));
  await store.create(configMaps, configMap('settings', { level: 'info' }));
  const created = await store.create(pods, consumer('a1', 'pi-a', { configMaps: ['settings'] }));
  await dispatcher.resync();
  await settle();
  t.same(configNames(bus.last('pi-a')), ['ConfigMap/settings']);

  await store.delete(pods, 'default', 'a1');
  await store.create(pods, { ...consumer('a1', 'pi-b', { configMaps: ['settings'] }), metadata: { ...created.metadata, resourceVersion: undefined, uid: undefined } } as KubeObject);
  await settle();
  t.same(configNames(bus.last('pi-a')), [], 'the old node no longer gets it');
  t.equal(bus.last('pi-a')?.config, undefined, 'config is absent when empty');
  t.same(configNames(bus.last('pi-b')), ['ConfigMap/settings'], 'the new node does');

  const countA = bus.count('pi-a');
  const stored = (await store.get(configMaps, 'default', 'settings'))!;
  await store.update(configMaps, { ...stored, data: { level: 'debug' } } as KubeObject);
  await settle();
  t.equal(bus.count('pi-a'), countA, 'an edit no longer concerns the old node');
  t.same(bus.last('pi-b')!.config?.[0]?.data, { level: b64('debug') });

  const moved = (await store.get(pods, 'default', 'a1'))!;
  await store.update(pods, { ...moved, spec: { ...(moved.spec as PodSpec), volumes: [], containers: [{ name: 'c', image: 'i' }] } });
  await settle();
  t.equal(bus.last('pi-b')?.config, undefined, 'no reference left: no config');
  const countB = bus.count('pi-b');
  await store.update(configMaps, { ...(await store.get(configMaps, 'default', 'settings'))!, data: { level: 'warn' } } as KubeObject);
  await settle();
  t.equal(bus.count('pi-b'), countB, 'and its edits no longer republish');
});
