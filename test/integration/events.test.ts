/**
 * Events on a real cluster: what the controllers record when a Deployment is applied, what a
 * node reports over MQTT (folded, and refused about another node's Pods), and retention.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import t from 'tap';
import { runHub } from '../../hub/server/run.js';
import type { Event } from '../../shared/api/schema/event.js';
import type { JoinResponse } from '../../shared/join.js';
import { createLogger } from '../../shared/log.js';
import { MESSAGE_SCHEMA, encode, type NodeEvent } from '../../shared/mqtt/messages.js';
import { agentClientId, eventsTopic } from '../../shared/mqtt/topics.js';
import { TestCluster, trustingFetch } from '../helpers/cluster.js';
import { webDeployment } from '../helpers/manifests.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

interface EventList {
  items: Event[];
}

/** Events of the default namespace matching a field selector, through the API. */
function eventsWhere(api: (path: string) => Promise<EventList>, fieldSelector: string): Promise<Event[]> {
  return api(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(fieldSelector)}`).then((list) => list.items);
}

t.test('events on a real cluster', async (t) => {
  // Plain ports: a test below drives the broker with a raw MQTT client, as a node would.
  const cluster = await TestCluster.start(t, { plain: true });
  const node = await cluster.startAgent('a');
  const api = (path: string) => cluster.api<EventList>(path);

  const apply = await cluster.skiff(['apply', '-f', '-'], { input: webDeployment('web', {}, { replicas: 2 }) });
  t.equal(apply.code, 0, apply.stderr);
  const pods = await waitFor('2 web pods running', async () => {
    const list = await listPods(cluster, 'app=web');
    return list.length === 2 && list.every(isRunningAndReady) ? list : undefined;
  });
  const replicaSet = pods[0]!.metadata.ownerReferences![0]!.name;

  await t.test('applying a Deployment records ScalingReplicaSet, SuccessfulCreate and Scheduled, shown by `skiff get events`', async (t) => {
    const out = await waitFor('the events of the rollout', async () => {
      const result = await cluster.skiff(['get', 'events']);
      return pods.every((p) => result.stdout.includes(`Successfully assigned default/${p.metadata.name} to ${node}`)) ? result : undefined;
    });
    t.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    t.match(lines[0], /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    t.ok(lines.some((l) => new RegExp(`^\\d+s\\s+Normal\\s+ScalingReplicaSet\\s+deployment/web\\s+Scaled up replica set ${replicaSet} from 0 to 2$`).test(l)), 'ScalingReplicaSet on deployment/web');
    for (const pod of pods) {
      const name = pod.metadata.name!;
      t.ok(lines.some((l) => new RegExp(`^\\d+s\\s+Normal\\s+SuccessfulCreate\\s+replicaset/${replicaSet}\\s+Created pod: ${name}$`).test(l)), `SuccessfulCreate for ${name}`);
      t.ok(lines.some((l) => new RegExp(`^\\d+s\\s+Normal\\s+Scheduled\\s+pod/${name}\\s+Successfully assigned default/${name} to ${node}$`).test(l)), `Scheduled for ${name}`);
    }

    const wide = await cluster.skiff(['get', 'events', '-o', 'wide']);
    t.match(wide.stdout.split('\n')[0], /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME$/);
    t.match(wide.stdout, new RegExp(`Scheduled\\s+pod/${pods[0]!.metadata.name}\\s+default-scheduler\\s+Successfully assigned .*\\s+1\\s+${pods[0]!.metadata.name}\\.[0-9a-f]{16}\\n`));
  });

  await t.test('an object Events are found by field selector, as kubectl describe finds them', async (t) => {
    const pod = pods[0]!;
    const selector = `involvedObject.name=${pod.metadata.name},involvedObject.namespace=default,involvedObject.uid=${pod.metadata.uid}`;
    const found = await eventsWhere(api, selector);
    t.ok(found.length >= 1);
    t.ok(found.every((e) => e.involvedObject.uid === pod.metadata.uid), 'only that pod');
    t.match(
      found.find((e) => e.reason === 'Scheduled'),
      { type: 'Normal', count: 1, source: { component: 'default-scheduler' }, involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: pod.metadata.name } },
    );
  });

  await t.test('a node records events about its own pods; repeats fold; events about another node pods are dropped', async (t) => {
    // A second node, joined through the API as an agent would, with a Pod bound to it.
    const fakeNode = cluster.nodeName('fake');
    const joined = (await (
      await cluster.anonymousFetch('/skiff/v1/join', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: cluster.joinToken, nodeName: fakeNode }) })
    ).json()) as JoinResponse;
    const bare = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: on-fake\nspec:\n  nodeName: ${fakeNode}\n  containers:\n  - name: web\n    image: skiff-test/web:1\n`;
    const created = await cluster.skiff(['apply', '-f', '-'], { input: bare });
    t.equal(created.code, 0, created.stderr);
    const own = await cluster.getJson<PodView>(['get', 'pod', 'on-fake']);

    const client: MqttClient = await connectAsync(`mqtt://127.0.0.1:${joined.mqttPort}`, { username: joined.username, password: joined.password, clientId: agentClientId(fakeNode), reconnectPeriod: 0 });
    t.teardown(() => client.endAsync());
    const report = (events: NodeEvent[]) => client.publishAsync(eventsTopic(fakeNode), encode({ schema: MESSAGE_SCHEMA, node: fakeNode, events }), { qos: 1 });
    const pulled = (pod: PodView, message: string): NodeEvent => ({
      involvedObject: { kind: 'Pod', namespace: 'default', name: pod.metadata.name!, uid: pod.metadata.uid!, fieldPath: 'spec.containers{web}' },
      type: 'Normal',
      reason: 'Pulled',
      message,
      timestamp: new Date().toISOString(),
    });
    const ownMessage = `Container image "skiff-test/web:1" already present on machine (${cluster.id})`;
    const ofOwnPod = () => eventsWhere(api, `involvedObject.uid=${own.metadata.uid},reason=Pulled`);

    await report([pulled(own, ownMessage)]);
    const [first] = await waitFor('the reported event', async () => ((await ofOwnPod()).length === 1 ? ofOwnPod() : undefined));
    t.match(first, { type: 'Normal', count: 1, message: ownMessage, source: { component: 'kubelet', host: fakeNode }, involvedObject: { fieldPath: 'spec.containers{web}', name: 'on-fake' } });

    await report([pulled(own, ownMessage)]);
    const folded = await waitFor('the repeat to fold', async () => {
      const list = await ofOwnPod();
      return list[0]?.count === 2 ? list : undefined;
    });
    t.equal(folded.length, 1, 'one Event, not two');
    t.equal(folded[0]!.metadata.name, first!.metadata.name);

    // A forged event about the real agent's pod, then a marker about its own: once the marker is
    // recorded, the forged one (sent before it) has been judged.
    const forged = `forged by ${fakeNode}`;
    await report([pulled(pods[0]!, forged)]);
    await report([{ ...pulled(own, 'marker'), reason: 'Created' }]);
    await waitFor('the marker event', async () => (await eventsWhere(api, `involvedObject.uid=${own.metadata.uid},reason=Created`)).length === 1);
    const aboutOther = await eventsWhere(api, `involvedObject.uid=${pods[0]!.metadata.uid},source=kubelet`);
    t.notOk(aboutOther.some((e) => e.message === forged), "no Event about another node's pod");
  });
});

