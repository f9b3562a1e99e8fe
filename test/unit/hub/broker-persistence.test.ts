/**
 * The broker's persistence beyond aedes' abstract suite (broker-persistence-abstract.test.ts):
 * what it keeps across a close and reopen of its file (the point of it: a hub restart), the cap
 * on messages queued for one offline client, topic filters, the packet codec, and the packet size
 * guard that reads MQTT fixed headers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { MqttFrameSizeGuard } from '../../../hub/broker/frame-size-guard.js';
import { decodePacket, encodePacket, queuedCopy } from '../../../hub/broker/packet-codec.js';
import { SqlitePersistence, type SqlitePersistenceOptions } from '../../../hub/broker/sqlite-persistence.js';
import { hasWildcard, literalPrefix, topicMatches } from '../../../hub/broker/topic-filter.js';

const broker = { id: 'broker-a' };

async function all(stream: Readable): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const item of stream) items.push(item as Record<string, unknown>);
  return items;
}

function tempFile(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-broker-persistence-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'broker.db');
}

async function open(file: string, options: SqlitePersistenceOptions = {}): Promise<SqlitePersistence> {
  const persistence = new SqlitePersistence(file, options);
  await persistence.setup(broker);
  return persistence;
}

function publish(topic: string, payload: string, brokerCounter: number) {
  return { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false, brokerId: broker.id, brokerCounter };
}

t.test('topic filters follow MQTT 3.1.1 §4.7', async (t) => {
  const cases: [string, string, boolean][] = [
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/+', 'a', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/#', 'ab', false],
    ['#', 'a/b', true],
    ['+/+', '/x', true], // empty levels are levels [MQTT-4.7.1-3]
    ['#', '$SYS/x', false], // [MQTT-4.7.2-1]
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['a/b/c', 'a/b', false],
  ];
  for (const [filter, topic, expected] of cases) t.equal(topicMatches(filter, topic), expected, `${filter} ${expected ? 'matches' : 'does not match'} ${topic}`);
  t.same(
    ['a/b', 'a/+/c', 'a/#', '#', '+/b', 'a/b/#'].map(literalPrefix),
    ['a/b', 'a/', 'a', '', '', 'a/b'],
    'the literal prefix stops before the first wildcard (and keeps the parent for #)',
  );
  t.same(['a/b', 'a/+', 'a/#'].map(hasWildcard), [false, true, true]);
});

t.test('the codec gives back every field: Buffers, strings, undefined, nested, no payload', async (t) => {
  const packet = { cmd: 'publish', topic: 't', payload: Buffer.from([0, 1, 255]), messageId: undefined, properties: { correlationData: Buffer.from('id'), userProperties: { a: '1' } }, list: [1, undefined] };
  const encoded = encodePacket(packet);
  t.ok(Buffer.isBuffer(encoded.payload), 'a Buffer payload goes to its own column');
  const decoded = decodePacket(encoded);
  t.same(decoded, packet);
  t.ok(Object.hasOwn(decoded, 'messageId'), 'a field set to undefined is still there');
  t.ok(Buffer.isBuffer((decoded.properties as { correlationData: unknown }).correlationData), 'nested Buffers come back as Buffers');
  t.same(decodePacket(encodePacket({ cmd: 'publish', payload: 'text' })), { cmd: 'publish', payload: 'text' }, 'a string payload stays a string');
  const pubrel = encodePacket({ cmd: 'pubrel', messageId: 7 });
  t.equal(pubrel.payload, null);
  t.same(decodePacket(pubrel), { cmd: 'pubrel', messageId: 7 });
  t.same(queuedCopy({ topic: 'x', qos: 0 }), { cmd: 'publish', brokerId: undefined, brokerCounter: 0, topic: 'x', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false }, 'QoS 0 gets no messageId');
});

t.test('everything survives closing and reopening the file (a hub restart)', async (t) => {
  const file = tempFile(t);
  const first = await open(file);
  const agent = { id: 'skiff-agent-pi-1' };
  await first.storeRetained({ cmd: 'publish', topic: 'skiff/v1/nodes/pi-1/desired', payload: Buffer.from('{"generation":3}'), qos: 1, retain: true });
  await first.storeRetained({ cmd: 'publish', topic: 'skiff/v1/nodes/pi-2/desired', payload: Buffer.from('{"generation":1}'), qos: 1, retain: true });
  await first.addSubscriptions(agent, [
    { topic: 'skiff/v1/nodes/pi-1/desired', qos: 1 },
    { topic: 'skiff/v1/nodes/pi-1/rpc/#', qos: 1 },
    { topic: 'skiff/v1/nodes/pi-1/notice', qos: 0 },
  ]);
  await first.outgoingEnqueueCombi([{ clientId: agent.id }], publish('skiff/v1/nodes/pi-1/desired', 'sent', 1));
  await first.outgoingEnqueueCombi([{ clientId: agent.id }], publish('skiff/v1/nodes/pi-1/desired', 'unsent', 2));
  await first.outgoingUpdate(agent, { ...publish('skiff/v1/nodes/pi-1/desired', 'sent', 1), messageId: 11 });
  await first.incomingStorePacket(agent, { cmd: 'publish', topic: 'skiff/v1/nodes/pi-1/status', payload: Buffer.from('s'), qos: 2, messageId: 5 });
  await first.putWill(agent, { topic: 'skiff/v1/nodes/pi-1/presence', payload: Buffer.from('offline'), qos: 1, retain: true });
  await first.destroy();

  const second = await open(file);
  t.teardown(() => second.destroy());
  const retained = await all(second.createRetainedStreamCombi(['skiff/v1/nodes/+/desired']));
  t.same(retained.map((p) => [p.topic, String(p.payload)]), [
    ['skiff/v1/nodes/pi-1/desired', '{"generation":3}'],
    ['skiff/v1/nodes/pi-2/desired', '{"generation":1}'],
  ]);
  t.same(await second.subscriptionsByClient(agent), [
    { topic: 'skiff/v1/nodes/pi-1/desired', qos: 1 },
    { topic: 'skiff/v1/nodes/pi-1/rpc/#', qos: 1 },
    { topic: 'skiff/v1/nodes/pi-1/notice', qos: 0 },
  ]);
  t.same(await second.subscriptionsByTopic('skiff/v1/nodes/pi-1/rpc/logs'), [{ clientId: agent.id, topic: 'skiff/v1/nodes/pi-1/rpc/#', qos: 1 }]);
  t.same(await second.subscriptionsByTopic('skiff/v1/nodes/pi-1/notice'), [], 'QoS 0 subscriptions are restored but not matched');
  t.same(await second.countOffline(), { subsCount: 2, clientsCount: 1 });
  const queued = await all(second.outgoingStream(agent));
  t.same(queued.map((p) => [String(p.payload), p.messageId]), [['sent', 11], ['unsent', undefined]], 'the queue, in order, with the messageId already sent');
  const acknowledged = await second.outgoingClearMessageId(agent, { cmd: 'puback', messageId: 11 });
  t.equal(String(acknowledged?.payload), 'sent', 'a puback after the restart clears the message sent before it');
  t.equal((await second.incomingGetPacket(agent, { messageId: 5 })).topic, 'skiff/v1/nodes/pi-1/status');
  const wills = await all(second.streamWill({ 'broker-b': {} }));
  t.same(wills.map((w) => [w.clientId, w.brokerId, String(w.payload)]), [[agent.id, 'broker-a', 'offline']], "the last run's wills are there to be published");
  t.same(await all(second.streamWill({ 'broker-a': {} })), [], 'but not those of a broker still alive');
});

t.test('a retained message with an empty payload deletes the retained one', async (t) => {
  const persistence = await open(tempFile(t));
  t.teardown(() => persistence.destroy());
  await persistence.storeRetained({ topic: 'a/b', payload: Buffer.from('x'), retain: true });
  await persistence.storeRetained({ topic: 'a/b', payload: Buffer.alloc(0), retain: true });
  t.same(await all(persistence.createRetainedStream('a/b')), []);
  t.same(await all(persistence.createRetainedStream('#')), []);
});

t.test('an offline client keeps at most maxQueuedPerClient unsent messages, the newest', async (t) => {
  const drops: [string, number][] = [];
  const persistence = await open(tempFile(t), { maxQueuedPerClient: 3, onDropped: (clientId: string, count: number) => drops.push([clientId, count]) });
  t.teardown(() => persistence.destroy());
  const agent = { id: 'skiff-agent-pi-1' };
  const other = { id: 'skiff-agent-pi-2' };
  await persistence.outgoingEnqueueCombi([{ clientId: agent.id }], publish('t', 'in flight', 1));
  await persistence.outgoingUpdate(agent, { ...publish('t', 'in flight', 1), messageId: 1 });
  for (let i = 2; i <= 6; i++) await persistence.outgoingEnqueueCombi([{ clientId: agent.id }, { clientId: other.id }], publish('t', `m${i}`, i));
  t.same((await all(persistence.outgoingStream(agent))).map((p) => String(p.payload)), ['in flight', 'm4', 'm5', 'm6'], 'a message already sent stays until acknowledged');
  t.same((await all(persistence.outgoingStream(other))).map((p) => String(p.payload)), ['m4', 'm5', 'm6']);
  t.same(drops, [
    [agent.id, 1],
    [other.id, 1],
    [agent.id, 1],
    [other.id, 1],
  ]);
});

t.test('the frame size guard follows packet boundaries across chunks', async (t) => {
  const header = (remainingLength: number): number[] => {
    const bytes = [0x30];
    let n = remainingLength;
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      bytes.push(byte);
    } while (n > 0);
    return bytes;
  };
  const packet = (size: number) => Buffer.from([...header(size), ...new Array<number>(size).fill(7)]);

  const guard = new MqttFrameSizeGuard(300);
  const stream = Buffer.concat([packet(0), packet(300), packet(127), packet(128), Buffer.from([0xc0, 0x00])]);
  // Every split of the stream into two chunks, so that each header byte lands on a boundary once.
  for (let split = 0; split <= stream.length; split += 1) {
    const g = new MqttFrameSizeGuard(300);
    t.equal(g.feed(stream.subarray(0, split)) ?? g.feed(stream.subarray(split)), undefined, `within the limit, split at ${split}`);
  }
  t.equal(guard.feed(stream), undefined);
  t.equal(guard.feed(Buffer.from(header(301))), 301, 'a header declaring one byte too many is caught before any of its body');
  const bigSplit = new MqttFrameSizeGuard(300);
  const big = Buffer.from(header(2_000_000));
  t.equal(bigSplit.feed(big.subarray(0, 2)), undefined);
  t.equal(bigSplit.feed(big.subarray(2)), 2_000_000, 'a multi-byte length split across chunks');
  t.equal(new MqttFrameSizeGuard(300).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff])), Infinity, 'a length field over 4 bytes is malformed');
});
