/**
 * The outbox's trim rule as a specification, without SQLite: nothing goes under the limit; over
 * it, metrics are thinned (every second of the older half), then dropped oldest first, and only
 * then events; in-flight entries never go; a trim stops at the low-water mark.
 */
import t from 'tap';
import { planTrim, trimLimits, TRIM_TARGET_FRACTION, type OutboxChannel, type OutboxEntryInfo } from '../../../agent/outbox/outbox-policy.js';

/** Entries from a pattern: 'm' a metrics sample, 'e' an event, seq = position + 1, `bytes` each. */
function entries(pattern: string, bytes = 10): OutboxEntryInfo[] {
  return [...pattern].map((c, i) => ({ seq: i + 1, channel: (c === 'e' ? 'events' : 'metrics') as OutboxChannel, bytes }));
}

t.test('under the limit nothing is removed', async (t) => {
  t.same(planTrim(entries('mmemm'), { maxBytes: 50, targetBytes: 40 }), { remove: [], dropped: { events: 0, metrics: 0 }, thinned: 0 });
});

t.test('down-sampling first: every second sample of the older half of the metrics goes', async (t) => {
  // 8 metrics (80 bytes) over 70: the older half is seqs 1-4; thinning removes 2, then 4 would, but 60 <= 60 already.
  t.same(planTrim(entries('mmmmmmmm'), { maxBytes: 70, targetBytes: 60 }), { remove: [2, 4], dropped: { events: 0, metrics: 2 }, thinned: 2 });
  t.same(planTrim(entries('mmmmmmmm'), { maxBytes: 70, targetBytes: 70 }).remove, [2], 'stops as soon as the target is met');
});

t.test('then the oldest metrics go, and events only when no metric is left', async (t) => {
  const plan = planTrim(entries('emmmmeme'), { maxBytes: 40, targetBytes: 30 });
  // 8 x 10 = 80; thin: metrics are seqs 2,3,4,5,7; older half [2,3] -> 3 goes (70); oldest metrics 2,4,5,7 (30).
  t.same(plan, { remove: [2, 3, 4, 5, 7], dropped: { events: 0, metrics: 5 }, thinned: 1 });
  const eventsToo = planTrim(entries('emmeme'), { maxBytes: 10, targetBytes: 10 });
  t.same(eventsToo.remove, [1, 2, 3, 4, 5], 'every metric, then the oldest events');
  t.same(eventsToo.dropped, { events: 2, metrics: 3 });
});

t.test('entries in flight are never chosen', async (t) => {
  const plan = planTrim(entries('mmmmee'), { maxBytes: 10, targetBytes: 10 }, new Set([1, 5]));
  t.notOk(plan.remove.includes(1) || plan.remove.includes(5));
  t.same(plan.remove, [2, 3, 4, 6], 'everything else had to go');
});

t.test('repeated trims thin the oldest samples most (coarser with age)', async (t) => {
  let kept = entries('m'.repeat(64));
  for (let round = 0; round < 3; round++) {
    const total = kept.length * 10;
    const plan = planTrim(kept, { maxBytes: total - 1, targetBytes: Math.floor(total * 0.9) });
    const gone = new Set(plan.remove);
    kept = kept.filter((e) => !gone.has(e.seq));
  }
  const oldestQuarter = kept.filter((e) => e.seq <= 16).length;
  const newestQuarter = kept.filter((e) => e.seq > 48).length;
  t.equal(newestQuarter, 16, 'the newest samples are untouched');
  t.ok(oldestQuarter < 16, `the oldest are thinned (${oldestQuarter} of 16 left)`);
});

t.test('trimLimits sets the low-water mark below the limit', async (t) => {
  t.same(trimLimits(1000), { maxBytes: 1000, targetBytes: 1000 * TRIM_TARGET_FRACTION });
});
