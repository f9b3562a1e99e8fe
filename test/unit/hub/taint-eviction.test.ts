/**
 * The taint eviction controller on a real SQLite store: Pods that do not tolerate a node's
 * NoExecute taint are evicted (gracefully deleted, TaintManagerEviction recorded); a Pod that
 * tolerates it for a while goes when its time is up; heartbeats of a tainted node do not make it
 * look at the node's Pods again (fleet scale), and Pods of untainted nodes are never looked at.
 */
import t, { type Test } from 'tap';
import { TaintEviction } from '../../../hub/controllers/taint-eviction.js';
import { mutate } from '../../../hub/objects/mutate.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { controllerHarness, silentHubLogger } from './controller-harness.js';
import { node, pod } from './fixtures.js';

const nodes = resolveResource('nodes')!;
const pods = resolveResource('pods')!;
const NOW = Date.parse('2030-01-01T00:10:00Z');
const TAINTED_AT = '2030-01-01T00:00:00Z';

async function harness(t: Test) {
  let controller!: TaintEviction;
  const { store, recorder } = controllerHarness(t, (store, recorder) => {
    controller = new TaintEviction(store, silentHubLogger, recorder, () => NOW);
    return { controllers: [controller] };
  });
  const syncs: string[] = [];
  const spied = controller as unknown as { sync(k: string): Promise<void> };
  const original = spied.sync.bind(controller);
  spied.sync = async (k: string) => {
    syncs.push(k);
    await original(k);
  };
  await controller.resync();
  return { store, controller, syncs, recorder };
}

const tolerating = (name: string, seconds: number): KubeObject => {
  const p = pod(name, { nodeName: 'lost' });
  (p.spec as Record<string, unknown>).tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }];
  return p;
};

t.test('intolerant and expired Pods are evicted; heartbeats do not resync a tainted node', async (t) => {
  const { store, controller, syncs, recorder } = await harness(t);
  await store.create(nodes, node('calm'));
  await store.create(nodes, node('lost'));
  await store.create(pods, pod('elsewhere', { nodeName: 'calm' }));
  await store.create(pods, pod('intolerant', { nodeName: 'lost' }));
  await store.create(pods, tolerating('expired', 300));
  await store.create(pods, tolerating('patient', 3600));
  await controller.idle();
  t.same(syncs, [], 'no NoExecute taint anywhere: nothing to look at');

  await mutate(store, nodes, undefined, 'lost', (n) => ({ ...n, spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: TAINTED_AT }] } }));
  await controller.idle();
  t.same(syncs, ['lost']);
  const left = async (name: string) => (await store.get(pods, 'default', name))?.metadata.deletionTimestamp;
  t.ok(await left('intolerant'), 'not tolerated: evicted');
  t.ok(await left('expired'), '300 s since the taint: evicted');
  t.notOk(await left('patient'), 'an hour of tolerance: stays for now');
  t.notOk(await left('elsewhere'));

  syncs.length = 0;
  await mutate(store, nodes, undefined, 'lost', (n) => ({ ...n, status: { conditions: [{ type: 'Ready', status: 'Unknown', lastHeartbeatTime: 'later' }] } }));
  await mutate(store, nodes, undefined, 'calm', (n) => ({ ...n, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'later' }] } }));
  await store.create(pods, pod('new-on-calm', { nodeName: 'calm' }));
  await controller.idle();
  t.same(syncs, [], 'status-only Node changes and Pods of untainted nodes queue nothing');

  await store.create(pods, pod('new-on-lost', { nodeName: 'lost' }));
  await controller.idle();
  t.same(syncs, ['lost'], 'a Pod bound to a tainted node is looked at');
  t.ok(await left('new-on-lost'));
  await recorder.flush();
  const events = (await store.list(resolveResource('events')!)).map((e) => (e as unknown as { reason: string; message: string }).message).sort();
  t.same(events, ['Marking for deletion Pod default/expired', 'Marking for deletion Pod default/intolerant', 'Marking for deletion Pod default/new-on-lost']);
});
