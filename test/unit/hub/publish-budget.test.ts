/**
 * A node's publish budget (hub/broker/publish-budget.ts), on a fake clock: a burst goes at once,
 * then publishes take the next slot at the rate, in order, and whatever the arrival pattern no more
 * than burst + rate x elapsed are ever let through; a node within its rate never waits. The flood
 * itself, against a real broker, is broker-flood.test.ts.
 */
import t from 'tap';
import { PublishBudget } from '../../../hub/broker/publish-budget.js';
import { ThrottledNotice } from '../../../hub/throttled-notice.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { randomInt, seededRandom } from '../../helpers/seeded-random.js';

const T0 = 1_000_000;

t.test('a fresh budget lets its burst go at once, then each publish waits for its own slot', async (t) => {
  const budget = new PublishBudget({ publishesPerSecond: 100, publishBurst: 3 });
  t.same([1, 2, 3].map(() => budget.take(T0)), [0, 0, 0], 'the burst, at once');
  t.same([1, 2, 3].map(() => budget.take(T0)), [10, 20, 30], 'then one slot every 10 ms, reserved in arrival order');
  t.equal(budget.take(T0 + 25), 15, 'later arrivals queue behind the reserved slots (40 ms after T0)');
});

t.test('an idle budget refills at the rate, up to its burst and no further', async (t) => {
  const budget = new PublishBudget({ publishesPerSecond: 100, publishBurst: 3 });
  for (let i = 0; i < 3; i++) budget.take(T0);
  t.equal(budget.take(T0 + 10), 0, 'one token back after 10 ms');
  t.equal(budget.take(T0 + 10), 10, 'and only one');
  const later = T0 + 3_600_000;
  t.same([1, 2, 3, 4].map(() => budget.take(later)), [0, 0, 0, 10], 'an hour idle gives back the burst, not an hour of tokens');
});

t.test('a slot is rounded up to the next whole ms, never down', async (t) => {
  const budget = new PublishBudget({ publishesPerSecond: 3, publishBurst: 1 });
  budget.take(T0);
  t.equal(budget.take(T0), 334, '1/3 s');
});

t.test('a clock that steps back refills nothing', async (t) => {
  const budget = new PublishBudget({ publishesPerSecond: 1_000, publishBurst: 1 });
  t.equal(budget.take(T0), 0);
  t.equal(budget.take(T0 - 60_000), 1, 'a minute back: still one slot to wait for');
  t.equal(budget.take(T0 + 1), 1, 'and the minute is not counted again when the clock comes back');
});

t.test('a node that keeps within its rate never waits, whatever its rhythm', async (t) => {
  const { publishesPerSecond, publishBurst } = DEFAULTS.broker;
  const budget = new PublishBudget({ publishesPerSecond, publishBurst });
  const random = seededRandom(0xb0d9e7);
  let now = T0;
  let waited = 0;
  for (let second = 0; second < 600; second++) {
    // Up to the rate each second, in clumps at random instants within it.
    const start = now;
    const clumps: number[] = [];
    for (let sent = 0; sent < publishesPerSecond; sent += clumps.at(-1)!) clumps.push(Math.min(publishesPerSecond - sent, 1 + randomInt(random, publishesPerSecond / 4)));
    const instants = clumps.map(() => start + randomInt(random, 1_000)).sort((a, b) => a - b);
    // Sometimes the whole second at its very end, right before the next one's at its start.
    if (random() < 0.2) instants.fill(start + 999);
    clumps.forEach((clump, i) => {
      now = instants[i]!;
      for (let j = 0; j < clump; j++) if (budget.take(now) > 0) waited++;
    });
    now = start + 1_000;
  }
  t.equal(waited, 0);
});

t.test('property: by any time, at most burst + rate x elapsed publishes have been let through', async (t) => {
  const failures: string[] = [];
  for (let seed = 1; seed <= 40; seed++) {
    const random = seededRandom(seed);
    const limits = { publishesPerSecond: 1 + randomInt(random, 5_000), publishBurst: 1 + randomInt(random, 2_000) };
    const budget = new PublishBudget(limits);
    const releases: number[] = [];
    let now = T0;
    let lastRelease = -Infinity;
    for (let i = 0; i < 5_000; i++) {
      // Floods, trickles and pauses, sometimes several publishes at the same instant.
      if (random() < 0.3) now += randomInt(random, random() < 0.1 ? 5_000 : 20);
      const release = now + budget.take(now);
      if (release < lastRelease) failures.push(`seed ${seed} #${i}: released at ${release}, before the one before it (${lastRelease})`);
      lastRelease = release;
      releases.push(release);
    }
    // Over every window starting at a release, the count may not exceed the burst plus the rate
    // over the window (plus one: slots are rounded up to whole ms, so several share an instant).
    releases.sort((a, b) => a - b);
    let end = 0;
    for (let start = 0; start < releases.length; start++) {
      for (const windowMs of [0, 1, 50, 1_000]) {
        while (end < releases.length && releases[end]! <= releases[start]! + windowMs) end++;
        const inWindow = end - start;
        const allowed = limits.publishBurst + (limits.publishesPerSecond * (windowMs + 1)) / 1000 + 1;
        if (inWindow > allowed) failures.push(`seed ${seed}: ${inWindow} released within ${windowMs} ms of ${releases[start]}, allowed ${allowed}`);
        end = start;
      }
    }
  }
  t.same(failures.slice(0, 10), [], `${failures.length} violations`);
});

t.test('a budget that could never let anything through is a configuration error', async (t) => {
  for (const limits of [
    { publishesPerSecond: 0, publishBurst: 10 },
    { publishesPerSecond: -5, publishBurst: 10 },
    { publishesPerSecond: Number.NaN, publishBurst: 10 },
    { publishesPerSecond: Number.POSITIVE_INFINITY, publishBurst: 10 },
    { publishesPerSecond: 100, publishBurst: 0 },
    { publishesPerSecond: 100, publishBurst: 2.5 },
  ]) {
    t.throws(() => new PublishBudget(limits), { name: 'SkiffError', code: 'SKIFF_ERR_CONFIG' }, JSON.stringify(limits));
  }
});

t.test('the delays are reported on the first, then at most once per interval with the count since', async (t) => {
  const notice = new ThrottledNotice(10_000);
  t.equal(notice.record(T0), 1, 'the first delay is reported at once');
  for (let i = 1; i < 500; i++) t.equal(notice.record(T0 + i), undefined);
  t.equal(notice.record(T0 + 9_999), undefined, 'still within the interval');
  t.equal(notice.record(T0 + 10_000), 501, 'one line for every delay since the last');
  t.equal(notice.record(T0 + 10_001), undefined);
  t.equal(notice.record(T0 + 3_600_000), 2, 'after a quiet hour, the next delay is reported at once');
});
