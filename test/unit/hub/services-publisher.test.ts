/**
 * ServicesPublisher (issue #8) on a real SQLite store in a temporary directory, fed by the store's
 * change events as hub/server/run.ts feeds it, publishing on a fake MessageBus that records every
 * publish: once at start, again only when the view changes (a Service, an Endpoints, a relay
 * address; not a heartbeat), with a generation that keeps increasing across publishers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { MessageBus, PublishOptions } from '../../../hub/broker/message-bus.js';
import { observeSyncs } from '../../../hub/controllers/work-queue.js';
import { ServicesPublisher } from '../../../hub/dispatch/services-publisher.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { decodeServicesView, type ServicesView } from '../../../shared/mqtt/services-view.js';
import { FLEET_SERVICES_TOPIC } from '../../../shared/mqtt/topics.js';
import { silentHubLogger as logger } from './controller-harness.js';

const services = resolveResource('services')!;
const endpoints = resolveResource('endpoints')!;
const nodes = resolveResource('nodes')!;

const TOKEN = 'relay-token-0123456789abcdef';
const CIDR = '10.43.0.0/16';

interface Published {
  topic: string;
  payload: Buffer;
  options: PublishOptions;
}

/** A MessageBus that records what the hub publishes. */
class RecordingBus implements MessageBus {
  readonly published: Published[] = [];
  async publish(topic: string, payload: Buffer | string, options: PublishOptions): Promise<void> {
    this.published.push({ topic, payload: Buffer.from(payload), options });
  }
  async subscribe(): Promise<void> {}
  disconnectNode(): void {}
  async close(): Promise<void> {}

  views(): ServicesView[] {
    return this.published.map((p) => decodeServicesView(p.payload, p.topic));
  }

  last(): ServicesView {
    const views = this.views();
    return views[views.length - 1]!;
  }
}

interface Hub {
  store: SqliteStore;
  bus: RecordingBus;
  publisher: ServicesPublisher;
  /** How many times the publisher's sync ran (published or not). */
  syncs(): number;
  settle(): Promise<void>;
  /** Stops this publisher and closes the store, keeping the database file. */
  shutdown(): Promise<void>;
}

/** A store in `dir` (a new temporary one unless given) with a publisher on it, started as run.ts starts it. */
async function startHub(t: Test, options: { dir?: string; token?: string } = {}): Promise<Hub & { dir: string }> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'skiff-services-publisher-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  const bus = new RecordingBus();
  const publisher = new ServicesPublisher(store, bus, logger, options.token ?? TOKEN, CIDR);
  let syncs = 0;
  const unobserve = observeSyncs((o) => {
    if (o.queue === publisher.name) syncs++;
  });
  const unsubscribe = store.onChange((change) => publisher.onChange(change));
  let down = false;
  const shutdown = async (): Promise<void> => {
    if (down) return;
    down = true;
    unsubscribe();
    unobserve();
    await publisher.stop();
    await store.close();
  };
  t.teardown(shutdown);
  if (options.dir === undefined) t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await publisher.resync();
  await publisher.idle();
  return { dir, store, bus, publisher, syncs: () => syncs, settle: () => publisher.idle(), shutdown };
}

function service(name: string, port = 80): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { clusterIP: '10.43.0.20', ports: [{ port, protocol: 'TCP', targetPort: 8080 }] },
  };
}

function endpointsOf(name: string, ip: string, nodeName: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'default' }, subsets: [{ addresses: [{ ip, nodeName }], ports: [{ port: 8080 }] }] } as KubeObject;
}

function node(name: string, internalIP: string, relayPort: number, ready = 'True'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: ready, lastHeartbeatTime: new Date().toISOString() }],
      addresses: [{ type: 'InternalIP', address: internalIP }],
      daemonEndpoints: { kubeletEndpoint: { Port: relayPort } },
    },
  };
}

async function updateNode(store: SqliteStore, name: string, change: (n: KubeObject) => KubeObject): Promise<void> {
  const current = (await store.get(nodes, undefined, name))!;
  await store.update(nodes, change(current));
}

t.test('publishes the view once at start, retained at QoS 1, and not again when nothing changed', async (t) => {
  const hub = await startHub(t);
  t.equal(hub.bus.published.length, 1, 'one publish at start');
  const [first] = hub.bus.published;
  t.equal(first!.topic, FLEET_SERVICES_TOPIC);
  t.strictSame(first!.options, { qos: 1, retain: true });
  const view = hub.bus.last();
  t.equal(view.generation, 1);
  t.equal(view.relayToken, TOKEN, 'the token rides in the view');
  t.equal(view.serviceCidr, CIDR);
  t.strictSame(view.services, []);

  await hub.publisher.resync();
  await hub.settle();
  t.equal(hub.syncs(), 2, 'the resync ran a sync');
  t.equal(hub.bus.published.length, 1, 'which published nothing: the view is unchanged');
});