t.test('events expire after the TTL', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-events-ttl-'));
  const hub = await runHub({ dataDir, apiPort: 0, mqttPort: 0, host: '127.0.0.1', logger: createLogger('hub', 'silent'), eventTtlMs: 2_000 });
  t.teardown(async () => {
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await (await trustingFetch(readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8')))(`${hub.apiUrl}${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<unknown>;
  };
  const events = async () => ((await request('GET', '/api/v1/namespaces/default/events')) as EventList).items;

  // No node: the Deployment scales its ReplicaSet and a Pod is created (and cannot be scheduled).
  await request('POST', '/apis/apps/v1/namespaces/default/deployments', JSON.parse(webDeployment('short-lived')));
  const recorded = await waitFor('ScalingReplicaSet and SuccessfulCreate', async () => {
    const list = await events();
    const wanted = list.filter((e) => e.reason === 'ScalingReplicaSet' || e.reason === 'SuccessfulCreate');
    return wanted.length === 2 ? wanted : undefined;
  });
  const names = recorded.map((e) => e.metadata.name);
  await waitFor('both to expire', async () => {
    const left = (await events()).map((e) => e.metadata.name);
    return names.every((name) => !left.includes(name));
  }, { timeoutMs: 30_000 });
  t.pass('swept once older than the TTL');
});
