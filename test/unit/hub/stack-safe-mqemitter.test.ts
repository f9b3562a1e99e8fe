/**
 * hub/broker/stack-safe-mqemitter.ts: a queue of 50,000 messages behind a concurrency limit,
 * delivered to a handler that finishes at once, kills a stock mqemitter with a stack overflow
 * (the control, so this test can fail) and is delivered whole, in order, by the hub's.
 */
import mqemitter from 'mqemitter';
import t from 'tap';
import { MAX_NESTED_DELIVERIES, stackSafeMqEmitter } from '../../../hub/broker/stack-safe-mqemitter.js';

const QUEUED = 50_000;

/** Holds the one slot with a first message, queues QUEUED more, then lets the first one end. */
function drainQueue(mq: mqemitter.MQEmitter): { delivered: number[]; release: () => void } {
  const delivered: number[] = [];
  let hold: (() => void) | undefined;
  mq.on('nodes/+/status', (message, done) => {
    delivered.push(message.n as number);
    if (message.n === 0) hold = done;
    else done();
  });
  for (let n = 0; n <= QUEUED; n++) mq.emit({ topic: `nodes/node-${n % 7}/status`, n });
  return { delivered, release: () => hold!() };
}

t.test('a stock mqemitter overflows the stack on the same queue', async (t) => {
  const { release } = drainQueue(mqemitter({ concurrency: 1 }));
  t.throws(release, RangeError, 'Maximum call stack size exceeded');
});

t.test('the hub’s delivers every queued message, in order, without overflowing', async (t) => {
  const mq = stackSafeMqEmitter({ concurrency: 1 });
  const { delivered, release } = drainQueue(mq);
  t.equal(delivered.length, 1, 'the first message holds the only slot; the rest wait');
  release();
  t.ok(delivered.length > 1 && delivered.length <= MAX_NESTED_DELIVERIES + 2, `at most ${MAX_NESTED_DELIVERIES} nested deliveries on this stack (${delivered.length - 1})`);
  await new Promise<void>((resolve) => {
    const check = (): void => (delivered.length === QUEUED + 1 ? resolve() : void setImmediate(check));
    check();
  });
  t.same(delivered, Array.from({ length: QUEUED + 1 }, (_, n) => n), 'all of them, in the order emitted');
  t.equal(mq.current, 0, 'no slot left held');
});

t.test('with room to spare, a message is delivered at once, as before', async (t) => {
  const mq = stackSafeMqEmitter({ concurrency: 100 });
  const seen: string[] = [];
  mq.on('a/b', (message, done) => {
    seen.push(message.topic);
    done();
  });
  await new Promise<void>((resolve) => setImmediate(resolve)); // mqemitter adds listeners at once but says so later
  mq.emit({ topic: 'a/b' });
  t.same(seen, ['a/b'], 'delivered inside emit');
});
