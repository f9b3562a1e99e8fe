/**
 * shared/mqtt/unpooled-length-encoding.ts: after it is imported, the remaining-length encodings
 * mqtt-packet's writer caches are buffers of their own, not slices pinning a block of Node's
 * Buffer pool (mqttjs/mqtt-packet#163), and packets still encode and parse as before.
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import t from 'tap';
import { unpooledLengthEncoding } from '../../../shared/mqtt/unpooled-length-encoding.js';

const require = createRequire(import.meta.url);
const mqttPacket = require('mqtt-packet') as typeof import('mqtt-packet');

/** Every chunk the writer hands its stream for one packet. */
function chunksOf(packet: import('mqtt-packet').Packet): Buffer[] {
  const chunks: Buffer[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk), done()) });
  sink.cork = () => undefined; // keep each write a chunk of its own
  mqttPacket.writeToStream(packet, sink);
  return chunks;
}

t.test('small buffers do come from the shared pool on this Node (what the module guards against)', async (t) => {
  t.ok(unpooledLengthEncoding(), 'imported before the writer: in effect');
  const pooled = Buffer.allocUnsafe(4);
  t.equal(pooled.buffer.byteLength, Buffer.poolSize, 'a 4-byte allocUnsafe is a slice of a pool block');
});

t.test('each cached remaining-length encoding owns its memory, for lengths seen apart in time', async (t) => {
  for (const payloadBytes of [150, 1_200, 9_000, 16_000]) {
    const packet = { cmd: 'publish' as const, topic: 'nodes/a/status', payload: Buffer.alloc(payloadBytes), qos: 1 as const, messageId: 7, dup: false, retain: false };
    const remainingLength = 2 + packet.topic.length + 2 + payloadBytes;
    const expected = mqttPacket.generate(packet).subarray(1, 1 + (remainingLength < 128 ? 1 : remainingLength < 16_384 ? 2 : 3));
    // Twice: the second write takes the encoding from the writer's cache.
    for (const pass of ['first', 'cached']) {
      const encoded = chunksOf(packet).find((chunk) => chunk.length <= 4 && chunk.equals(expected));
      t.ok(encoded, `${pass} write of a ${remainingLength}-byte packet: its length went out as ${expected.toString('hex')}`);
      t.equal(encoded!.buffer.byteLength, encoded!.length, `${pass}: the encoding is a buffer of its own (${encoded!.buffer.byteLength} B behind it, not a ${Buffer.poolSize} B pool block)`);
    }
    Buffer.allocUnsafe(Buffer.poolSize / 2 - 1); // the next length lands in another pool block, as in an agent
  }
});

t.test('packets still encode and parse as before, below and above the lengths the writer caches', async (t) => {
  for (const payloadBytes of [3_000, 20_000]) {
    const packet = { cmd: 'publish' as const, topic: 'nodes/a/metrics', payload: Buffer.from('x'.repeat(payloadBytes)), qos: 1 as const, messageId: 42, dup: false, retain: false, length: 0 };
    const bytes = Buffer.concat(chunksOf(packet));
    const parser = mqttPacket.parser();
    const parsed = await new Promise<import('mqtt-packet').IPublishPacket>((resolve) => {
      parser.on('packet', (p) => resolve(p as import('mqtt-packet').IPublishPacket));
      parser.parse(bytes);
    });
    t.equal(parsed.topic, packet.topic, `${payloadBytes} B: topic`);
    t.equal(parsed.messageId, 42, `${payloadBytes} B: message id`);
    t.same(parsed.payload, packet.payload, `${payloadBytes} B: payload`);
  }
});
