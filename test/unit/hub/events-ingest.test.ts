import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { EmbeddedBroker } from '../../../hub/broker/embedded-broker.js';
import { StoreEventRecorder } from '../../../hub/events/event-recorder.js';
import { EventIngest } from '../../../hub/ingest/event-ingest.js';
import { DeliveryLedger } from '../../../hub/ingest/delivery-ledger.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { MESSAGE_SCHEMA, encode, type NodeEvent } from '../../../shared/mqtt/messages.js';
import { eventsTopic } from '../../../shared/mqtt/topics.js';
import { pod } from './fixtures.js';

const events = resolveResource('events')!;
const pods = resolveResource('pods')!;

function started(name: string, uid = `uid-${name}`): NodeEvent {
  return {
    involvedObject: { kind: 'Pod', namespace: 'default', name, uid, fieldPath: 'spec.containers{c}' },
    type: 'Normal',
    reason: 'Started',
    message: 'Started container c',
    timestamp: new Date().toISOString(),
  };
}

/** A hub's event ingest on a real store and broker, with its log lines captured; torn down with `t`. */
async function ingestRig(t: Test, ledger?: DeliveryLedger) {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-event-ingest-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
  const broker = await EmbeddedBroker.start({ store, logger, port: 0, host: '127.0.0.1' });
  const recorder = new StoreEventRecorder(store, logger);
  const ingest = ledger ? new EventIngest(store, broker, recorder, logger, ledger) : new EventIngest(store, broker, recorder, logger);
  await ingest.start();
  t.teardown(async () => {
    await ingest.stop();
    await recorder.flush();
    await broker.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, lines, broker, recorder, ingest };
}

t.test('event reports from nodes', async (t) => {
  const { store, lines, broker, recorder, ingest } = await ingestRig(t);

  await store.create(pods, pod('mine', { nodeName: 'pi-1' }));
  await store.create(pods, pod('theirs', { nodeName: 'pi-2' }));
  await store.create(pods, pod('pending'));

  const send = (topicNode: string, body: unknown) => broker.publish(eventsTopic(topicNode), Buffer.isBuffer(body) ? body : encode(body as never), { qos: 1, retain: false });
  const report = (node: string, list: unknown[]) => ({ schema: MESSAGE_SCHEMA, node, events: list });
  const stored = async () => (await store.list(events)) as unknown as Event[];
  /** Waits until a log line matches (each report is handled asynchronously). */
  const logged = async (predicate: (line: Record<string, unknown>) => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!lines.some(predicate)) {
      if (Date.now() > deadline) throw new Error('timed out waiting for a log line');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await ingest.idle();
    await recorder.flush();
    return lines.find(predicate)!;
  };
  const settle = async (count: number) => {
    const deadline = Date.now() + 5_000;
    while ((await stored()).reduce((sum, e) => sum + (e.count ?? 0), 0) < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} occurrences`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await ingest.idle();
      await recorder.flush();
    }
  };

  await t.test('an event about a pod bound to the reporting node is recorded as the kubelet on that node', async (t) => {
    await send('pi-1', report('pi-1', [started('mine')]));
    await settle(1);
    const [event] = await stored();
    t.match(event, {
      metadata: { namespace: 'default', name: /^mine\.[0-9a-f]{16}$/ },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'mine', uid: 'uid-mine', fieldPath: 'spec.containers{c}' },
      reason: 'Started',
      message: 'Started container c',
      source: { component: 'kubelet', host: 'pi-1' },
      count: 1,
      type: 'Normal',
    });
  });

  await t.test('a repeat increments the count of the same Event', async (t) => {
    await send('pi-1', report('pi-1', [started('mine')]));
    await settle(2);
    const list = await stored();
    t.equal(list.length, 1);
    t.equal(list[0]!.count, 2);
  });

  await t.test("an event about another node's pod is dropped and logged with the field", async (t) => {
    await send('pi-1', report('pi-1', [started('theirs')]));
    const line = await logged((l) => l.pod === 'default/theirs');
    t.match(line, { level: 40, topic: eventsTopic('pi-1'), node: 'pi-1', field: 'events[0].involvedObject', boundTo: 'pi-2' });
    t.equal((await stored()).length, 1, 'nothing recorded');
  });

  await t.test('events about unbound, missing or recreated pods are dropped', async (t) => {
    await send('pi-1', report('pi-1', [started('pending'), started('ghost'), started('mine', 'uid-of-an-older-mine')]));
    await logged((l) => l.pod === 'default/mine' && l.uid === 'uid-of-an-older-mine');
    for (const name of ['pending', 'ghost']) t.ok(lines.some((l) => l.pod === `default/${name}` && /^events\[\d\]\.involvedObject$/.test(String(l.field))), name);
    t.equal((await stored()).length, 1);
  });

  await t.test('a report naming another node than its topic is dropped', async (t) => {
    await send('pi-1', report('pi-2', [started('theirs')]));
    t.match(await logged((l) => l.reportedNode === 'pi-2'), { level: 40, topic: eventsTopic('pi-1'), field: 'node' });
    t.equal((await stored()).length, 1);
  });

  await t.test('an undecodable report is logged with its topic and field, and the hub goes on', async (t) => {
    await send('pi-1', Buffer.from('{not json'));
    t.match(await logged((l) => l.msg === 'undecodable event report dropped' && /not JSON/.test(String(l.err))), { topic: eventsTopic('pi-1') });
    // From another node: a second undecodable report from pi-1 within 10 s is only counted
    // (hub/ingest/dropped-report-log.ts), so that a node flooding junk cannot flood the log.
    await send('pi-2', report('pi-2', [{ ...started('mine'), type: 'Fatal' }]));
    t.match(await logged((l) => /events\[0\]\.type/.test(String(l.err))), { level: 40, topic: eventsTopic('pi-2'), dropped: 1 });
  });

  await t.test('an over-long reason or a malformed fieldPath is dropped, and the rest of the report still counts', async (t) => {
    const longReason = { ...started('mine'), reason: 'R'.repeat(129) };
    const badPath = { ...started('mine'), involvedObject: { ...started('mine').involvedObject, fieldPath: 42 } };
    await send('pi-1', report('pi-1', [longReason, badPath, { ...started('mine'), reason: 'Killing', message: 'Stopping container c' }]));
    t.match(await logged((l) => l.field === 'events[0].reason'), { level: 40 });
    t.match(await logged((l) => l.field === 'events[1].involvedObject.fieldPath'), { level: 40 });
    await settle(3);
    t.same((await stored()).map((e) => e.reason).sort(), ['Killing', 'Started']);
  });

  await t.test('an outbox redelivery (seq already applied for the stream) is skipped; new seqs and a new stream are recorded', async (t) => {
    const occurrences = async () => (await stored()).reduce((sum, e) => sum + (e.count ?? 0), 0);
    const backOff = (n: number) => ({ ...started('mine'), reason: 'BackOff', message: `Back-off ${n}` });
    const before = await occurrences();
    await send('pi-1', { ...report('pi-1', [backOff(1), backOff(2)]), stream: 'a1', seqs: [10, 11] });
    await settle(before + 2);
    await send('pi-1', { ...report('pi-1', [backOff(1), backOff(2)]), stream: 'a1', seqs: [10, 11] });
    await send('pi-1', { ...report('pi-1', [backOff(2), backOff(3)]), stream: 'a1', seqs: [11, 12] });
    await settle(before + 3);
    t.equal(ingest.redelivered, 3, 'seqs 10, 11 and 11 again were skipped');
    t.ok(lines.some((l) => l.msg === 'events already recorded; skipped' && l.redelivered === 2));
    await send('pi-1', { ...report('pi-1', [backOff(4)]), stream: 'b2', seqs: [1] });
    await settle(before + 4);
    t.equal(await occurrences(), before + 4, 'a new stream (a wiped data dir) starts over at seq 1');
    t.same(
      (await stored()).filter((e) => e.reason === 'BackOff').map((e) => e.message).sort(),
      ['Back-off 1', 'Back-off 2', 'Back-off 3', 'Back-off 4'],
      'each once',
    );
  });
});

t.test('a delivery mark that cannot be saved is logged; the events are still recorded', async (t) => {
  const failing = new DeliveryLedger({
    loadMarks: () => [],
    saveMark: () => {
      throw new Error('database or disk is full');
    },
  });
  const { store, lines, broker, recorder, ingest } = await ingestRig(t, failing);
  await store.create(pods, pod('mine', { nodeName: 'pi-1' }));
  await broker.publish(eventsTopic('pi-1'), encode({ schema: MESSAGE_SCHEMA, node: 'pi-1', events: [started('mine')], stream: 's', seqs: [1] }), { qos: 1, retain: false });
  const deadline = Date.now() + 5_000;
  while (!lines.some((l) => l.msg === 'could not save the events delivery mark; a replay after a hub restart may repeat them')) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the log line');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await ingest.idle();
  await recorder.flush();
  t.match(lines.find((l) => /delivery mark/.test(String(l.msg))), { level: 50, err: /disk is full/ });
  t.equal(((await store.list(events)) as unknown as Event[]).length, 1, 'recorded');
  t.equal(failing.mark('pi-1', 'events')?.seq, 1, 'remembered in memory all the same');
});
