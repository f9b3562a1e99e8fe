import t from 'tap';
import { EventPublisher } from '../../../agent/report/event-publisher.js';
import { podEvent } from '../../../agent/report/pod-event.js';
import { MESSAGE_SCHEMA, type EventReport, type NodeEvent } from '../../../shared/mqtt/messages.js';
import { waitFor } from '../../helpers/wait.js';
import { pod, T0, uidOf } from './fixtures/builders.js';
import { capturingLogger } from './fixtures/local-servers.js';
import { openTestOutbox } from './outbox-harness.js';

const web = pod('web');
/** Event n, told apart by its message. */
const ev = (n: number): NodeEvent => podEvent(web, 'main', 'Normal', 'Pulled', `event ${n}`, T0 + n);
const messages = (report: EventReport | undefined) => report?.events.map((e) => e.message);

function harness(options: { connected?: boolean; outbox?: ReturnType<typeof openTestOutbox>['outbox'] } = {}) {
  const sent: EventReport[] = [];
  const outbox = options.outbox ?? openTestOutbox().outbox;
  let connected = options.connected ?? true;
  /** Each publish takes the next behaviour from here; empty: succeed at once. */
  const behaviours: Array<() => Promise<void>> = [];
  const logger = capturingLogger();
  const publisher = new EventPublisher({
    node: 'pi-1',
    outbox,
    publish: async (report) => {
      const behaviour = behaviours.shift();
      if (behaviour) await behaviour();
      sent.push(report);
    },
    isConnected: () => connected,
    log: logger.log,
    batchDelayMs: 5,
  });
  const waiting = (): number => outbox.size().entries;
  return { publisher, outbox, waiting, sent, behaviours, lines: logger.lines, setConnected: (c: boolean) => (connected = c) };
}

