import t from 'tap';
import { EventPublisher } from '../../../agent/report/event-publisher.js';
import { podEvent } from '../../../agent/report/pod-event.js';
import { MESSAGE_SCHEMA, type EventReport, type NodeEvent } from '../../../shared/mqtt/messages.js';
import { waitFor } from '../../helpers/wait.js';
import { pod, T0, uidOf } from './fixtures/builders.js';
import { capturingLogger } from './fixtures/local-servers.js';

const web = pod('web');
/** Event n, told apart by its message. */
const ev = (n: number): NodeEvent => podEvent(web, 'main', 'Normal', 'Pulled', `event ${n}`, T0 + n);
const messages = (report: EventReport | undefined) => report?.events.map((e) => e.message);

function harness(options: { maxQueued?: number; connected?: boolean } = {}) {
  const sent: EventReport[] = [];
  let connected = options.connected ?? true;
  /** Each publish takes the next behaviour from here; empty: succeed at once. */
  const behaviours: Array<() => Promise<void>> = [];
  const logger = capturingLogger();
  const publisher = new EventPublisher({
    node: 'pi-1',
    publish: async (report) => {
      const behaviour = behaviours.shift();
      if (behaviour) await behaviour();
      sent.push(report);
    },
    isConnected: () => connected,
    log: logger.log,
    batchDelayMs: 5,
    ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
  });
  return { publisher, sent, behaviours, lines: logger.lines, setConnected: (c: boolean) => (connected = c) };
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

t.test('events emitted together go out as one batch, in order', async (t) => {
  const h = harness();
  h.publisher.emit(ev(1));
  h.publisher.emit(ev(2));
  h.publisher.emit(ev(3));
  t.equal(h.publisher.queued, 3, 'held for the batch delay');
  await until('a batch', () => h.sent.length === 1);
  t.same(h.sent[0], { schema: MESSAGE_SCHEMA, node: 'pi-1', events: [ev(1), ev(2), ev(3)] });
  t.equal(h.publisher.queued, 0);
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
  t.equal(h.publisher.queued, 2, 'kept');
  h.setConnected(true);
  h.publisher.onConnected();
  await until('sent on connect', () => h.sent.length === 1);
  t.same(messages(h.sent[0]), ['event 1', 'event 2']);
});

t.test('the queue is bounded: the oldest events are dropped, and the drop is logged on reconnect', async (t) => {
  const h = harness({ connected: false, maxQueued: 3 });
  for (let i = 1; i <= 5; i++) h.publisher.emit(ev(i));
  t.equal(h.publisher.queued, 3);
  h.setConnected(true);
  h.publisher.onConnected();
  await until('sent', () => h.sent.length === 1);
  t.same(messages(h.sent[0]), ['event 3', 'event 4', 'event 5']);
  t.match(h.lines.filter((l) => l.msg === 'events dropped while the hub was unreachable (queue full)'), [{ level: 40, dropped: 2 }]);

  h.publisher.onConnected();
  await settle();
  t.equal(h.lines.filter((l) => l.msg === 'events dropped while the hub was unreachable (queue full)').length, 1, 'the count is reset once reported');
});

t.test('a failed publish keeps its batch for the next attempt, ahead of newer events', async (t) => {
  const h = harness();
  h.behaviours.push(async () => {
    throw new Error('not connected');
  });
  h.publisher.emit(ev(1));
  h.publisher.emit(ev(2));
  await until('the failed attempt is logged', () => h.lines.some((l) => l.msg === 'events not published; kept for the next attempt'));
  t.equal(h.sent.length, 0);
  t.equal(h.publisher.queued, 2, 'the batch is back in the queue');
  t.match(h.lines.find((l) => l.msg === 'events not published; kept for the next attempt'), { events: 2, err: 'not connected' });

  h.publisher.emit(ev(3));
  await until('sent', () => h.sent.length === 1);
  t.same(messages(h.sent[0]), ['event 1', 'event 2', 'event 3'], 'order preserved');
});

t.test('events emitted while a batch is being published go out in the next batch', async (t) => {
  const h = harness();
  let release: () => void = () => undefined;
  h.behaviours.push(() => new Promise<void>((resolve) => (release = resolve)));
  h.publisher.emit(ev(1));
  await until('the first publish started', () => h.publisher.queued === 0);
  h.publisher.emit(ev(2));
  h.publisher.emit(ev(3));
  await settle();
  t.equal(h.sent.length, 0, 'one publish at a time');
  release();
  await until('both batches', () => h.sent.length === 2);
  t.same(h.sent.map(messages), [['event 1'], ['event 2', 'event 3']]);
});

t.test('without options a batch still goes out (default delay and bound)', async (t) => {
  const sent: EventReport[] = [];
  const publisher = new EventPublisher({ node: 'pi-1', publish: async (r) => void sent.push(r), isConnected: () => true, log: capturingLogger().log });
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
  t.equal(h.publisher.queued, 1, 'the event was not sent');
});
