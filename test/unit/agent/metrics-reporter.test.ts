/**
 * MetricsReporter with fake samplers, a fake broker link and an injected clock, over a real
 * (in-memory SQLite) outbox: samples wait in the outbox while the hub is unreachable (down-sampled
 * and dropped, and counted, when it is full), go out oldest first in reports of at most
 * maxPerReport with their seqs and the drop totals, stay in the outbox when a publish fails, and
 * a failing sampler is logged, never thrown.
 */
import { pino } from 'pino';
import t from 'tap';
import { MetricsReporter, type MetricsReporterDeps } from '../../../agent/metrics/metrics-reporter.js';
import type { NodeSample, PodSample } from '../../../shared/metrics/samples.js';
import { MESSAGE_SCHEMA, type MetricsReport } from '../../../shared/mqtt/messages.js';
import type { Outbox } from '../../../agent/outbox/outbox.js';
import { openTestOutbox } from './outbox-harness.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

function nodeSample(load1: number): NodeSample {
  return { cpuSeconds: [{ user: load1 }], load1, load5: 0, load15: 0, memoryTotalBytes: 1000, memoryAvailableBytes: 500, filesystems: [], network: [], uptimeSeconds: 1, bootTimeSeconds: 1 };
}

const POD: PodSample = { namespace: 'default', name: 'web', uid: 'u-web', containers: [{ name: 'app', cpuUsageSeconds: 1 }] };

interface Harness {
  reporter: MetricsReporter;
  deps: MetricsReporterDeps;
  outbox: Outbox;
  /** Samples in the outbox. */
  buffered(): number;
  published: MetricsReport[];
  logs: Array<{ level: number; msg: string; [k: string]: unknown }>;
  connected: { value: boolean };
  /** Seconds since T0 of each buffered-then-sent sample, per report. */
  sentSeconds(): number[][];
  /** Make the next publishes fail. */
  failNext: { count: number };
}

function harness(overrides: Partial<MetricsReporterDeps> = {}, outboxOptions: { maxBytes?: number } = {}): Harness {
  const { outbox } = openTestOutbox(outboxOptions);
  const published: MetricsReport[] = [];
  const logs: Harness['logs'] = [];
  const connected = { value: true };
  const failNext = { count: 0 };
  let ticks = 0;
  let clock = T0;
  const deps: MetricsReporterDeps = {
    node: 'pi-1',
    outbox,
    sampleNode: async () => nodeSample(ticks++),
    samplePods: async () => [POD],
    publish: async (report) => {
      if (failNext.count > 0) {
        failNext.count--;
        throw new Error('not connected');
      }
      published.push(structuredClone(report));
    },
    isConnected: () => connected.value,
    now: () => {
      const now = clock;
      clock += 10_000;
      return now;
    },
    intervalMs: 10_000,
    maxPerReport: 100,
    log: pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s) as Harness['logs'][number]) }),
    ...overrides,
  };
  return {
    reporter: new MetricsReporter(deps),
    deps,
    outbox,
    buffered: () => outbox.size().entries,
    published,
    logs,
    connected,
    failNext,
    sentSeconds: () => published.map((r) => r.samples.map((s) => (Date.parse(s.timestamp) - T0) / 1000)),
  };
}

t.test('connected: each tick samples node and pods and sends them as one report', async (t) => {
  const h = harness();
  await h.reporter.tick();
  t.same(h.published, [
    {
      schema: MESSAGE_SCHEMA,
      node: 'pi-1',
      samples: [{ timestamp: '2030-01-01T00:00:00.000Z', node: nodeSample(0), pods: [POD] }],
      stream: h.outbox.stream,
      seqs: [1],
      outboxDropped: { events: 0, metrics: 0 },
    },
  ]);
  t.equal(h.buffered(), 0);
  t.ok(h.reporter.lastSampleMs >= 0);
  t.ok(h.logs.some((l) => l.msg === 'metrics sampled' && l.pods === 1), 'sampling cost logged at debug');
});