t.test('a Service or Endpoints change publishes again with generation + 1; a change the view does not show does not', async (t) => {
  const hub = await startHub(t);
  await hub.store.create(services, service('web'));
  await hub.settle();
  t.equal(hub.bus.published.length, 2);
  t.equal(hub.bus.last().generation, 2);
  t.strictSame(hub.bus.last().services.map((s) => s.name), ['web']);

  await hub.store.create(endpoints, endpointsOf('web', '172.17.0.2', 'pi-1'));
  await hub.settle();
  t.equal(hub.bus.published.length, 3);
  t.equal(hub.bus.last().generation, 3);
  t.strictSame(hub.bus.last().services[0]!.ports[0]!.endpoints, [{ ip: '172.17.0.2', port: 8080, node: 'pi-1' }]);

  const web = (await hub.store.get(services, 'default', 'web'))!;
  await hub.store.update(services, { ...web, metadata: { ...web.metadata, labels: { team: 'edge' } } });
  await hub.settle();
  t.equal(hub.bus.published.length, 3, 'a label is not in the view: nothing published');

  const labelled = (await hub.store.get(services, 'default', 'web'))!;
  await hub.store.update(services, { ...labelled, spec: { ...(labelled.spec as object), ports: [{ port: 81, protocol: 'TCP', targetPort: 8080 }] } });
  await hub.settle();
  t.equal(hub.bus.last().generation, 4, 'a port change is');
  t.equal(hub.bus.last().services[0]!.ports[0]!.port, 81);

  await hub.store.delete(services, 'default', 'web');
  await hub.settle();
  t.equal(hub.bus.last().generation, 5, 'so is a deletion');
  t.strictSame(hub.bus.last().services, []);
});

t.test("a heartbeat enqueues nothing; a change of a node's relay address republishes", async (t) => {
  const hub = await startHub(t);
  await hub.store.create(services, service('web'));
  await hub.store.create(endpoints, endpointsOf('web', '172.17.0.2', 'pi-1'));
  await hub.store.create(nodes, node('pi-1', '192.168.1.10', 10250));
  await hub.settle();
  t.strictSame(hub.bus.last().relays, { 'pi-1': { host: '192.168.1.10', port: 10250 } }, 'a new node reporting its relay is listed');
  const generation = hub.bus.last().generation;
  const published = hub.bus.published.length;
  const syncs = hub.syncs();

  await updateNode(hub.store, 'pi-1', (n) => ({ ...n, status: { ...(n.status as object), conditions: [{ type: 'Ready', status: 'False', lastHeartbeatTime: '2030-01-01T00:00:00Z' }] } }));
  await hub.settle();
  t.equal(hub.syncs(), syncs, 'a heartbeat that changes only conditions does not even run a sync');
  t.equal(hub.bus.published.length, published, 'nor publish');

  await updateNode(hub.store, 'pi-1', (n) => ({ ...n, status: { ...(n.status as object), addresses: [{ type: 'InternalIP', address: '192.168.1.11' }] } }));
  await hub.settle();
  t.equal(hub.bus.last().generation, generation + 1, 'a new InternalIP publishes');
  t.strictSame(hub.bus.last().relays, { 'pi-1': { host: '192.168.1.11', port: 10250 } });

  await updateNode(hub.store, 'pi-1', (n) => ({ ...n, status: { ...(n.status as object), daemonEndpoints: { kubeletEndpoint: { Port: 10251 } } } }));
  await hub.settle();
  t.equal(hub.bus.last().generation, generation + 2, 'a new relay port publishes');
  t.strictSame(hub.bus.last().relays, { 'pi-1': { host: '192.168.1.11', port: 10251 } });
  await hub.store.delete(nodes, undefined, 'pi-1');
  await hub.settle();
  t.equal(hub.bus.last().generation, generation + 3, 'deleting the node publishes');
  t.strictSame(hub.bus.last().relays, {}, 'without its relay');
});

t.test('the generation survives a new publisher on the same store, which publishes at its start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-services-publisher-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const before = await startHub(t, { dir });
  await before.store.create(services, service('web'));
  await before.settle();
  t.equal(before.bus.last().generation, 2);
  await before.shutdown();

  const after = await startHub(t, { dir });
  t.equal(after.bus.published.length, 1, 'a new hub process publishes at start (retained state is per broker run)');
  t.equal(after.bus.last().generation, 2, 'under the same generation: the content did not change');
  t.strictSame(after.bus.last().services.map((s) => s.name), ['web']);

  await after.store.create(services, service('api'));
  await after.settle();
  t.equal(after.bus.last().generation, 3, 'and counts on from there');
  await after.shutdown();

  const rotated = await startHub(t, { dir, token: 'another-relay-token-000000' });
  t.equal(rotated.bus.last().generation, 4, 'a different relay token is a new view');
  t.equal(rotated.bus.last().relayToken, 'another-relay-token-000000');
});
