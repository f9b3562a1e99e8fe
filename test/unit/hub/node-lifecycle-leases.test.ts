/**
 * The node monitor on leases (issue #10): a node is Ready as long as the hub hears from it (a
 * lease or a status report) within the grace period, on the hub's own clock; a silent one turns
 * Unknown; one the hub marked Unknown that renews its lease is asked for its full report (at most
 * once per heartbeat interval). A real SQLite store, a fake clock.
 */
import t, { type Test } from 'tap';
import { NodeLifecycle } from '../../../hub/controllers/node-lifecycle.js';
import { NodeLeases, askForStatusReport } from '../../../hub/ingest/node-leases.js';
import type { MessageBus, MessageHandler } from '../../../hub/broker/message-bus.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { NodeStatus } from '../../../shared/api/status-types.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { decodeNodeRequest } from '../../../shared/mqtt/node-requests.js';
import { leaseTopic, requestsTopic } from '../../../shared/mqtt/topics.js';
import { controllerHarness, silentHubLogger } from './controller-harness.js';

const nodes = resolveResource('nodes')!;
const GRACE_MS = 13_000;

function readyNode(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2020-01-01T00:00:00Z', lastTransitionTime: '2020-01-01T00:00:00Z' }] },
  };
}

/** A bus that hands published messages to a list and lets the test deliver on subscribed filters. */
function fakeBus() {
  const handlers: Array<[string, MessageHandler]> = [];
  const published: Array<{ topic: string; payload: Buffer }> = [];
  const bus: MessageBus = {
    publish: async (topic, payload) => void published.push({ topic, payload: Buffer.from(payload) }),
    subscribe: async (filter, handler) => void handlers.push([filter, handler]),
    disconnectNode: () => undefined,
    close: async () => undefined,
  };
  const deliver = (topic: string): void => {
    for (const [filter, handler] of handlers) if (new RegExp(`^${filter.replace(/\+/g, '[^/]+')}$`).test(topic)) void handler(topic, Buffer.alloc(0));
  };
  return { bus, published, deliver };
}

async function setup(t: Test) {
  let nowMs = 1_000_000;
  const clock = { now: () => nowMs, advance: (ms: number) => (nowMs += ms) };
  const { bus, published, deliver } = fakeBus();
  const leases = new NodeLeases(clock.now);
  await leases.start(bus);
  const asked: string[] = [];
  let lifecycle!: NodeLifecycle;
  const harness = controllerHarness(t, (store, recorder) => {
    lifecycle = new NodeLifecycle(store, silentHubLogger, GRACE_MS, recorder, { leases, askForReport: (node) => asked.push(node), now: clock.now });
    return { controllers: [], listeners: [lifecycle] };
  });
  const ready = async (name: string): Promise<string | undefined> =>
    ((await harness.store.get(nodes, undefined, name))?.status as NodeStatus | undefined)?.conditions?.find((c) => c.type === 'Ready')?.status;
  return { ...harness, clock, leases, lifecycle, asked, deliver, published, bus, ready };
}

t.test('a node the hub keeps hearing from stays Ready; a silent one turns Unknown after the grace period', async (t) => {
  const h = await setup(t);
  await h.store.create(nodes, readyNode('alive'));
  await h.store.create(nodes, readyNode('silent'));
  await h.settle();
  for (let second = 1; second <= 20; second++) {
    h.clock.advance(1_000);
    if (second % 5 === 0) h.deliver(leaseTopic('alive'));
    await h.lifecycle.check(h.clock.now());
  }
  await h.settle();
  t.equal(await h.ready('alive'), 'True', 'leases every 5 s keep it Ready');
  t.equal(await h.ready('silent'), 'Unknown', 'no lease for 13 s: Unknown');
});

t.test('the grace period runs from when the hub first saw the node, not from its reported (skewed, old) heartbeat time', async (t) => {
  const h = await setup(t);
  await h.store.create(nodes, readyNode('old-clock'));
  await h.settle();
  h.clock.advance(GRACE_MS);
  await h.lifecycle.check(h.clock.now());
  await h.settle();
  t.equal(await h.ready('old-clock'), 'True', 'exactly the grace period: still Ready');
  h.clock.advance(1);
  await h.lifecycle.check(h.clock.now());
  await h.settle();
  t.equal(await h.ready('old-clock'), 'Unknown');
});

t.test('nodes stored before the hub started get a full grace period from the first check', async (t) => {
  const h = await setup(t);
  // Written before the lifecycle saw any change (as after a hub restart): found by the first check's load.
  h.lifecycle.onChange = () => undefined;
  await h.store.create(nodes, readyNode('restarted'));
  h.clock.advance(60_000);
  await h.lifecycle.check(h.clock.now());
  await h.settle();
  t.equal(await h.ready('restarted'), 'True', 'not Unknown at once after a restart');
});

t.test('a status report renews the lease like a lease message', async (t) => {
  const h = await setup(t);
  await h.store.create(nodes, readyNode('reporting'));
  await h.settle();
  h.clock.advance(10_000);
  h.leases.renew('reporting');
  h.clock.advance(10_000);
  await h.lifecycle.check(h.clock.now());
  await h.settle();
  t.equal(await h.ready('reporting'), 'True');
  t.equal(h.leases.renewedAt('reporting'), h.clock.now() - 10_000);
});

t.test('a node the hub marked Unknown that renews its lease is asked for its report, at most once per heartbeat interval', async (t) => {
  const h = await setup(t);
  await h.store.create(nodes, readyNode('back'));
  await h.settle();
  h.deliver(leaseTopic('back'));
  t.same(h.asked, [], 'a Ready node is not asked');
  h.clock.advance(GRACE_MS + 1);
  await h.lifecycle.check(h.clock.now());
  await h.settle();
  t.equal(await h.ready('back'), 'Unknown');
  h.deliver(leaseTopic('back'));
  h.deliver(leaseTopic('back'));
  t.same(h.asked, ['back'], 'asked once');
  h.clock.advance(DEFAULTS.heartbeatIntervalMs);
  h.deliver(leaseTopic('back'));
  t.same(h.asked, ['back', 'back'], 'asked again a heartbeat interval later');
});

t.test('a node Ready=False by its own report is not asked (it reports its own changes)', async (t) => {
  const h = await setup(t);
  const notReady = readyNode('sick');
  (notReady.status as NodeStatus).conditions![0] = { type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: '2020-01-01T00:00:00Z', lastTransitionTime: '2020-01-01T00:00:00Z' };
  await h.store.create(nodes, notReady);
  await h.settle();
  h.deliver(leaseTopic('sick'));
  t.same(h.asked, []);
});

t.test('a deleted node is forgotten', async (t) => {
  const h = await setup(t);
  await h.store.create(nodes, readyNode('gone'));
  await h.settle();
  h.deliver(leaseTopic('gone'));
  t.ok(h.leases.renewedAt('gone'));
  await h.store.delete(nodes, undefined, 'gone');
  await h.settle();
  t.equal(h.leases.renewedAt('gone'), undefined);
});

t.test('askForStatusReport publishes a report request on the node’s requests topic, QoS 0', async (t) => {
  const { bus, published } = fakeBus();
  await askForStatusReport(bus, 'pi-1');
  t.equal(published.length, 1);
  t.equal(published[0]!.topic, requestsTopic('pi-1'));
  const request = decodeNodeRequest(published[0]!.payload, published[0]!.topic);
  t.equal(request.kind, 'report');
  t.equal(request.node, 'pi-1');
});
