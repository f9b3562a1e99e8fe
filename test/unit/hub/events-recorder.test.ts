import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { MAX_QUEUED_WRITES, StoreEventRecorder } from '../../../hub/events/event-recorder.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { node, pod } from './fixtures.js';

const events = resolveResource('events')!;
const NOW = new Date('2026-01-01T12:00:00.000Z');
const KUBELET = { component: 'kubelet', host: 'pi-1' };

/** A logger whose JSON lines the test can read. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

function tempStore(t: Test): { store: SqliteStore; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-events-'));
  const file = join(dir, 'hub.db');
  const store = new SqliteStore(file);
  t.teardown(async () => {
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, file };
}

async function storedEvents(store: SqliteStore): Promise<Event[]> {
  return (await store.list(events)) as unknown as Event[];
}

t.test('record writes a new Event and folds repeats into it', async (t) => {
  const { store } = tempStore(t);
  let now = NOW;
  const recorder = new StoreEventRecorder(store, capturingLogger().logger, { now: () => now });
  const p = pod('web-1');
  recorder.record(p, 'Normal', 'Scheduled', 'Successfully assigned default/web-1 to pi-1', { component: 'default-scheduler' });
  recorder.record({ ...p.metadata, kind: 'Pod', apiVersion: 'v1', fieldPath: 'spec.containers{c}' }, 'Warning', 'BackOff', 'Back-off restarting failed container c', KUBELET);
  now = new Date(NOW.getTime() + 40_000);
  recorder.record({ ...p.metadata, kind: 'Pod', apiVersion: 'v1', fieldPath: 'spec.containers{c}' }, 'Warning', 'BackOff', 'Back-off restarting failed container c', KUBELET);
  await recorder.flush();

  const list = await storedEvents(store);
  t.equal(list.length, 2);
  const scheduled = list.find((e) => e.reason === 'Scheduled')!;
  t.match(scheduled, {
    metadata: { namespace: 'default', name: /^web-1\.[0-9a-f]{16}$/ },
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'uid-web-1' },
    source: { component: 'default-scheduler' },
    count: 1,
    type: 'Normal',
  });
  const backOff = list.find((e) => e.reason === 'BackOff')!;
  t.equal(backOff.count, 2);
  t.equal(backOff.firstTimestamp, '2026-01-01T12:00:00Z');
  t.equal(backOff.lastTimestamp, '2026-01-01T12:00:40Z');
  t.equal(backOff.involvedObject.fieldPath, 'spec.containers{c}');
});

t.test('Events about a Node land in "default"', async (t) => {
  const { store } = tempStore(t);
  const recorder = new StoreEventRecorder(store, capturingLogger().logger);
  recorder.record(node('pi-1'), 'Normal', 'NodeNotReady', 'Node pi-1 status is now: NodeNotReady', { component: 'node-controller' });
  await recorder.flush();
  t.same((await storedEvents(store)).map((e) => [e.metadata.namespace, e.involvedObject.kind, e.involvedObject.name]), [['default', 'Node', 'pi-1']]);
});

t.test('a reported time is kept when plausible and replaced by the hub clock when not', async (t) => {
  const { store } = tempStore(t);
  const recorder = new StoreEventRecorder(store, capturingLogger().logger, { now: () => NOW, maxAgeMs: 3_600_000 });
  recorder.record(pod('a'), 'Normal', 'Pulled', 'm', KUBELET, new Date('2026-01-01T11:59:30Z'));
  recorder.record(pod('b'), 'Normal', 'Pulled', 'm', KUBELET, new Date('1970-01-01T00:00:10Z'));
  await recorder.flush();
  const byPod = Object.fromEntries((await storedEvents(store)).map((e) => [e.involvedObject.name, e.lastTimestamp]));
  t.same(byPod, { a: '2026-01-01T11:59:30Z', b: '2026-01-01T12:00:00Z' });
});

t.test('a repeat of an Event deleted meanwhile (expired, or by a user) writes it again under its name, count kept', async (t) => {
  const { store } = tempStore(t);
  const recorder = new StoreEventRecorder(store, capturingLogger().logger);
  recorder.record(pod('web-1'), 'Normal', 'Pulled', 'm', KUBELET);
  await recorder.flush();
  const [first] = await storedEvents(store);
  await store.delete(events, 'default', first!.metadata.name!);
  recorder.record(pod('web-1'), 'Normal', 'Pulled', 'm', KUBELET);
  await recorder.flush();
  const list = await storedEvents(store);
  t.equal(list.length, 1);
  t.equal(list[0]!.metadata.name, first!.metadata.name);
  t.equal(list[0]!.count, 2);
});

t.test('after a restart, repeats fold into the Events already stored', async (t) => {
  const { store, file } = tempStore(t);
  const before = new StoreEventRecorder(store, capturingLogger().logger);
  before.record(pod('web-1'), 'Warning', 'BackOff', 'Back-off restarting failed container c', KUBELET);
  before.record(pod('web-1'), 'Warning', 'BackOff', 'Back-off restarting failed container c', KUBELET);
  await before.flush();
  await store.close();

  const reopened = new SqliteStore(file);
  t.teardown(() => reopened.close());
  const after = new StoreEventRecorder(reopened, capturingLogger().logger);
  await after.start();
  after.record(pod('web-1'), 'Warning', 'BackOff', 'Back-off restarting failed container c', KUBELET);
  await after.flush();
  const list = await storedEvents(reopened);
  t.equal(list.length, 1, 'no second Event');
  t.equal(list[0]!.count, 3);
});

t.test('record never throws: a store that fails is logged with the Event it was writing', async (t) => {
  const { store } = tempStore(t);
  const { logger, lines } = capturingLogger();
  const recorder = new StoreEventRecorder(store, logger);
  await store.close();
  await recorder.start();
  t.doesNotThrow(() => recorder.record(pod('web-1'), 'Normal', 'Scheduled', 'm', { component: 'default-scheduler' }));
  await recorder.flush();
  t.match(lines, [
    { level: 50, component: 'event-recorder', msg: /could not read stored events/ },
    { level: 40, component: 'event-recorder', msg: 'could not write event', event: { reason: 'Scheduled', involvedObject: 'Pod/default/web-1' }, err: /database/ },
  ]);
});

t.test('record never throws on a malformed object either', async (t) => {
  const { store } = tempStore(t);
  const { logger, lines } = capturingLogger();
  const recorder = new StoreEventRecorder(store, logger);
  const broken = { apiVersion: 'v1', kind: 'Pod', metadata: null } as unknown as Parameters<StoreEventRecorder['record']>[0];
  t.doesNotThrow(() => recorder.record(broken, 'Normal', 'Scheduled', 'm', { component: 'default-scheduler' }));
  t.match(lines, [{ level: 50, msg: 'could not record event', reason: 'Scheduled' }]);
});

t.test(`beyond ${MAX_QUEUED_WRITES} unwritten Events new ones are dropped with a warning`, async (t) => {
  const { store } = tempStore(t);
  const { logger, lines } = capturingLogger();
  const recorder = new StoreEventRecorder(store, logger);
  for (let i = 0; i < MAX_QUEUED_WRITES + 3; i++) recorder.record(pod(`p-${i}`), 'Normal', 'Pulled', 'm', KUBELET);
  await recorder.flush();
  t.equal((await storedEvents(store)).length, MAX_QUEUED_WRITES);
  t.equal(lines.filter((l) => String(l.msg).startsWith('event dropped')).length, 3);
});

t.test('repeats held back by the spam filter are not written, and say so at debug level', async (t) => {
  const { store } = tempStore(t);
  const { logger, lines } = capturingLogger();
  const recorder = new StoreEventRecorder(store, logger);
  for (let i = 0; i < 30; i++) recorder.record(pod('web-1'), 'Warning', 'FailedScheduling', '0/1 nodes are available: 1 node(s) were not ready.', { component: 'default-scheduler' });
  await recorder.flush();
  const [event] = await storedEvents(store);
  t.equal(event!.count, 25);
  t.equal(lines.filter((l) => l.msg === 'event held back by the spam filter').length, 5);
});
