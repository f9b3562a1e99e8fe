import { PassThrough } from 'node:stream';
import t from 'tap';
import { eventSubscription, onJsonLines } from '../../../agent/runtime/docker-streams.js';
import type { DockerEvent } from '../../../agent/runtime/docker-api.js';

t.test('JSON lines arrive whole whatever the chunking; malformed lines are skipped', async (t) => {
  const stream = new PassThrough();
  const seen: unknown[] = [];
  onJsonLines(stream, (line) => seen.push(line));
  const text = Buffer.from('{"a":1}\n{"b":"é"}\nnot json\n\n{"c":3}\n');
  const split = text.indexOf(0xa9); // inside the two-byte "é"
  stream.write(text.subarray(0, 3));
  stream.write(text.subarray(3, split));
  stream.write(text.subarray(split));
  stream.end();
  await new Promise((resolve) => stream.on('end', resolve).resume());
  t.same(seen, [{ a: 1 }, { b: 'é' }, { c: 3 }]);
});

t.test('an event subscription maps events and ends exactly once, not after close()', async (t) => {
  const stream = new PassThrough();
  const events: DockerEvent[] = [];
  let ends = 0;
  eventSubscription(stream, (e) => events.push(e), () => ends++);
  stream.write('{"Action":"die","Actor":{"ID":"abc"}}\n{"status":"destroy","id":"def"}\n');
  stream.destroy(new Error('dockerd restarted'));
  await new Promise((resolve) => setImmediate(resolve));
  t.same(events, [{ action: 'die', id: 'abc' }, { action: 'destroy', id: 'def' }]);
  t.equal(ends, 1, 'error then close: one end');

  const closed = new PassThrough();
  let closedEnds = 0;
  eventSubscription(closed, () => undefined, () => closedEnds++).close();
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(closedEnds, 0, 'closing it ourselves is not an end');
});
