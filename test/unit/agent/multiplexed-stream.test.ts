import { PassThrough } from 'node:stream';
import t from 'tap';
import { collectMultiplexed } from '../../../agent/runtime/docker-streams.js';
import { EXEC_OUTPUT_LIMIT } from '../../../agent/runtime/docker-api.js';

/** One frame of Docker's multiplexed exec stream: type (1 stdout, 2 stderr), 3 zero bytes, BE size, payload. */
function frame(type: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const options = { timeoutMs: 5000, command: ['sh', '-c', 'check'] };

t.test('frames split anywhere across chunks are reassembled', async (t) => {
  const stream = new PassThrough();
  const collected = collectMultiplexed(stream, options);
  const bytes = Buffer.concat([frame(1, 'hello '), frame(1, 'wörld'), frame(1, '\n')]);
  // Cut inside the first header, inside a payload (through the two-byte "ö") and at a frame edge.
  const cuts = [3, 11, 14, 21, 24, bytes.length];
  let from = 0;
  for (const cut of cuts) {
    stream.write(bytes.subarray(from, cut));
    from = cut;
  }
  stream.end();
  t.equal(await collected, 'hello wörld\n');
});

t.test('stdout and stderr interleave in arrival order; empty frames are harmless', async (t) => {
  const stream = new PassThrough();
  const collected = collectMultiplexed(stream, options);
  stream.write(Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, ''), frame(1, 'out 2\n')]));
  stream.end(frame(2, 'err 2\n'));
  t.equal(await collected, 'out 1\nerr 1\nout 2\nerr 2\n');
});

t.test('string chunks are read as bytes', async (t) => {
  const stream = new PassThrough({ encoding: 'latin1' });
  const collected = collectMultiplexed(stream, options);
  stream.end(frame(1, 'plain'));
  t.equal(await collected, 'plain');
});

t.test('output beyond the limit is dropped, but the stream is read to its end', async (t) => {
  const stream = new PassThrough();
  const collected = collectMultiplexed(stream, { ...options, limit: 8 });
  stream.write(frame(1, 'abcde'));
  stream.write(frame(2, 'fghij')); // crosses the limit: cut after "fgh"
  stream.write(frame(1, 'klmno')); // past it: dropped
  stream.end();
  t.equal(await collected, 'abcdefgh');
});

t.test('the default limit is kubelet’s 10 KiB', async (t) => {
  const stream = new PassThrough();
  const collected = collectMultiplexed(stream, options);
  stream.end(frame(1, 'x'.repeat(EXEC_OUTPUT_LIMIT + 500)));
  t.equal((await collected).length, EXEC_OUTPUT_LIMIT);
  t.equal(EXEC_OUTPUT_LIMIT, 10 * 1024);
});

t.test('a command that outlives its timeout: rejected as kubelet words it, and the stream destroyed', async (t) => {
  const stream = new PassThrough();
  const collected = collectMultiplexed(stream, { timeoutMs: 50, command: ['sh', '-c', 'sleep 60'] });
  stream.write(frame(1, 'partial'));
  await t.rejects(collected, new Error('command "sh -c sleep 60" timed out'));
  t.ok(stream.destroyed, 'the exec stream is closed');
});

t.test('a stream error rejects with that error', async (t) => {
  const stream = new PassThrough();
  const collected = collectMultiplexed(stream, options);
  stream.destroy(new Error('socket hang up'));
  await t.rejects(collected, { message: 'socket hang up' });
});
