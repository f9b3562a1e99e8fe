/**
 * The broker's authorization end to end (issue #6): a real EmbeddedBroker on a free port, real
 * MQTT.js clients. Malformed client ids, wrong credentials, another node's username, wildcard and
 * foreign subscriptions, foreign publishes, retained messages and wills, and another node's client
 * id: every attempt must be refused (CONNACK refusal, SUBACK 0x80, or never delivered), while the
 * legitimate operations keep working. The bulk of the fuzzing is in broker-policy-fuzz.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { EmbeddedBroker } from '../../../hub/broker/embedded-broker.js';
import { handleJoin } from '../../../hub/api/join.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { createLogger } from '../../../shared/log.js';
import { agentClientId, desiredTopic, presenceTopic, statusTopic } from '../../../shared/mqtt/topics.js';

const SUBACK_FAILURE = 0x80;

interface Attempt {
  client?: MqttClient;
  refusal?: number | string;
}

t.test('broker authorization against real MQTT clients', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-broker-auth-fuzz-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  const broker = await EmbeddedBroker.start({ store, logger: createLogger('hub', 'silent'), port: 0, host: '127.0.0.1' });
  const open: MqttClient[] = [];
  t.teardown(async () => {
    for (const client of open) client.end(true);
    await broker.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const password = new Map<string, string>();
  for (const node of ['pi-1', 'pi-2']) {
    password.set(node, (await handleJoin(store, { token: 'join-token', nodeName: node }, { joinToken: 'join-token', mqttPort: broker.port })).password);
  }

  /** Everything that reached the hub (in-process subscriber), in order. */
  const hubSaw: Array<{ topic: string; payload: string }> = [];
  const arrivals: Array<() => void> = [];
  await broker.subscribe('skiff/#', (topic, payload) => {
    hubSaw.push({ topic, payload: payload.toString() });
    for (const wake of arrivals.splice(0)) wake();
  });
  await broker.subscribe('$SYS/skiff-fuzz/#', (topic, payload) => hubSaw.push({ topic, payload: payload.toString() }));
  const hubReceives = async (topic: string, payload: string): Promise<void> => {
    while (!hubSaw.some((m) => m.topic === topic && m.payload === payload)) await new Promise<void>((resolve) => arrivals.push(resolve));
  };

  const attempt = (options: IClientOptions): Promise<Attempt> =>
    new Promise((resolve) => {
      const client = connect(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0, connectTimeout: 5_000, protocolVersion: 4, ...options });
      open.push(client);
      client.once('connect', () => resolve({ client }));
      client.once('error', (err: Error & { code?: number | string }) => {
        client.end(true);
        resolve({ refusal: err.code ?? err.message });
      });
      client.once('close', () => resolve({ refusal: 'closed' }));
    });
  const asNode = async (node: string, options: IClientOptions = {}): Promise<MqttClient> => {
    const result = await attempt({ clientId: `skiff-agent-${node}`, username: node, password: password.get(node)!, ...options });
    if (!result.client) throw new Error(`${node} could not connect: ${String(result.refusal)}`);
    return result.client;
  };
  /** The QoS granted to each filter; MQTT.js rejects a SUBACK holding 0x80, so read it off the error. */
  const granted = async (client: MqttClient, topic: string): Promise<number[]> => {
    try {
      return (await client.subscribeAsync(topic, { qos: 1 })).map((g) => g.qos);
    } catch (err) {
      const packet = (err as { packet?: { granted?: number[] } }).packet;
      if (!packet?.granted) throw err;
      return packet.granted;
    }
  };
  const closed = (client: MqttClient): Promise<void> => new Promise((resolve) => (client.disconnected || !client.connected ? resolve() : client.once('close', () => resolve())));
  /** Legitimate upward publish by a fresh pi-2 connection: when the hub has it, everything sent earlier was handled. */
  let sentinelCount = 0;
  const sentinel = async (): Promise<void> => {
    const payload = `sentinel-${++sentinelCount}`;
    // As pi-2: a node has one client id, so a second pi-1 connection would take over pi-1's.
    const client = await asNode('pi-2');
    await client.publishAsync(statusTopic('pi-2'), payload, { qos: 1 });
    await hubReceives(statusTopic('pi-2'), payload);
    await client.endAsync();
  };

  await t.test('wrong, missing or borrowed credentials are refused at CONNECT, whatever the client id', async (t) => {
    const ids = ['', 'x'.repeat(200), 'skiff-agent-pi-1', 'skiff-agent-pi-2', 'pi-2', '#', '+', '+/#', '$SYS', '\ud83d\udea2\u00e9', 'a\u0000b'];
    const pi1 = password.get('pi-1')!;
    const credentials: Array<[string, string | undefined, string | undefined]> = [
      ['no credentials', undefined, undefined],
      ['username only', 'pi-1', undefined],
      ['empty password', 'pi-1', ''],
      ['wrong password', 'pi-1', `${pi1}x`],
      ['truncated password', 'pi-1', pi1.slice(0, -1)],
      ['password with a trailing NUL', 'pi-1', `${pi1}\u0000`],
      ['password padded with NULs', 'pi-1', pi1.padEnd(64, '\u0000')],
      ['pi-1’s password with username pi-2', 'pi-2', pi1],
      ['pi-1’s password with username PI-1', 'PI-1', pi1],
      ['pi-1’s password with username "#"', '#', pi1],
      ['pi-1’s password with username "+"', '+', pi1],
      ['unknown node', 'pi-3', pi1],
      ['empty username', '', pi1],
    ];
    for (const [label, username, secret] of credentials) {
      for (const clientId of ids) {
        const result = await attempt({ clientId, clean: true, ...(username === undefined ? {} : { username }), ...(secret === undefined ? {} : { password: secret }) });
        t.notOk(result.client, `${label}, client id ${JSON.stringify(clientId.slice(0, 20))}: refused (${result.client ? 'but it was ACCEPTED' : String(result.refusal)})`);
        result.client?.end(true);
      }
    }
  });

  await t.test('a node logs in only under its own agent client id', async (t) => {
    for (const clientId of ['', '#', '+', '\ud83d\udea2', 'x'.repeat(100), 'skiff-agent-pi-2', 'skiff-agent-pi-1-2', 'SKIFF-AGENT-PI-1', 'skiff-agent-pi-1\u0000']) {
      const result = await attempt({ clientId, username: 'pi-1', password: password.get('pi-1')!, clean: true });
      t.notOk(result.client, `client id ${JSON.stringify(clientId.slice(0, 20))}: refused (${result.client ? 'but it was ACCEPTED' : String(result.refusal)})`);
    }
  });

  await t.test('a valid node may subscribe only to its own desired topic', async (t) => {
    for (const clientId of [agentClientId('pi-1')]) {
      const client = await asNode('pi-1', { clientId, clean: true });
      const refused = ['#', '+/+/+/+/+', '+', desiredTopic('pi-2'), 'skiff/v1/nodes/+/desired', 'skiff/v1/nodes/#', '$SYS/#', '$SYS/+/+', `$share/g/${desiredTopic('pi-2')}`, `$share/g/${desiredTopic('pi-1')}`, statusTopic('pi-1'), statusTopic('pi-2'), `${desiredTopic('pi-1')}/#`, 'skiff/v1/nodes/pi-1/+'];
      for (const topic of refused) {
        t.same(await granted(client, topic), [SUBACK_FAILURE], `client id ${JSON.stringify(clientId.slice(0, 20))}: subscribe ${topic} refused`);
      }
      t.same(await granted(client, desiredTopic('pi-1')), [1], 'its own desired topic is granted');
      t.ok(client.connected, 'a refused subscription does not disconnect');

      // Only its own desired state arrives: the other node's, published first, never does.
      const received: string[] = [];
      const own_ = new Promise<void>((resolve) =>
        client.on('message', (topic, payload) => {
          received.push(`${topic} ${payload.toString()}`);
          if (topic === desiredTopic('pi-1')) resolve();
        }),
      );
      await broker.publish(desiredTopic('pi-2'), 'for pi-2 only', { qos: 1, retain: false });
      await broker.publish(desiredTopic('pi-1'), `for pi-1 via ${clientId.length}`, { qos: 1, retain: false });
      await own_;
      t.same(received.filter((line) => !line.startsWith(`${desiredTopic('pi-1')} `)), [], 'nothing but its own desired state arrived');
      await client.endAsync();
    }
  });

  await t.test('foreign publishes, retained or not, never reach the hub; the node’s own do', async (t) => {
    const foreign: Array<[string, { retain: boolean; qos: 0 | 1 }]> = [
      [statusTopic('pi-2'), { retain: false, qos: 1 }],
      [presenceTopic('pi-2'), { retain: true, qos: 1 }],
      [statusTopic('pi-2'), { retain: true, qos: 0 }],
      [desiredTopic('pi-1'), { retain: true, qos: 1 }], // its own downward topic
      [desiredTopic('pi-2'), { retain: true, qos: 1 }],
      ['skiff/v1/nodes/PI-1/status', { retain: false, qos: 1 }],
      ['skiff/v1/nodes/pi-1/status/x', { retain: false, qos: 1 }],
      ['skiff/v1/nodes//status', { retain: false, qos: 1 }],
      ['skiff/v2/nodes/pi-1/status', { retain: true, qos: 1 }],
      ['/skiff/v1/nodes/pi-1/status', { retain: false, qos: 1 }],
      ['$SYS/skiff-fuzz/x', { retain: true, qos: 1 }],
      [`skiff/v1/nodes/${'a'.repeat(300)}/status`, { retain: false, qos: 1 }],
    ];
    for (const [topic, options] of foreign) {
      const client = await asNode('pi-1');
      const payload = `forged ${topic.slice(0, 40)} ${JSON.stringify(options)}`;
      client.publish(topic, payload, options);
      await closed(client); // aedes drops a client whose publish is refused
      await sentinel();
      t.notOk(hubSaw.some((m) => m.payload === payload), `pi-1 publish ${topic.slice(0, 60)} ${JSON.stringify(options)}: never delivered`);
    }
    const client = await asNode('pi-1');
    await client.publishAsync(statusTopic('pi-1'), 'own status', { qos: 1 });
    await client.publishAsync(presenceTopic('pi-1'), 'online', { qos: 1, retain: true });
    await hubReceives(statusTopic('pi-1'), 'own status');
    await hubReceives(presenceTopic('pi-1'), 'online');
    t.pass('its own status and retained presence reach the hub');
    await client.endAsync();
  });

  await t.test('a will on another node’s topic is never published; a will on its own presence is', async (t) => {
    for (const topic of [presenceTopic('pi-2'), statusTopic('pi-2'), desiredTopic('pi-1'), '$SYS/skiff-fuzz/will']) {
      const client = await asNode('pi-1', { will: { topic, payload: Buffer.from(`forged will ${topic}`), qos: 1, retain: true } });
      client.stream.destroy(); // an abrupt loss: the broker publishes the will
      await closed(client);
      const legit = await asNode('pi-1', { will: { topic: presenceTopic('pi-1'), payload: Buffer.from(`offline after ${topic}`), qos: 1, retain: true } });
      legit.stream.destroy();
      await hubReceives(presenceTopic('pi-1'), `offline after ${topic}`);
      t.notOk(hubSaw.some((m) => m.payload === `forged will ${topic}`), `will on ${topic} never delivered`);
    }
  });

  await t.test('joining again under a node’s name revokes the old credentials, including a live connection using them', async (t) => {
    // As the API server joins nodes: with the broker's disconnectNode (hub/server/run.ts).
    const joinOptions = { joinToken: 'join-token', mqttPort: broker.port, disconnectNode: (node: string) => broker.disconnectNode(node) };
    const first = await handleJoin(store, { token: 'join-token', nodeName: 'pi-9' }, joinOptions);
    const old = await attempt({ clientId: agentClientId('pi-9'), username: 'pi-9', password: first.password, clean: true });
    if (!old.client) throw new Error(`pi-9 could not connect: ${String(old.refusal)}`);
    await handleJoin(store, { token: 'join-token', nodeName: 'pi-9' }, joinOptions); // the name is re-provisioned
    const relogin = await attempt({ clientId: agentClientId('pi-9'), username: 'pi-9', password: first.password, clean: true });
    t.notOk(relogin.client, 'a new login with the replaced password is refused');
    // The connection made with the replaced password: it must not still read pi-9's desired state.
    const stillSubscribes = old.client.connected && (await granted(old.client, desiredTopic('pi-9'))).every((qos) => qos !== SUBACK_FAILURE);
    t.notOk(stillSubscribes, 'a connection made with the replaced password can no longer subscribe to the node’s desired state');
    old.client.end(true);
  });

  await t.test('another node’s client id neither disconnects that node nor inherits its session', async (t) => {
    // pi-1 as the agent connects: persistent session, fixed client id.
    const victim = await asNode('pi-1', { clean: false, will: { topic: presenceTopic('pi-1'), payload: Buffer.from('victim offline'), qos: 1, retain: true } });
    t.same(await granted(victim, desiredTopic('pi-1')), [1]);
    let victimClosed = false;
    victim.on('close', () => (victimClosed = true));

    // pi-2, with its own valid credentials, connects under pi-1's client id.
    const intrusion = await attempt({ clientId: 'skiff-agent-pi-1', username: 'pi-2', password: password.get('pi-2')!, clean: true });
    t.notOk(intrusion.client, 'pi-2 is refused under pi-1’s client id');
    const victimStillServed = await Promise.race([
      victim.publishAsync(statusTopic('pi-1'), 'victim alive', { qos: 1 }).then(() => true),
      new Promise<boolean>((resolve) => (victimClosed ? resolve(false) : victim.once('close', () => resolve(false)))),
    ]);
    t.ok(victimStillServed, 'pi-1’s live session survives pi-2 connecting with client id skiff-agent-pi-1');
    await sentinel();
    t.notOk(hubSaw.some((m) => m.payload === 'victim offline'), 'no false "offline" will is published for pi-1 by the intrusion');
    await intrusion.client?.endAsync();
    if (!victimClosed) await victim.endAsync(); // a clean disconnect: no will
    await closed(victim);

    // pi-1 goes away with its persistent session (subscribing again, as the agent does on every
    // connect, since the intrusion above may have wiped it); a desired state is queued for it.
    const agent = await asNode('pi-1', { clean: false });
    t.same(await granted(agent, desiredTopic('pi-1')), [1]);
    await agent.endAsync();
    await broker.publish(desiredTopic('pi-1'), 'queued for pi-1', { qos: 1, retain: false });

    // pi-2 resumes pi-1's session under pi-1's client id, then proves the queue was flushed by
    // receiving its own desired state.
    const thief = await attempt({ clientId: 'skiff-agent-pi-1', username: 'pi-2', password: password.get('pi-2')!, clean: false });
    const stolen: string[] = [];
    if (thief.client) {
      const client = thief.client;
      const ownArrived = new Promise<void>((resolve) =>
        client.on('message', (topic, payload) => {
          if (topic === desiredTopic('pi-2')) resolve();
          else stolen.push(`${topic} ${payload.toString()}`);
        }),
      );
      await client.subscribeAsync(desiredTopic('pi-2'), { qos: 1 });
      await broker.publish(desiredTopic('pi-2'), 'for pi-2', { qos: 1, retain: false });
      await ownArrived;
      await client.endAsync();
    }
    t.same(stolen, [], 'pi-2 receives none of the messages queued for pi-1’s session');

    const back = await asNode('pi-1', { clean: false });
    await back.subscribeAsync(desiredTopic('pi-1'), { qos: 1 }); // as the agent does on every connect
    const backArrived = new Promise<string>((resolve) => back.once('message', (_topic, payload) => resolve(payload.toString())));
    await broker.publish(desiredTopic('pi-1'), 'after the intrusion', { qos: 1, retain: false });
    t.ok(['queued for pi-1', 'after the intrusion'].includes(await backArrived), 'pi-1 still gets its desired states on its session');
    await back.endAsync();
  });
});
