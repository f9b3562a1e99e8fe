import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { EventSweeper } from '../../../hub/events/event-sweeper.js';
import { eventsToDelete, lastSeenMs } from '../../../hub/events/retention.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { createLogger } from '../../../shared/log.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const HOUR = 3_600_000;
const events = resolveResource('events')!;

/** An Event last seen `minutesAgo` before NOW. */
function seen(name: string, minutesAgo: number, namespace = 'default'): Event {
  const at = new Date(NOW - minutesAgo * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { apiVersion: 'v1', kind: 'Event', metadata: { name, namespace }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Pulled', firstTimestamp: at, lastTimestamp: at, count: 1, type: 'Normal' };
}

const names = (list: Event[]) => list.map((e) => e.metadata.name);

t.test('Events not seen for the TTL are deleted, the rest kept', async (t) => {
  const all = [seen('fresh', 5), seen('stale', 61), seen('edge', 60), seen('older', 600)];
  t.same(names(eventsToDelete(all, NOW, { ttlMs: HOUR, maxCount: 100 })), ['older', 'stale', 'edge']);
});

t.test('beyond maxCount the least recently seen go first', async (t) => {
  const all = [seen('c', 3), seen('a', 1), seen('d', 4), seen('b', 2)];
  t.same(names(eventsToDelete(all, NOW, { ttlMs: HOUR, maxCount: 2 })), ['d', 'c']);
  t.same(names(eventsToDelete(all, NOW, { ttlMs: HOUR, maxCount: 4 })), []);
  t.same(names(eventsToDelete(all, NOW, { ttlMs: HOUR, maxCount: 0 })), ['d', 'c', 'b', 'a']);
});

t.test('expired Events count towards the excess only once', async (t) => {
  const all = [seen('new', 1), seen('mid', 30), seen('old', 90)];
  t.same(names(eventsToDelete(all, NOW, { ttlMs: HOUR, maxCount: 1 })), ['old', 'mid']);
});

t.test('lastSeenMs falls back from lastTimestamp to eventTime, firstTimestamp and creation; no time reads as oldest', async (t) => {
  const base = seen('x', 0);
  t.equal(lastSeenMs({ ...base, lastTimestamp: null, eventTime: '2026-01-01T11:00:00.000000Z' }), Date.parse('2026-01-01T11:00:00Z'));
  t.equal(lastSeenMs({ ...base, lastTimestamp: null, eventTime: null, firstTimestamp: '2026-01-01T10:00:00Z' }), Date.parse('2026-01-01T10:00:00Z'));
  t.equal(lastSeenMs({ ...base, lastTimestamp: null, firstTimestamp: null, metadata: { name: 'x', creationTimestamp: '2026-01-01T09:00:00Z' } }), Date.parse('2026-01-01T09:00:00Z'));
  const timeless: Event = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'timeless' }, involvedObject: {} };
  t.equal(lastSeenMs(timeless), Number.NEGATIVE_INFINITY);
  t.same(names(eventsToDelete([seen('fresh', 1), timeless], NOW, { ttlMs: HOUR, maxCount: 10 })), ['timeless']);
});

t.test('the sweeper deletes expired and excess Events from the store, on demand and on its timer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-events-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const e of [seen('a', 1), seen('b', 2, 'shop'), seen('c', 3), seen('gone', 120)]) await store.create(events, e as unknown as KubeObject);
  let now = NOW;
  const sweeper = new EventSweeper(store, createLogger('hub', 'silent'), { ttlMs: HOUR, maxCount: 2, intervalMs: 10, now: () => now });

  const [first, joined] = [sweeper.sweep(), sweeper.sweep()];
  t.equal(first, joined, 'a pass in progress is joined, not doubled');
  t.equal(await first, 2);
  t.same((await store.list(events)).map((e) => e.metadata.name).sort(), ['a', 'b']);

  now = NOW + 2 * HOUR;
  sweeper.start();
  const deadline = Date.now() + 5_000;
  while ((await store.list(events)).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  await sweeper.stop();
  t.same(await store.list(events), [], 'the timer swept what expired');
});

t.test('a failing sweep is logged and retried later, never thrown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-events-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  await store.close(); // every call now fails
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sweeper = new EventSweeper(store, createLogger('hub', 'silent'), { ttlMs: HOUR, maxCount: 2, intervalMs: 10 });
  t.equal(await sweeper.sweep(), 0);
});
