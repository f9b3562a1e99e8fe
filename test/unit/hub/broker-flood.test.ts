/**
 * Issue #10: a QoS 0 flood from a misbehaving client must neither crash nor stall the hub's
 * broker. A real EmbeddedBroker on a free port, real TCP, no mocks: node A, logged in with its own
 * credentials, writes valid QoS 0 PUBLISH packets to its own upward topic in large chunks straight
 * onto the socket, as fast as the socket takes them, while node B publishes a few messages and the
 * hub's in-process subscriber must still get them. A's deliveries must stay within its publish
 * budget (DEFAULTS.broker.publishBurst + publishesPerSecond x elapsed): the broker paces them and,
 * since aedes reads a client's socket only when the packets already read are handled, TCP pushes
 * back on A instead of the broker buffering or dropping. No timed assertion: B's messages are
 * awaited with a long deadline. Before it, the hook itself (policy.ts) in-process: every allowed
 * publish is answered asynchronously (what keeps aedes' parse -> handle -> read from recursing),
 * paced in order per node, with one log line rather than one per message. The budget's maths are
 * publish-budget.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { connect, type MqttClient } from 'mqtt';
import type { Client, PublishPacket } from 'aedes';
import { EmbeddedBroker } from '../../../hub/broker/embedded-broker.js';
import { brokerPolicy } from '../../../hub/broker/policy.js';
import { handleJoin } from '../../../hub/api/join.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { agentClientId, allNodesFilter, metricsTopic } from '../../../shared/mqtt/topics.js';
import { waitFor } from '../../helpers/wait.js';

/** MQTT's variable-length "remaining length" (MQTT 3.1.1 §2.2.3). */
function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

/** A UTF-8 string with its two-byte length prefix (MQTT 3.1.1 §1.5.3). */
function mqttString(value: string): Buffer {
  const bytes = Buffer.from(value);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}

/** CONNECT, MQTT 3.1.1 (§3.1), clean session, with username and password. */
function connectPacket(clientId: string, username: string, password: string): Buffer {
  const USERNAME_PASSWORD_CLEAN_SESSION = 0xc2;
  const variableHeader = Buffer.concat([mqttString('MQTT'), Buffer.from([4, USERNAME_PASSWORD_CLEAN_SESSION, 0, 60])]);
  return packet(0x10, Buffer.concat([variableHeader, mqttString(clientId), mqttString(username), mqttString(password)]));
}

/** PUBLISH, QoS 0, not retained (§3.3): no packet identifier. */
function publishQos0(topic: string, payload: string): Buffer {
  return packet(0x30, Buffer.concat([mqttString(topic), Buffer.from(payload)]));
}

const FLOOD_CHUNK_BYTES = 256 * 1024;

/** A raw TCP MQTT client that logs in as `node` and then writes `chunk` for as long as it is told to, as fast as the socket takes it. */
async function flooder(port: number, node: string, password: string, chunk: Buffer) {
  const socket: Socket = connectTcp(port, '127.0.0.1');
  socket.setNoDelay(true);
  const connack = await new Promise<Buffer>((resolve, reject) => {
    socket.once('data', resolve);
    socket.once('error', reject);
    socket.write(connectPacket(agentClientId(node), node, password));
  });
  if (connack[0] !== 0x20 || connack[3] !== 0) throw new Error(`login refused: ${connack.toString('hex')}`);
  socket.on('data', () => undefined); // nothing comes back to a QoS 0 publisher; keep reading anyway
  let stopped = false;
  let chunksWritten = 0;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined); // a reset shows as `closed`, which the test checks
  const writing = (async () => {
    while (!stopped && !socket.destroyed) {
      chunksWritten++;
      if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
    }
  })();
  return {
    get chunksWritten() {
      return chunksWritten;
    },
    get closed() {
      return socket.destroyed;
    },
    async stop(): Promise<void> {
      stopped = true;
      socket.destroy();
      await writing;
    },
  };
}

/** A pino logger whose lines land in `lines`, parsed. */
function capturingLogger(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
  return { logger, lines };
}

function storeFor(t: Test): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-broker-flood-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

