/**
 * MetricsService with a MetricsDb in a temporary directory and an injected hub clock: samples are
 * taken in the order the node took them, one not newer than the node's latest is dropped, usage
 * needs two samples and goes stale by the hub's receive time (not the node's clock), and
 * series() picks the finest tier that covers the range unless one is asked for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { MetricsDb } from '../../../hub/metrics/metrics-db.js';
import { MetricsService } from '../../../hub/metrics/metrics-service.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import type { MetricsSample, PodSample } from '../../../shared/metrics/samples.js';

const NODE_T0 = Date.parse('2030-01-01T00:00:00.000Z');
/** The hub's clock: unrelated to the node's (a Pi without an RTC may think it is 1970). */
const HUB_T0 = Date.parse('2031-06-01T12:00:00.000Z');
const MAX_AGE = 120_000;

function webPod(cpu: number, namespace = 'default', name = 'web'): PodSample {
  return { namespace, name, uid: `uid-${namespace}-${name}`, containers: [{ name: 'app', cpuUsageSeconds: cpu, memoryWorkingSetBytes: 1000 }] };
}

/** A sample `seconds` after the node's T0 whose busy CPU and Pod CPU both grow by `seconds * load`. */
function sample(seconds: number, busy: number, pods: PodSample[] = []): MetricsSample {
  return {
    timestamp: new Date(NODE_T0 + seconds * 1000).toISOString(),
    node: { cpuSeconds: [{ user: busy, idle: 10_000 }], load1: seconds, load5: 0, load15: 0, memoryTotalBytes: 4000, memoryAvailableBytes: 1000, filesystems: [], network: [], uptimeSeconds: 1, bootTimeSeconds: 1 },
    pods,
  };
}

interface Harness {
  service: MetricsService;
  db: MetricsDb;
  clock: { now: number };
  logs: Array<{ level: number; msg: string }>;
}

function harness(t: Test): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-metrics-service-'));
  const db = new MetricsDb(join(dir, 'metrics.db'), DEFAULTS.metrics.tiers);
  const clock = { now: HUB_T0 };
  const logs: Harness['logs'] = [];
  const service = new MetricsService({
    db,
    maxUsageAgeMs: MAX_AGE,
    downsampleIntervalMs: 60_000,
    now: () => clock.now,
    log: pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s) as Harness['logs'][number]) }),
  });
  t.teardown(() => {
    try {
      service.stop();
    } catch {
      // stopped by the test
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return { service, db, clock, logs };
}

t.test('one sample of a node is no usage yet; two give the rate over their window', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 100, [webPod(10)])]);
  t.same(h.service.nodes(), []);
  t.same(h.service.pods(), []);
  t.equal(h.service.latestSamples().length, 1, 'the raw sample is there for /metrics');
  h.service.ingest('pi-1', [sample(10, 105, [webPod(12)])]);
  t.same(h.service.nodes(), [{ node: 'pi-1', timestamp: sample(10, 0).timestamp, windowSeconds: 10, usage: { cpuNanoCores: 500_000_000, memoryWorkingSetBytes: 3000 } }]);
  t.same(h.service.pods().map((p) => [p.name, p.node, p.containers[0]!.usage.cpuNanoCores]), [['web', 'pi-1', 200_000_000]]);
  t.equal(h.service.samplesIngested, 2);
});

t.test('a report is taken in sample-time order, whatever order it lists them in', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(20, 120), sample(0, 100), sample(10, 101)]);
  t.same(h.service.nodes().map((u) => [u.timestamp, u.windowSeconds, u.usage.cpuNanoCores]), [[sample(20, 0).timestamp, 10, 1_900_000_000]], 'the window is the newest two');
  const cpu = h.service.series({ node: 'pi-1', metric: 'cpu_usage_cores', fromMs: NODE_T0, toMs: NODE_T0 + 60_000, tier: 0 });
  t.same(cpu.series[0]?.points, [[NODE_T0 + 10_000, 0.1], [NODE_T0 + 20_000, 1.9]], 'each rate against the sample before it');
});

t.test('a sample not newer than the latest from its node is dropped', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 100), sample(10, 110)]);
  h.service.ingest('pi-1', [sample(5, 999), sample(10, 999)]);
  t.equal(h.service.samplesIngested, 2);
  t.equal(h.service.nodes()[0]?.usage.cpuNanoCores, 1_000_000_000, 'usage unchanged');
  t.equal(h.logs.filter((l) => l.msg === 'metrics sample not newer than the last one; dropped').length, 2);
  t.same(
    h.service.series({ node: 'pi-1', metric: 'load1', fromMs: NODE_T0, toMs: NODE_T0 + 60_000, tier: 0 }).series[0]?.points.map(([ts]) => ts - NODE_T0),
    [0, 10_000],
    'nothing stored for the dropped samples',
  );
});

t.test('nodes are kept apart', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 100), sample(10, 110)]);
  h.service.ingest('pi-2', [sample(0, 0), sample(10, 5)]);
  t.same(
    h.service.nodes().map((u) => [u.node, u.usage.cpuNanoCores]),
    [['pi-1', 1e9], ['pi-2', 5e8]],
  );
});

t.test('staleness is judged by when the hub received the latest sample, not by the node clock', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 100, [webPod(1)]), sample(10, 110, [webPod(2)])]);
  h.clock.now = HUB_T0 + MAX_AGE;
  t.equal(h.service.nodes().length, 1, 'exactly the limit is still fresh');
  t.equal(h.service.pods().length, 1);
  t.equal(h.service.latestSamples().length, 1);
  h.clock.now = HUB_T0 + MAX_AGE + 1;
  t.same(h.service.nodes(), []);
  t.same(h.service.pods(), []);
  t.same(h.service.latestSamples(), []);
  // A new sample brings it back although the node clock says it is three years old.
  h.service.ingest('pi-1', [sample(20, 120, [webPod(3)])]);
  t.equal(h.service.nodes().length, 1);
});

