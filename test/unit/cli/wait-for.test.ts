import t from 'tap';
import { pollUntil } from '../../../hub/cli/wait-for.js';

/** A fake clock: sleeping advances time instantly. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let time = 0;
  const slept: number[] = [];
  return { now: () => time, sleep: async (ms) => void (slept.push(ms), (time += ms)), slept };
}

t.test('polls until the condition holds', async (t) => {
  const clock = fakeClock();
  let calls = 0;
  t.equal(await pollUntil(async () => ++calls === 3, { timeoutMs: 10_000, intervalMs: 500, ...clock }), true);
  t.same(clock.slept, [500, 500]);
});

t.test('gives up at the deadline, never sleeping past it', async (t) => {
  const clock = fakeClock();
  t.equal(await pollUntil(async () => false, { timeoutMs: 1200, intervalMs: 500, ...clock }), false);
  t.same(clock.slept, [500, 500, 200]);
});

t.test('a condition that already holds needs no sleep', async (t) => {
  const clock = fakeClock();
  t.equal(await pollUntil(async () => true, { timeoutMs: 0, ...clock }), true);
  t.same(clock.slept, []);
});