t.test('disconnected: samples are buffered, then sent oldest first once the link is back', async (t) => {
  const h = harness();
  h.connected.value = false;
  for (let i = 0; i < 3; i++) await h.reporter.tick();
  t.same(h.published, [], 'nothing published while disconnected');
  t.equal(h.buffered(), 3);
  h.connected.value = true;
  await h.reporter.tick();
  t.same(h.sentSeconds(), [[0, 10, 20, 30]]);
  t.equal(h.buffered(), 0);
});

t.test('flush alone sends what is buffered without sampling', async (t) => {
  const h = harness();
  h.connected.value = false;
  await h.reporter.tick();
  await h.reporter.flush();
  t.same(h.published, []);
  h.connected.value = true;
  await h.reporter.flush();
  t.same(h.sentSeconds(), [[0]]);
});

t.test('a full outbox down-samples, then drops the oldest samples; the totals go out with the next report', async (t) => {
  const h = harness({}, { maxBytes: 4000 });
  h.connected.value = false;
  for (let i = 0; i < 40; i++) {
    await h.reporter.tick();
    h.outbox.flush(); // one transaction per flush, as the agent's timer does
  }
  const dropped = h.outbox.droppedTotals();
  t.ok(dropped.metrics > 0, 'samples were given up');
  t.equal(dropped.events, 0);
  t.ok(h.outbox.size().diskBytes <= 4000, 'within the limit');
  h.connected.value = true;
  await h.reporter.flush();
  const seconds = h.sentSeconds().flat();
  t.equal(seconds.length + dropped.metrics, 40, 'every sample either sent or counted as dropped');
  t.same(seconds, [...seconds].sort((a, b) => a - b), 'oldest first');
  t.equal(seconds.at(-1), 390, 'the newest is kept');
  t.same(h.published.at(-1)?.outboxDropped, dropped);
  const seqs = h.published.flatMap((r) => r.seqs ?? []);
  t.same(seqs, [...seqs].sort((a, b) => a - b), 'seqs increase');
});

t.test('a long backlog goes out in reports of at most maxPerReport, oldest first', async (t) => {
  const h = harness({ maxPerReport: 2 });
  h.connected.value = false;
  for (let i = 0; i < 5; i++) await h.reporter.tick();
  h.connected.value = true;
  await h.reporter.flush();
  t.same(h.sentSeconds(), [[0, 10], [20, 30], [40]]);
  t.ok(h.published.every((r) => r.schema === MESSAGE_SCHEMA && r.node === 'pi-1'));
});

t.test('a failed publish keeps its samples for the next try', async (t) => {
  const h = harness();
  h.failNext.count = 1;
  await h.reporter.tick();
  t.same(h.published, []);
  t.equal(h.buffered(), 1);
  t.ok(h.logs.some((l) => l.msg === 'metrics not sent; kept in the outbox for the next try' && l.waiting === 1 && l.level === 20));
  await h.reporter.tick();
  t.same(h.sentSeconds(), [[0, 10]]);
  t.equal(h.buffered(), 0);
});

t.test('a failure part way through a backlog keeps only what was not acknowledged', async (t) => {
  const h = harness({ maxPerReport: 2 });
  h.connected.value = false;
  for (let i = 0; i < 5; i++) await h.reporter.tick();
  h.connected.value = true;
  const publish = h.deps.publish;
  let calls = 0;
  h.deps.publish = async (report) => {
    if (++calls === 2) throw new Error('broker went away');
    return publish(report);
  };
  await h.reporter.flush();
  t.same(h.sentSeconds(), [[0, 10]]);
  t.equal(h.buffered(), 3);
  await h.reporter.flush();
  t.same(h.sentSeconds(), [[0, 10], [20, 30], [40]]);
});

t.test('a link that drops during a flush stops it; the rest waits', async (t) => {
  const h = harness({ maxPerReport: 1 });
  h.connected.value = false;
  for (let i = 0; i < 3; i++) await h.reporter.tick();
  h.connected.value = true;
  const publish = h.deps.publish;
  h.deps.publish = async (report) => {
    await publish(report);
    h.connected.value = false;
  };
  await h.reporter.flush();
  t.same(h.sentSeconds(), [[0]]);
  t.equal(h.buffered(), 2);
});