const until = (what: string, probe: () => boolean) => waitFor(what, probe, { timeoutMs: 2000, intervalMs: 2 });
/** Longer than several batch delays: enough for a scheduled flush to have happened. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

t.test('podEvent shapes an event as kubelet’s recorder does', async (t) => {
  t.same(podEvent(web, 'main', 'Warning', 'Unhealthy', 'Readiness probe failed: x', T0), {
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: uidOf('web'), fieldPath: 'spec.containers{main}' },
    type: 'Warning',
    reason: 'Unhealthy',
    message: 'Readiness probe failed: x',
    timestamp: '2030-01-01T00:00:00.000Z',
  });
  t.same(podEvent(web, undefined, 'Normal', 'Scheduled', 'm', T0).involvedObject, { kind: 'Pod', namespace: 'default', name: 'web', uid: uidOf('web') }, 'a pod-level event has no fieldPath');
});

t.test('events emitted together go out as one batch, in order, with their outbox seqs', async (t) => {
  const h = harness();
  h.publisher.emit(ev(1));
  h.publisher.emit(ev(2));
  h.publisher.emit(ev(3));
  t.equal(h.waiting(), 3, 'held for the batch delay');
  await until('a batch', () => h.sent.length === 1);
  t.same(h.sent[0], { schema: MESSAGE_SCHEMA, node: 'pi-1', events: [ev(1), ev(2), ev(3)], stream: h.outbox.stream, seqs: [1, 2, 3] });
  t.equal(h.waiting(), 0, 'acknowledged entries leave the outbox');
  await settle();
  t.equal(h.sent.length, 1, 'nothing more to send');
});

t.test('a long queue goes out in batches of at most 100', async (t) => {
  const h = harness();
  for (let i = 1; i <= 230; i++) h.publisher.emit(ev(i));
  await until('all sent', () => h.sent.reduce((n, r) => n + r.events.length, 0) === 230);
  t.same(h.sent.map((r) => r.events.length), [100, 100, 30]);
  t.same(h.sent.flatMap((r) => r.events.map((e) => e.message)), Array.from({ length: 230 }, (_, i) => `event ${i + 1}`), 'order kept across batches');
});

t.test('while disconnected events wait; onConnected sends them', async (t) => {
  const h = harness({ connected: false });
  h.publisher.emit(ev(1));
  h.publisher.emit(ev(2));
  await settle();
  t.equal(h.sent.length, 0, 'nothing sent while the link is down');
  t.equal(h.waiting(), 2, 'kept');
  h.setConnected(true);
  h.publisher.onConnected();
  await until('sent on connect', () => h.sent.length === 1);
  t.same(messages(h.sent[0]), ['event 1', 'event 2']);
});

t.test('events left in the outbox by an earlier run go out first, with their seqs, after a restart', async (t) => {
  const dir = t.testdir();
  const file = `${dir}/agent.db`;
  const before = openTestOutbox({ file });
  const first = harness({ connected: false, outbox: before.outbox });
  first.publisher.emit(ev(1));
  first.publisher.emit(ev(2));
  first.publisher.stop();
  before.outbox.flush();
  before.db.close(); // the agent is gone; its outbox is on disk

  const after = openTestOutbox({ file });
  t.teardown(() => after.db.close());
  const h = harness({ outbox: after.outbox });
  h.publisher.emit(ev(3));
  await until('sent', () => h.sent.reduce((n, r) => n + r.events.length, 0) === 3);
  t.same(h.sent.flatMap((r) => r.events.map((e) => e.message)), ['event 1', 'event 2', 'event 3'], 'in order');
  t.same(h.sent.flatMap((r) => r.seqs), [1, 2, 1001], 'the same seqs as before the restart; new ones above the reserved block');
  t.ok(h.sent.every((r) => r.stream === before.outbox.stream), 'the same stream');
});

t.test('a failed publish keeps its batch for the next attempt, ahead of newer events', async (t) => {
  const h = harness();
  h.behaviours.push(async () => {
    throw new Error('not connected');
  });
  h.publisher.emit(ev(1));
  h.publisher.emit(ev(2));
  await until('the failed attempt is logged', () => h.lines.some((l) => l.msg === 'events not published; kept in the outbox for the next attempt'));
  t.equal(h.sent.length, 0);
  t.equal(h.waiting(), 2, 'the batch is still in the outbox');
  t.match(h.lines.find((l) => l.msg === 'events not published; kept in the outbox for the next attempt'), { err: 'not connected' });

  h.publisher.emit(ev(3));
  await until('sent', () => h.sent.length === 1);
  t.same(messages(h.sent[0]), ['event 1', 'event 2', 'event 3'], 'order preserved');
});

t.test('events emitted while a batch is being published go out in the next batch', async (t) => {
  const h = harness();
  let release: () => void = () => undefined;
  let started = false;
  h.behaviours.push(
    () =>
      new Promise<void>((resolve) => {
        started = true;
        release = resolve;
      }),
  );
  h.publisher.emit(ev(1));
  await until('the first publish started', () => started);
  h.publisher.emit(ev(2));
  h.publisher.emit(ev(3));
  await settle();
  t.equal(h.sent.length, 0, 'one publish at a time');
  release();
  await until('both batches', () => h.sent.length === 2);
  t.same(h.sent.map(messages), [['event 1'], ['event 2', 'event 3']]);
});

t.test('without options a batch still goes out (default delay)', async (t) => {
  const sent: EventReport[] = [];
  const { outbox } = openTestOutbox();
  const publisher = new EventPublisher({ node: 'pi-1', outbox, publish: async (r) => void sent.push(r), isConnected: () => true, log: capturingLogger().log });
  publisher.emit(ev(1));
  await until('sent', () => sent.length === 1);
  t.same(messages(sent[0]), ['event 1']);
});

t.test('stop() cancels a pending batch', async (t) => {
  const h = harness();
  h.publisher.emit(ev(1));
  h.publisher.stop();
  await settle();
  t.equal(h.sent.length, 0);
  t.equal(h.waiting(), 1, 'the event was not sent');
});
