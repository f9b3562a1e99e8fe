/**
 * The agent's outbox on a real SQLite file: entries acknowledged from memory never touch the
 * disk; a flush writes the rest in one transaction; a reopened file gives them back in seq order
 * with the same stream, and new seqs continue above the reserved block; the limit is kept by the
 * policy and the drop totals survive a reopen; a refused write keeps entries in memory.
 */
import t from 'tap';
import { openTestOutbox } from './outbox-harness.js';

const rows = (db: ReturnType<typeof openTestOutbox>['db']) => (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
/** Delivers everything waiting on a channel through a recorder; returns the seqs and values sent. */
async function drain(outbox: ReturnType<typeof openTestOutbox>['outbox'], channel: 'events' | 'metrics', limit = 100) {
  const sent: Array<{ seq: number; value: unknown }> = [];
  while ((await outbox.deliver(channel, limit, async (items) => void sent.push(...items))) > 0);
  return sent;
}

t.test('with the link up, entries are acknowledged from memory and never written', async (t) => {
  const { outbox, db } = openTestOutbox();
  outbox.enqueue('events', { n: 1 });
  outbox.enqueue('metrics', { n: 2 });
  t.same(await drain(outbox, 'events'), [{ seq: 1, value: { n: 1 } }]);
  t.same(await drain(outbox, 'metrics'), [{ seq: 2, value: { n: 2 } }]);
  outbox.flush();
  t.equal(rows(db), 0, 'nothing for the SD card');
  t.same(outbox.size(), { entries: 0, diskBytes: 0 });
});

t.test('a flush writes what waits; a reopened file gives it back in order, same stream, seqs continuing', async (t) => {
  const file = `${t.testdir()}/agent.db`;
  const first = openTestOutbox({ file });
  for (let n = 1; n <= 5; n++) first.outbox.enqueue(n % 2 ? 'metrics' : 'events', { n });
  first.outbox.flush();
  t.equal(rows(first.db), 5, 'one flush wrote them all');
  first.outbox.enqueue('metrics', { n: 6 }); // never flushed: lost with the process, as documented
  const stream = first.outbox.stream;
  first.db.close();

  const second = openTestOutbox({ file });
  t.teardown(() => second.db.close());
  t.equal(second.outbox.stream, stream);
  t.equal((second.db.pragma('integrity_check', { simple: true }) as string), 'ok');
  t.same(second.outbox.size().entries, 5);
  const next = second.outbox.enqueue('metrics', { n: 7 });
  t.equal(next, 1001, 'above the block reserved before the restart: seqs never repeat');
  t.same(await drain(second.outbox, 'metrics', 2), [
    { seq: 1, value: { n: 1 } },
    { seq: 3, value: { n: 3 } },
    { seq: 5, value: { n: 5 } },
    { seq: 1001, value: { n: 7 } },
  ], 'written entries first, then those still in memory, in batches of the limit');
  t.same(await drain(second.outbox, 'events'), [
    { seq: 2, value: { n: 2 } },
    { seq: 4, value: { n: 4 } },
  ]);
  t.equal(rows(second.db), 0, 'delivered entries are deleted');
});

t.test('a rejected publish keeps its entries first in line', async (t) => {
  const { outbox } = openTestOutbox();
  outbox.enqueue('events', { n: 1 });
  outbox.flush();
  outbox.enqueue('events', { n: 2 });
  await t.rejects(
    outbox.deliver('events', 10, async () => {
      throw new Error('broker went away');
    }),
    /broker went away/,
  );
  t.same((await drain(outbox, 'events')).map((i) => i.value), [{ n: 1 }, { n: 2 }]);
});

t.test('an entry written while in flight is deleted from the file once acknowledged', async (t) => {
  const { outbox, db } = openTestOutbox();
  outbox.enqueue('metrics', { n: 1 });
  let release!: () => void;
  const delivering = outbox.deliver('metrics', 10, () => new Promise<void>((resolve) => (release = resolve)));
  outbox.flush();
  t.equal(rows(db), 1, 'written while the broker had not acknowledged it');
  release();
  t.equal(await delivering, 1);
  t.equal(rows(db), 0);
  t.same(outbox.size(), { entries: 0, diskBytes: 0 });
});

t.test('over the limit the file is trimmed by the policy, logged, and the totals survive a reopen', async (t) => {
  const file = `${t.testdir()}/agent.db`;
  const first = openTestOutbox({ file, maxBytes: 2000 });
  const padding = 'x'.repeat(70);
  for (let n = 1; n <= 40; n++) {
    first.outbox.enqueue(n === 1 ? 'events' : 'metrics', { n, padding });
    if (n % 5 === 0) first.outbox.flush();
  }
  const dropped = first.outbox.droppedTotals();
  t.equal(dropped.events, 0, 'the event outlives every metric');
  t.ok(dropped.metrics > 0);
  t.ok(first.outbox.size().diskBytes <= 2000, `within the limit (${first.outbox.size().diskBytes} bytes)`);
  t.match(first.lines.find((l) => l.msg === 'outbox full while the hub is unreachable; metrics down-sampled, oldest entries dropped'), { level: 40, where: 'disk', maxBytes: 2000 });
  first.db.close();

  const second = openTestOutbox({ file, maxBytes: 2000 });
  t.teardown(() => second.db.close());
  t.same(second.outbox.droppedTotals(), dropped, 'drop totals kept on disk');
  const metrics = (await drain(second.outbox, 'metrics')).map((i) => (i.value as { n: number }).n);
  t.equal(metrics.length + dropped.metrics, 39, 'each sample kept or counted');
  t.equal(metrics.at(-1), 40, 'the newest kept');
  t.same((await drain(second.outbox, 'events')).map((i) => (i.value as { n: number }).n), [1]);
});

t.test('a refused write (disk full) keeps entries in memory, bounded, and retries at the next flush', async (t) => {
  const { outbox, db, lines } = openTestOutbox();
  db.exec(`CREATE TRIGGER full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;`);
  outbox.enqueue('events', { n: 1 });
  outbox.flush();
  t.match(lines.find((l) => l.msg === 'outbox not written; entries kept in memory for the next flush'), { level: 50, err: /disk is full/, pending: 1 });
  t.same(outbox.size(), { entries: 1, diskBytes: 0 }, 'nothing half-written');
  db.exec('DROP TRIGGER full');
  outbox.flush();
  t.equal(rows(db), 1, 'written once the disk takes it');
});

t.test('stop() writes what waits; start() runs one timer', async (t) => {
  const { outbox, db } = openTestOutbox();
  outbox.start();
  outbox.start();
  outbox.enqueue('events', { n: 1 });
  outbox.stop();
  t.equal(rows(db), 1);
});

t.test('while the disk refuses writes, memory is trimmed by the same rule', async (t) => {
  const { outbox, db, lines } = openTestOutbox({ maxBytes: 2000 });
  db.exec(`CREATE TRIGGER full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;`);
  outbox.enqueue('events', { n: 0 });
  for (let n = 1; n <= 40; n++) outbox.enqueue('metrics', { n, padding: 'x'.repeat(70) });
  outbox.flush();
  t.ok(outbox.droppedTotals().metrics > 0);
  t.equal(outbox.droppedTotals().events, 0);
  t.ok(outbox.size().entries < 41);
  t.match(lines.find((l) => l.msg === 'outbox full while the hub is unreachable; metrics down-sampled, oldest entries dropped'), { where: 'memory' });
});

t.test('a seq block that cannot be reserved (disk full) never stops an entry; logged once, retried', async (t) => {
  const { outbox, db, lines } = openTestOutbox();
  db.exec(`CREATE TRIGGER full BEFORE INSERT ON counters BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;`);
  t.equal(outbox.enqueue('events', { n: 1 }), 1);
  t.equal(outbox.enqueue('events', { n: 2 }), 2);
  t.equal(lines.filter((l) => l.msg === 'outbox seq block not reserved; retrying with the next entry').length, 1, 'logged once');
  db.exec('DROP TRIGGER full');
  t.equal(outbox.enqueue('events', { n: 3 }), 3);
  t.equal((db.prepare("SELECT value FROM counters WHERE name = 'outbox_seq'").get() as { value: number }).value, 1002, 'reserved once the disk takes it');
  t.same((await drain(outbox, 'events')).map((i) => i.seq), [1, 2, 3]);
});