t.test('pods(namespace) filters; pods() lists every namespace', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 0, [webPod(1), webPod(1, 'edge', 'gw')]), sample(10, 1, [webPod(2), webPod(2, 'edge', 'gw')])]);
  t.same(h.service.pods('edge').map((p) => p.name), ['gw']);
  t.same(h.service.pods('default').map((p) => p.name), ['web']);
  t.same(h.service.pods('nope'), []);
  t.same(h.service.pods().map((p) => p.name).sort(), ['gw', 'web']);
});

t.test('a node whose counters went back (reboot) shows no node usage for that window; its Pods still can', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 5000, [webPod(1)]), sample(10, 3, [webPod(2)])]);
  t.same(h.service.nodes(), []);
  t.equal(h.service.pods().length, 1);
});

t.test('latestSamples: the newest raw sample of each fresh node', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 1), sample(10, 2)]);
  h.clock.now += MAX_AGE;
  h.service.ingest('pi-2', [sample(30, 3)]);
  h.clock.now += 1;
  t.same(h.service.latestSamples(), [{ node: 'pi-2', sample: sample(30, 3) }]);
});

t.test('forget drops a node usage at once', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 1), sample(10, 2)]);
  h.service.forget('pi-1');
  t.same(h.service.nodes(), []);
  t.same(h.service.latestSamples(), []);
  h.service.ingest('pi-1', [sample(5, 1)]);
  t.equal(h.service.latestSamples().length, 1, 'a forgotten node starts over: an older sample is accepted');
});

t.test('series: the finest tier that covers the range, or the one asked for', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 1), sample(10, 2)]);
  t.equal(h.service.tierCount, 3);
  const now = h.clock.now;
  t.match(h.service.series({ fromMs: now - 30 * 60_000, toMs: now }), { tier: 0, stepMs: 0 });
  t.match(h.service.series({ fromMs: now - 6 * 3_600_000, toMs: now }), { tier: 1, stepMs: 60_000 });
  t.match(h.service.series({ fromMs: now - 7 * 86_400_000, toMs: now }), { tier: 2, stepMs: 3_600_000 });
  t.match(h.service.series({ fromMs: now - 7 * 86_400_000, toMs: now, tier: 0 }), { tier: 0, stepMs: 0 });
  t.same(h.service.series({ fromMs: now - 60_000, toMs: now, tier: 7 }), { tier: 7, stepMs: 0, series: [] }, 'a tier the database does not have holds nothing');
  const raw = h.service.series({ metric: 'load1', fromMs: NODE_T0, toMs: NODE_T0 + 10_000, tier: 0 });
  t.same(raw.series.map((s) => s.points), [[[NODE_T0, 0], [NODE_T0 + 10_000, 10]]]);
});

t.test('downsample runs the database down-sampler at the hub clock; a failure is logged, not thrown', async (t) => {
  const h = harness(t);
  h.service.ingest('pi-1', [sample(0, 1)]);
  h.clock.now = NODE_T0 + 60_000;
  h.service.downsample();
  t.same(h.db.query({ metric: 'load1', fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, tier: 1 }).map((s) => s.points), [[[NODE_T0, 0]]]);
  h.db.close();
  t.doesNotThrow(() => h.service.downsample());
  t.ok(h.logs.some((l) => l.level === 50 && l.msg === 'metrics down-sampling failed; retried on the next run'));
});

t.test('start schedules one down-sampling timer; stop clears it and closes the database', async (t) => {
  const h = harness(t);
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
  h.service.start();
  h.service.start();
  t.equal(live.size, 1);
  h.service.stop();
  t.equal(live.size, 0);
  t.throws(() => h.db.query({ fromMs: 0, toMs: 1, tier: 0 }), 'the database is closed');
});

t.test('samples an outbox sends again (seq already applied) are skipped; the mark commits with the points and survives a restart', async (t) => {
  const h = harness(t);
  const delivery = { stream: 's1', seqs: [1, 2] };
  h.service.ingest('pi-1', [sample(0, 100), sample(10, 105)], delivery);
  h.service.ingest('pi-1', [sample(0, 100), sample(10, 105)], delivery);
  t.equal(h.service.samplesIngested, 2);
  t.equal(h.service.samplesRedelivered, 2);
  h.service.ingest('pi-1', [sample(10, 105), sample(20, 110)], { stream: 's1', seqs: [2, 3] });
  t.equal(h.service.samplesIngested, 3, 'only seq 3 was new');
  t.same(h.db.loadMarks(), [{ node: 'pi-1', channel: 'metrics', stream: 's1', seq: 3 }], 'written with the points');
  t.same(new MetricsService({ db: h.db, maxUsageAgeMs: MAX_AGE, downsampleIntervalMs: 60_000, now: () => h.clock.now, log: pino({ level: 'silent' }) }).ledger.mark('pi-1', 'metrics')?.seq, 3, 'a restarted hub knows it');
});

t.test('outboxDropped: the totals each node last reported; forget drops them', async (t) => {
  const h = harness(t);
  t.same(h.service.outboxDropped(), []);
  h.service.ingest('pi-1', [sample(0, 100)], {}, { events: 0, metrics: 4 });
  h.service.ingest('pi-1', [sample(10, 101)], {}, { events: 1, metrics: 9 });
  h.service.ingest('pi-2', [sample(10, 101)]);
  t.same(h.service.outboxDropped(), [{ node: 'pi-1', dropped: { events: 1, metrics: 9 } }]);
  h.service.forget('pi-1');
  t.same(h.service.outboxDropped(), []);
});
