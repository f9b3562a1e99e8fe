/**
 * The embedded broker on its SQLite persistence, end to end with real MQTT.js clients: a
 * persistent session and the QoS 1 message queued for it while its node was away outlive the
 * broker, so do retained desired states; a client sending a packet over the size limit is cut off
 * before the hub sees it. (A kill -9 of a whole hub is in test/integration/broker-restart.test.ts.)
 */
// First, as in the hub: before this file's MQTT client loads mqtt-packet's writer.
import '../../../shared/mqtt/unpooled-length-encoding.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { EmbeddedBroker } from '../../../hub/broker/embedded-broker.js';
import { handleJoin } from '../../../hub/api/join.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { createLogger, type Logger } from '../../../shared/log.js';
import { agentClientId, desiredTopic, statusTopic } from '../../../shared/mqtt/topics.js';

const NODE = 'pi-1';
const logger = createLogger('hub', 'silent');

async function setup(t: Test, log: Logger = logger) {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-broker-restart-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  const brokers: EmbeddedBroker[] = [];
  const clients: MqttClient[] = [];
  t.teardown(async () => {
    for (const client of clients) client.end(true);
    for (const broker of brokers) await broker.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { password } = await handleJoin(store, { token: 'join-token', nodeName: NODE }, { joinToken: 'join-token', mqttPort: 1883 });
  const start = async (options: { maxPacketBytes?: number; port?: number } = {}) => {
    const broker = await EmbeddedBroker.start({ store, logger: log, port: 0, host: '127.0.0.1', persistenceFile: join(dir, 'broker.db'), ...options });
    brokers.push(broker);
    return broker;
  };
  const stop = async (broker: EmbeddedBroker) => {
    brokers.splice(brokers.indexOf(broker), 1);
    await broker.close();
  };
  /**
   * Connects as the node; resolves with the client, whether the broker had its session, and its
   * first message (listened for from the start: a queued one may come right after the CONNACK).
   */
  const asNode = (broker: EmbeddedBroker, options: IClientOptions = {}) =>
    new Promise<{ client: MqttClient; sessionPresent: boolean; firstMessage: Promise<Message> }>((resolve, reject) => {
      const client = connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: agentClientId(NODE), username: NODE, password, reconnectPeriod: 0, protocolVersion: 4, ...options });
      clients.push(client);
      const firstMessage = nextMessage(client);
      client.once('connect', (connack) => resolve({ client, sessionPresent: connack.sessionPresent, firstMessage }));
      client.once('error', reject);
    });
  return { start, stop, asNode };
}

interface Message {
  topic: string;
  payload: string;
  retain: boolean;
}

function nextMessage(client: MqttClient): Promise<Message> {
  return new Promise((resolve) => client.once('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), retain: packet.retain })));
}

t.test('a QoS 1 message queued for an offline persistent session is delivered by the next broker', async (t) => {
  const { start, stop, asNode } = await setup(t);
  const first = await start();
  const { client: before } = await asNode(first, { clean: false });
  await before.subscribeAsync(desiredTopic(NODE), { qos: 1 });
  await before.endAsync();

  await first.publish(desiredTopic(NODE), '{"generation":7}', { qos: 1, retain: false });
  await stop(first);

  const second = await start();
  const { client: after, sessionPresent, firstMessage } = await asNode(second, { clean: false });
  t.ok(sessionPresent, 'the broker still has the session after its restart');
  t.same(await firstMessage, { topic: desiredTopic(NODE), payload: '{"generation":7}', retain: false }, 'without subscribing again');
  await after.endAsync();
});

t.test('a retained desired state outlives the broker', async (t) => {
  const { start, stop, asNode } = await setup(t);
  const first = await start();
  await first.publish(desiredTopic(NODE), '{"generation":1}', { qos: 1, retain: true });
  await first.publish(desiredTopic(NODE), '{"generation":2}', { qos: 1, retain: true });
  await stop(first);

  const second = await start();
  const { client, sessionPresent, firstMessage } = await asNode(second, { clean: true });
  t.notOk(sessionPresent);
  await client.subscribeAsync(desiredTopic(NODE), { qos: 1 });
  t.same(await firstMessage, { topic: desiredTopic(NODE), payload: '{"generation":2}', retain: true }, 'the newest retained state, to a new subscriber');
});

t.test('a message over maxPacketBytes is refused and its connection dropped', async (t) => {
  const { start, asNode } = await setup(t);
  const broker = await start({ maxPacketBytes: 1024 });
  const seen: string[] = [];
  await broker.subscribe(statusTopic(NODE), (_topic, payload) => seen.push(payload.toString()));

  const { client } = await asNode(broker);
  await client.publishAsync(statusTopic(NODE), 'x'.repeat(512), { qos: 1 });
  t.same(seen, ['x'.repeat(512)], 'a packet under the limit goes through');
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.publish(statusTopic(NODE), 'y'.repeat(4096), { qos: 1 });
  await closed;
  t.same(seen, ['x'.repeat(512)], 'the oversized one never reached the hub');
});

t.test('a packet declaring more than maxPacketBytes drops the connection before its body is buffered', async (t) => {
  const warnings: { msg: string; declaredBytes?: number }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as { msg: string; declaredBytes?: number }) });
  const { start } = await setup(t, log);
  const broker = await start({ maxPacketBytes: 1024 });
  // A CONNECT whose fixed header declares 2 MiB (remaining length 0x80 0x80 0x80 0x01), then a
  // little of its body: without the guard, aedes would keep buffering until its connect timeout.
  const socket = connectTcp(broker.port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {}); // the reset is the expected outcome; 'close' follows it
  socket.write(Buffer.concat([Buffer.from([0x10, 0x80, 0x80, 0x80, 0x01]), Buffer.alloc(100, 1)]));
  await closed;
  t.match(warnings, [{ msg: 'mqtt packet over the size limit: connection dropped', declaredBytes: 2 * 1024 * 1024 }]);
});

t.test('a broker that cannot listen fails to start, and the next one starts on the same file', async (t) => {
  const { start } = await setup(t);
  const first = await start();
  await t.rejects(start({ port: first.port }), { code: 'EADDRINUSE' });
  const second = await start();
  t.ok(second.port > 0, 'started');
});
