import t, { type Test } from 'tap';
import { WorkQueue, type WorkQueueOptions } from '../../../hub/controllers/work-queue.js';
import { createLogger } from '../../../shared/log.js';
import { eventually } from './fixtures.js';

const logger = createLogger('hub', 'silent');

/** A promise the test resolves by hand, to hold a sync open. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A queue whose sync records every call (and runs `body` for it), stopped when the test ends. */
function recordingQueue(t: Test, body: (key: string, call: number) => Promise<void> | void = () => {}, options: Partial<WorkQueueOptions> = {}) {
  const calls: string[] = [];
  const queue = new WorkQueue({
    name: 'test-queue',
    logger,
    retryInitialMs: 1,
    retryMaxMs: 4,
    ...options,
    sync: async (key) => {
      calls.push(key);
      await body(key, calls.filter((k) => k === key).length);
    },
  });
  t.teardown(() => queue.stop());
  const count = (key: string) => calls.filter((k) => k === key).length;
  return { queue, calls, count };
}

t.test('a key added many times while it waits in the queue is synced once', async (t) => {
  const hold = gate();
  const { queue, count } = recordingQueue(t, (key) => (key === 'blocker' ? hold.promise : undefined), { concurrency: 1 });
  queue.add('blocker');
  for (let i = 0; i < 5; i++) queue.add('a');
  hold.open();
  await queue.idle();
  t.equal(count('a'), 1);
  t.equal(count('blocker'), 1);
});

t.test('a key added while its sync runs is synced exactly once more afterwards', async (t) => {
  const hold = gate();
  const { queue, count } = recordingQueue(t, (_key, call) => (call === 1 ? hold.promise : undefined));
  queue.add('a');
  t.equal(count('a'), 1, 'the first sync has started');
  queue.add('a');
  queue.add('a');
  queue.add('a');
  t.equal(count('a'), 1, 'no second sync while the first runs');
  hold.open();
  await queue.idle();
  t.equal(count('a'), 2);
});

t.test('a failing sync is retried until it succeeds', async (t) => {
  const { queue, count } = recordingQueue(t, (_key, call) => {
    if (call <= 2) throw new Error(`transient failure ${call}`);
  });
  queue.add('a');
  await eventually('the third sync of a has run', () => count('a') >= 3);
  await queue.idle();
  t.equal(count('a'), 3, 'no further syncs after the success');
});

t.test('a key is never synced concurrently with itself, even with spare concurrency', async (t) => {
  const inFlight = new Map<string, number>();
  let worstSelfOverlap = 0;
  let mostKeysAtOnce = 0;
  let queue!: WorkQueue;
  const recorded = recordingQueue(
    t,
    async (key, call) => {
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      worstSelfOverlap = Math.max(worstSelfOverlap, inFlight.get(key)!);
      mostKeysAtOnce = Math.max(mostKeysAtOnce, [...inFlight.values()].filter((n) => n > 0).length);
      if (call < 5) {
        queue.add(key); // re-added while processing
        queue.add(['a', 'b', 'c'][call % 3]!);
      }
      await new Promise((resolve) => setImmediate(resolve));
      inFlight.set(key, inFlight.get(key)! - 1);
    },
    { concurrency: 4 },
  );
  queue = recorded.queue;
  for (const key of ['a', 'b', 'c']) queue.add(key);
  await queue.idle();
  t.equal(worstSelfOverlap, 1, 'at most one sync per key at a time');
  t.ok(mostKeysAtOnce > 1, `different keys did run in parallel (${mostKeysAtOnce} at once)`);
  t.ok(recorded.count('a') >= 5, `a was synced ${recorded.count('a')} times`);
});

t.test('idle() resolves at once on an empty queue, and after the last sync otherwise', async (t) => {
  const hold = gate();
  let finished = 0;
  const { queue } = recordingQueue(t, async () => {
    await hold.promise;
    finished++;
  }, { concurrency: 2 });
  await queue.idle();
  t.pass('an empty queue is idle');
  for (const key of ['a', 'b', 'c']) queue.add(key);
  let idle = false;
  const waiting = queue.idle().then(() => (idle = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.notOk(idle, 'not idle while syncs are held open');
  hold.open();
  await waiting;
  t.equal(finished, 3, 'every sync had finished when idle() resolved');
});

t.test('stop() waits for the running sync and then accepts no more work', async (t) => {
  const hold = gate();
  let finished = false;
  const { queue, count } = recordingQueue(t, async () => {
    await hold.promise;
    finished = true;
  });
  queue.add('a');
  let stopped = false;
  const stopping = queue.stop().then(() => (stopped = true));
  queue.add('b');
  await new Promise((resolve) => setImmediate(resolve));
  t.notOk(stopped, 'stop() is still waiting for the running sync');
  hold.open();
  await stopping;
  t.ok(finished, 'the running sync completed before stop() resolved');
  queue.add('a');
  queue.add('c');
  queue.addAfter('d', 0);
  await queue.idle();
  t.same([count('a'), count('b'), count('c'), count('d')], [1, 0, 0, 0], 'nothing ran after stop()');
});

t.test('stop() cancels a pending retry', async (t) => {
  const RETRY_MS = 20;
  const { queue, count } = recordingQueue(t, () => {
    throw new Error('always failing');
  }, { retryInitialMs: RETRY_MS, retryMaxMs: RETRY_MS });
  queue.add('a');
  await queue.idle();
  t.equal(count('a'), 1, 'the first attempt failed and a retry is scheduled');
  await queue.stop();
  // A timer with the same delay, created after the retry's, fires after it (Node runs timers of
  // equal duration in creation order), so this is an ordering barrier rather than a guess.
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  t.equal(count('a'), 1, 'the retry never ran');
});

t.test('throttle: a key synced again waits out the interval, its adds taken by one sync; other keys do not wait', async (t) => {
  const starts: Array<[string, number]> = [];
  const { queue, count } = recordingQueue(t, (key) => void starts.push([key, performance.now()]), { throttle: { minIntervalMs: 200 } });
  queue.add('a');
  await queue.idle();
  for (let i = 0; i < 10; i++) queue.add('a');
  queue.add('b');
  t.equal(count('b'), 1, 'another key is synced at once');
  await queue.idle();
  t.equal(count('a'), 2, 'ten adds during the interval: one more sync, and idle() waited for it');
  const [first, second] = starts.filter(([key]) => key === 'a').map(([, at]) => at);
  t.ok(second! - first! >= 199, `the second sync started ${(second! - first!).toFixed(0)} ms after the first (at least 200)`);
});

t.test('throttle: a slow sync keeps its key away for durationFactor times its duration', async (t) => {
  const starts: number[] = [];
  const { queue } = recordingQueue(
    t,
    async () => {
      starts.push(performance.now());
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
    { throttle: { minIntervalMs: 1, durationFactor: 3 } },
  );
  queue.add('a');
  await new Promise((resolve) => setTimeout(resolve, 10));
  queue.add('a'); // while it runs: once more afterwards, throttled
  await queue.idle();
  t.equal(starts.length, 2);
  t.ok(starts[1]! - starts[0]! >= 299, `${(starts[1]! - starts[0]!).toFixed(0)} ms between the starts: at least 3 x the 100 ms the first took`);
});

t.test('stop() cancels a key waiting out its throttle', async (t) => {
  const { queue, count } = recordingQueue(t, () => {}, { throttle: { minIntervalMs: 100 } });
  queue.add('a');
  await queue.idle();
  queue.add('a');
  await queue.stop();
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.equal(count('a'), 1, 'the throttled sync never ran');
});