t.test('the publish hook answers every allowed publish asynchronously, and paces a node over its budget in order', async (t) => {
  const store = storeFor(t);
  const { logger, lines } = capturingLogger('warn');
  const policy = brokerPolicy(store, logger, { maxPacketBytes: 1024, publishesPerSecond: 1_000, publishBurst: 2 });
  const login = async (node: string): Promise<Client> => {
    const { password } = await handleJoin(store, { token: 'join-token', nodeName: node }, { joinToken: 'join-token', mqttPort: 1883 });
    const client = { id: agentClientId(node) } as Client;
    await new Promise<void>((resolve, reject) => policy.authenticate(client, node, Buffer.from(password), (err) => (err ? reject(err) : resolve())));
    return client;
  };
  const flooding = await login('pi-1');
  const calm = await login('pi-2');
  const publish = (client: Client, node: string, payload: string, answered: string[]): Promise<void> =>
    new Promise((resolve, reject) =>
      policy.authorizePublish(client, { cmd: 'publish', qos: 0, dup: false, retain: false, topic: metricsTopic(node), payload: Buffer.from(payload) } as PublishPacket, (err) => {
        if (err) return reject(err);
        answered.push(payload);
        resolve();
      }),
    );

  // The same node again on a second connection: it shares the budget (and the queue) of the first.
  const reconnected = await login('pi-1');
  const answered: string[] = [];
  const calmAnswered: string[] = [];
  const pending = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'].map((m) => publish(flooding, 'pi-1', m, answered));
  pending.push(publish(reconnected, 'pi-1', 'm6', answered));
  pending.push(publish(calm, 'pi-2', 'c0', calmAnswered));
  t.same([...answered, ...calmAnswered], [], 'nothing is answered within the hook, not even within the burst');
  // The pacer's timer does not hold a closing hub open; here nothing else would hold the test open.
  const keepAlive = setInterval(() => undefined, 1_000);
  await Promise.all(pending);
  clearInterval(keepAlive);
  t.same(answered, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'], 'every publish goes through, in the order it came');
  t.same(calmAnswered, ['c0']);
  const delayed = lines.filter((line) => line.msg === 'mqtt publishes delayed: over the node publish budget');
  t.equal(delayed.length, 1, 'one line for the five delayed publishes');
  t.match(delayed[0], { node: 'pi-1', clientId: agentClientId('pi-1'), delayed: 1, publishesPerSecond: 1_000, publishBurst: 2 });

  const refused = await new Promise<Error | null | undefined>((resolve) =>
    policy.authorizePublish(calm, { cmd: 'publish', qos: 0, dup: false, retain: false, topic: metricsTopic('pi-1'), payload: Buffer.from('x') } as PublishPacket, resolve),
  );
  t.match(refused, { message: /not authorized/ }, 'another node’s topic is still refused');
});

t.test('a QoS 0 flood from one node neither crashes nor stalls the broker, and is paced to its budget', async (t) => {
  const store = storeFor(t);
  const { logger, lines: logLines } = capturingLogger('warn');
  const broker = await EmbeddedBroker.start({ store, logger, port: 0, host: '127.0.0.1' });
  const clients: MqttClient[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => void uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  t.teardown(async () => {
    process.off('uncaughtException', onUncaught);
    for (const client of clients) client.end(true);
    await broker.close();
  });
  const join_ = async (node: string) => (await handleJoin(store, { token: 'join-token', nodeName: node }, { joinToken: 'join-token', mqttPort: broker.port })).password;
  const passwords = { a: await join_('flood-a'), b: await join_('calm-b'), c: await join_('late-c') };

  // What the hub's ingest would see, per node.
  const floodTopic = metricsTopic('flood-a');
  let floodDelivered = 0;
  const calmDelivered: string[] = [];
  await broker.subscribe(allNodesFilter('metrics'), (topic, payload) => {
    if (topic === floodTopic) floodDelivered++;
    else calmDelivered.push(payload.toString());
  });

  const { publishBurst, publishesPerSecond } = DEFAULTS.broker;
  const onePublish = publishQos0(floodTopic, 'x');
  const chunk = Buffer.concat(Array.from({ length: Math.floor(FLOOD_CHUNK_BYTES / onePublish.length) }, () => onePublish));
  const perChunk = chunk.length / onePublish.length;
  const floodStarted = Date.now();
  const flood = await flooder(broker.port, 'flood-a', passwords.a, chunk);
  // Past its burst and about a second of its rate: the flood has been paced for a while.
  await waitFor('the flood to use up its burst and go on at its rate', () => floodDelivered > publishBurst + publishesPerSecond || flood.closed, { timeoutMs: 60_000, intervalMs: 20 });

  const calm = connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: agentClientId('calm-b'), username: 'calm-b', password: passwords.b, reconnectPeriod: 0, protocolVersion: 4 });
  clients.push(calm);
  await new Promise<void>((resolve, reject) => {
    calm.once('connect', () => resolve());
    calm.once('error', reject);
  });
  const sent = ['b-1', 'b-2', 'b-3', 'b-4', 'b-5'];
  for (const message of sent) await calm.publishAsync(metricsTopic('calm-b'), message, { qos: 1 });
  await waitFor('the hub to receive every message of the well-behaved node', () => sent.every((m) => calmDelivered.includes(m)), { timeoutMs: 60_000, intervalMs: 20 });
  t.same(calmDelivered, sent, 'the well-behaved node’s messages all arrive, in order, during the flood');

  const late = connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: agentClientId('late-c'), username: 'late-c', password: passwords.c, reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 60_000 });
  clients.push(late);
  await new Promise<void>((resolve, reject) => {
    late.once('connect', () => resolve());
    late.once('error', reject);
  });
  t.pass('the broker still accepts a new connection during the flood');

  t.notOk(flood.closed, 'the flooder was paced, not disconnected');
  const delivered = floodDelivered;
  const elapsedSeconds = (Date.now() - floodStarted) / 1000;
  const written = flood.chunksWritten * perChunk;
  await flood.stop();
  const allowed = publishBurst + publishesPerSecond * elapsedSeconds;
  t.ok(delivered > publishBurst + publishesPerSecond, `the flood went on past its burst (${delivered} delivered)`);
  t.ok(delivered <= allowed * 1.1 + 100, `the flood stayed within its budget: ${delivered} delivered in ${elapsedSeconds.toFixed(2)} s, ${Math.round(allowed)} allowed`);
  t.ok(written > delivered, `the rest waited in TCP, on the sender's side or in flight (${written} written, ${delivered} delivered)`);
  t.same(uncaught, [], 'nothing was thrown (no RangeError: Maximum call stack size exceeded)');
  t.same(
    logLines.filter((line) => String(line.err ?? '').includes('call stack')),
    [],
    'no stack overflow was logged either',
  );
  const throttleLines = logLines.filter((line) => line.msg === 'mqtt publishes delayed: over the node publish budget');
  t.ok(throttleLines.length >= 1 && throttleLines.length <= Math.ceil(elapsedSeconds / 10) + 1, `the throttling is logged, not once per message (${throttleLines.length} lines)`);
  t.equal(throttleLines[0]?.clientId, agentClientId('flood-a'), 'naming the client');
});
