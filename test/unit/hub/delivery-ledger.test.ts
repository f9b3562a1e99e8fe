/**
 * The hub's delivery ledger as a specification: per node and channel, a stream and the highest
 * seq applied; at or below it is a redelivery, above it is new, a new stream starts over, a
 * report without seqs (an older agent) is applied whole. Marks never move back, and the
 * metrics.db persistence gives them back after a hub restart.
 */
import t from 'tap';
import { DeliveryLedger, advancedMark, freshEntries } from '../../../hub/ingest/delivery-ledger.js';
import { MetricsDb } from '../../../hub/metrics/metrics-db.js';
import { DEFAULTS } from '../../../shared/defaults.js';

t.test('freshEntries: what a report adds to a mark', async (t) => {
  const mark = { stream: 's', seq: 5 };
  const cases: Array<[string, Parameters<typeof freshEntries>[0], Parameters<typeof freshEntries>[1], number, number[]]> = [
    ['no mark yet: all', undefined, { stream: 's', seqs: [1, 2] }, 2, [0, 1]],
    ['all at or below the mark: none', mark, { stream: 's', seqs: [4, 5] }, 2, []],
    ['a report straddling the mark: the part above', mark, { stream: 's', seqs: [4, 5, 6, 9] }, 4, [2, 3]],
    ['another stream: all', mark, { stream: 't', seqs: [1] }, 1, [0]],
    ['no seqs (an agent older than the outbox): all', mark, {}, 3, [0, 1, 2]],
  ];
  for (const [name, m, delivery, count, expected] of cases) t.same(freshEntries(m, delivery, count), expected, name);
});

t.test('advancedMark: the highest seq of the stream, or a new stream', async (t) => {
  t.same(advancedMark('n', 'events', undefined, { stream: 's', seqs: [3, 4] }), { node: 'n', channel: 'events', stream: 's', seq: 4 });
  t.same(advancedMark('n', 'events', { node: 'n', channel: 'events', stream: 's', seq: 9 }, { stream: 's', seqs: [3, 4] })?.seq, 9, 'never back');
  t.same(advancedMark('n', 'events', { node: 'n', channel: 'events', stream: 's', seq: 9 }, { stream: 't', seqs: [1] })?.seq, 1, 'a new stream');
  t.equal(advancedMark('n', 'events', undefined, {}), undefined);
  t.equal(advancedMark('n', 'events', undefined, { stream: 's', seqs: [] }), undefined);
});

t.test('DeliveryLedger remembers per node and channel, never moves a mark back, and persists through metrics.db', async (t) => {
  const file = `${t.testdir()}/metrics.db`;
  const db = new MetricsDb(file, DEFAULTS.metrics.tiers);
  const ledger = new DeliveryLedger(db);
  const high = ledger.next('pi-1', 'events', { stream: 's', seqs: [1, 2, 3] });
  ledger.remember(high);
  ledger.remember(ledger.next('pi-1', 'events', { stream: 's', seqs: [1] }));
  ledger.remember(undefined);
  t.equal(ledger.mark('pi-1', 'events')?.seq, 3, 'an older mark does not replace a newer one');
  t.same(ledger.fresh('pi-1', 'events', { stream: 's', seqs: [3, 4] }, 2), [1]);
  t.same(ledger.fresh('pi-1', 'metrics', { stream: 's', seqs: [3] }, 1), [0], 'channels apart');
  t.same(ledger.fresh('pi-2', 'events', { stream: 's', seqs: [3] }, 1), [0], 'nodes apart');
  ledger.save(high);
  ledger.save(undefined);
  db.close();

  const reopened = new MetricsDb(file, DEFAULTS.metrics.tiers);
  t.teardown(() => reopened.close());
  const after = new DeliveryLedger(reopened);
  t.same(after.mark('pi-1', 'events'), { node: 'pi-1', channel: 'events', stream: 's', seq: 3 }, 'back after a hub restart');
  t.same(new DeliveryLedger().fresh('pi-1', 'events', { stream: 's', seqs: [3] }, 1), [0], 'without persistence: memory only');
});
