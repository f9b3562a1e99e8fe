/**
 * The broker's state survives a kill -9 of the hub (issue #7): DATA/broker.db keeps persistent
 * sessions and the QoS 1 messages queued for them, and on start the dispatcher republishes every
 * node's desired state from the object store. After `kill -9` and a restart on the same data dir:
 * a running agent is given its desired state again without any API write, and a node that was
 * offline (a raw MQTT.js client with a persistent session) gets, in order and without subscribing
 * again, the desired states published for it before the kill.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { connect, type MqttClient } from 'mqtt';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';
import { JOIN_PATH, type JoinResponse } from '../../shared/join.js';
import { decodeDesiredState } from '../../shared/mqtt/messages.js';
import { agentClientId, desiredTopic } from '../../shared/mqtt/topics.js';

interface LogLine {
  msg?: string;
  node?: string;
  generation?: number;
}

function logLines(file: string, fromByte = 0): LogLine[] {
  return readFileSync(file)
    .subarray(fromByte)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

function pod(name: string, nodeName: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never' }] },
  });
}

t.test('after kill -9 of the hub, agents get their desired state and offline sessions their queued messages', async (t) => {
  const cluster = await TestCluster.start(t, { plain: true, agents: ['a'] });
  const hubLog = join(cluster.dir, 'hub.log');
  const agentLog = join(cluster.dir, 'agent-a.log');
  const agent = cluster.nodeName('a');
  const offline = cluster.nodeName('offline');
  const published = (node: string, generation: number) =>
    waitFor(`the hub to publish generation ${generation} for ${node}`, () => logLines(hubLog).some((l) => l.msg === 'published desired state' && l.node === node && l.generation === generation));

  // The node that will be offline: its credentials from a join, its Node object, its session.
  const joined = await cluster.anonymousFetch(JOIN_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: cluster.joinToken, nodeName: offline }) });
  t.equal(joined.status, 200, 'joined');
  const { password } = (await joined.json()) as JoinResponse;
  const created = await cluster.fetch('/api/v1/nodes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: offline } }) });
  t.equal(created.status, 201, 'Node created');
  await published(offline, 1);

  const generations: number[] = [];
  const connectOffline = () =>
    new Promise<{ client: MqttClient; sessionPresent: boolean }>((resolve, reject) => {
      const client = connect(`mqtt://127.0.0.1:${cluster.mqttPort}`, { clientId: agentClientId(offline), username: offline, password, clean: false, reconnectPeriod: 0, protocolVersion: 4 });
      client.on('message', (topic, payload) => generations.push(decodeDesiredState(payload, topic).generation));
      client.once('connect', (connack) => resolve({ client, sessionPresent: connack.sessionPresent }));
      client.once('error', reject);
    });
  const first = await connectOffline();
  t.teardown(() => first.client.end(true));
  await first.client.subscribeAsync(desiredTopic(offline), { qos: 1 });
  await waitFor('the retained desired state', () => generations.includes(1));
  await first.client.endAsync();

  // Published while the node is away: queued for its session, in broker.db.
  for (const [name, generation] of [['queued-1', 2], ['queued-2', 3]] as const) {
    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: pod(name, offline) })).code, 0);
    await published(offline, generation);
  }
  const agentGeneration = await waitFor('the agent to accept a desired state', () => logLines(agentLog).filter((l) => l.msg === 'accepted desired state').at(-1)?.generation);

  await cluster.stopHub('SIGKILL');
  const agentLogBefore = readFileSync(agentLog).length;
  await cluster.startHub();

  const received = await waitFor('the agent to be given its desired state by the restarted hub', () =>
    logLines(agentLog, agentLogBefore).find((l) => (l.msg === 'accepted desired state' || l.msg === 'ignored a desired state that is not newer') && l.generation === agentGeneration),
  );
  t.ok(received, `the agent received generation ${agentGeneration} again, with no API write since the restart`);

  generations.length = 0;
  const second = await connectOffline();
  t.teardown(() => second.client.end(true));
  t.ok(second.sessionPresent, 'the restarted broker still has the offline node’s session');
  await waitFor('the queued desired states', () => generations.includes(3));
  t.same(generations.slice(0, 2), [2, 3], 'generation 2, queued before the kill and republished by nobody, arrives first, then 3');
});