t.test('a sampler failure is logged and does not throw; what was buffered is still sent', async (t) => {
  const h = harness();
  h.connected.value = false;
  await h.reporter.tick();
  h.connected.value = true;
  h.deps.samplePods = async () => {
    throw new Error('docker is down');
  };
  await t.resolves(h.reporter.tick());
  t.ok(h.logs.some((l) => l.level === 40 && l.msg === 'metrics sample failed' && l.err === 'docker is down'));
  t.same(h.sentSeconds(), [[0]], 'the failed tick added nothing');
  t.equal(h.buffered(), 0);
});

t.test('a tick while the previous one is still sampling does nothing (no pile-up on a slow disk)', async (t) => {
  const h = harness();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const sampleNode = h.deps.sampleNode;
  h.deps.sampleNode = async () => {
    await gate;
    return sampleNode();
  };
  const first = h.reporter.tick();
  await h.reporter.tick();
  t.same(h.published, [], 'the second tick returned without sampling');
  release();
  await first;
  t.same(h.sentSeconds(), [[0]]);
});

t.test('a flush while another is publishing does nothing; the first sends everything', async (t) => {
  const h = harness();
  h.connected.value = false;
  await h.reporter.tick();
  h.connected.value = true;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const publish = h.deps.publish;
  h.deps.publish = async (report) => {
    await gate;
    return publish(report);
  };
  const first = h.reporter.flush();
  await h.reporter.flush();
  release();
  await first;
  t.same(h.sentSeconds(), [[0]], 'sent once, not twice');
});

t.test('a sample taken while a report is in flight is sent by the same flush, after it', async (t) => {
  const h = harness({ maxPerReport: 2 });
  h.connected.value = false;
  await h.reporter.tick();
  await h.reporter.tick();
  h.connected.value = true;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const publish = h.deps.publish;
  let calls = 0;
  h.deps.publish = async (report) => {
    if (++calls === 1) await gate;
    return publish(report);
  };
  const flushing = h.reporter.flush();
  await h.reporter.tick();
  release();
  await flushing;
  t.same(h.sentSeconds(), [[0, 10], [20]]);
  t.equal(h.buffered(), 0);
  t.equal(h.outbox.droppedTotals().metrics, 0);
});

t.test('a full outbox while a report is in flight never drops the samples being sent', async (t) => {
  const h = harness({ maxPerReport: 1 }, { maxBytes: 1500 });
  h.connected.value = false;
  await h.reporter.tick(); // 0
  h.outbox.flush();
  h.connected.value = true;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const publish = h.deps.publish;
  let calls = 0;
  h.deps.publish = async (report) => {
    if (++calls === 1) await gate;
    return publish(report);
  };
  const flushing = h.reporter.flush(); // sends [0], held
  h.connected.value = false;
  for (let i = 0; i < 6; i++) {
    await h.reporter.tick();
    h.outbox.flush();
  }
  t.ok(h.outbox.droppedTotals().metrics > 0, 'the outbox was trimmed meanwhile');
  release();
  await flushing;
  t.same(h.sentSeconds()[0], [0], 'the in-flight sample was sent, not dropped');
  h.connected.value = true;
  await h.reporter.flush();
  const seconds = h.sentSeconds().flat();
  t.equal(seconds.length + h.outbox.droppedTotals().metrics, 7, 'each sample sent once or counted once');
  t.equal(seconds.at(-1), 60, 'the newest is kept');
});

t.test('start schedules one interval timer however often it is called; stop clears it', async (t) => {
  const realSet = globalThis.setInterval;
  const realClear = globalThis.clearInterval;
  const live = new Set<unknown>();
  globalThis.setInterval = ((fn: () => void, ms: number) => {
    const timer = realSet(fn, ms);
    live.add(timer);
    return timer;
  }) as typeof setInterval;
  globalThis.clearInterval = ((timer: NodeJS.Timeout) => {
    live.delete(timer);
    realClear(timer);
  }) as typeof clearInterval;
  t.teardown(() => {
    globalThis.setInterval = realSet;
    globalThis.clearInterval = realClear;
  });
  const h = harness({ intervalMs: 3_600_000 });
  h.reporter.start();
  h.reporter.start();
  t.equal(live.size, 1);
  h.reporter.stop();
  h.reporter.stop();
  t.equal(live.size, 0);
});
