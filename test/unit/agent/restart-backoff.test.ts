import t from 'tap';
import { nextStreak, restartDelayMs, retryDelayMs } from '../../../agent/reconcile/restart-backoff.js';
import { withTermination } from '../../../agent/reconcile/history.js';

t.test('restart backoff follows kubelet: at once, then 10 s doubling to 5 min', async (t) => {
  const schedule = [1, 2, 3, 4, 5, 6, 7, 8, 20].map(restartDelayMs);
  t.same(schedule, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

t.test('a run of 10 minutes resets the streak; a shorter run extends it', async (t) => {
  const table: Array<[number, number | undefined, number]> = [
    [0, 1_000, 1],
    [3, 599_999, 4],
    [7, 600_000, 1],
    [7, 3_600_000, 1],
    [2, undefined, 3], // unknown run time (never started): no reset
  ];
  for (const [previous, ranMs, expected] of table) t.equal(nextStreak(previous, ranMs), expected, `streak ${previous}, ran ${ranMs} ms`);
});

t.test('recording terminations updates the streak from the run time, once per container', async (t) => {
  const run = (id: string, startMs: number, ranMs: number) => ({
    exitCode: 1,
    startedAt: new Date(startMs).toISOString(),
    finishedAt: new Date(startMs + ranMs).toISOString(),
    containerID: `docker://${id}`,
  });
  let h = withTermination(undefined, run('a', 0, 1000));
  h = withTermination(h, run('b', 2000, 1000));
  t.equal(h.backoffStreak, 2);
  t.equal(withTermination(h, run('b', 2000, 1000)), h, 'recording the same container again changes nothing');
  h = withTermination(h, run('c', 5000, 700_000));
  t.equal(h.backoffStreak, 1, 'a 10-minute run resets the curve');
});

t.test('pull and create retries back off from the first failure: 10 s, 20 s, ... 5 min', async (t) => {
  t.same([1, 2, 3, 6, 7, 30].map(retryDelayMs), [10_000, 20_000, 40_000, 300_000, 300_000, 300_000]);
});
