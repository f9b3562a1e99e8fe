/**
 * MetricsDb on a real SQLite file in a temporary directory: queries filter by series fields and
 * time, down-sampling averages finished buckets into the coarser tiers (and only those), is
 * idempotent, re-averages a bucket when late raw points arrive for it, deletes past each tier's
 * retention, and series ids survive reopening the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { MetricsDb, type Tier } from '../../../hub/metrics/metrics-db.js';
import type { SeriesKey, SeriesPoint } from '../../../hub/metrics/series-points.js';
import { DEFAULTS } from '../../../shared/defaults.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** An hour boundary, so minute and hour buckets start at BASE. */
const BASE = Date.parse('2030-01-01T00:00:00.000Z');
const at = (ms: number): number => BASE + ms;

const TIERS: readonly Tier[] = DEFAULTS.metrics.tiers;

function key(o: Partial<SeriesKey> = {}): SeriesKey {
  return { node: 'pi-1', namespace: '', pod: '', container: '', metric: 'load1', label: '', ...o };
}

const LOAD = key();
const WEB_CPU = key({ namespace: 'default', pod: 'web', container: 'app', metric: 'cpu_usage_cores' });

function points(k: SeriesKey, values: Array<[number, number]>): SeriesPoint[] {
  return values.map(([ms, value]) => ({ key: k, ts: at(ms), value }));
}

function tmpFile(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-metrics-db-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'metrics.db');
}

function open(t: Test, tiers: readonly Tier[] = TIERS, file = tmpFile(t)): MetricsDb {
  const db = new MetricsDb(file, tiers);
  t.teardown(() => {
    try {
      db.close();
    } catch {
      // closed by the test already
    }
  });
  return db;
}

/** One series' points in a tier as [ms after BASE, value]. */
function tierPoints(db: MetricsDb, tier: number, k: SeriesKey = LOAD): Array<[number, number]> {
  const series = db.query({ ...k, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, tier }).filter((s) => s.key.label === k.label);
  return (series[0]?.points ?? []).map(([ts, v]) => [ts - BASE, v]);
}

t.test('insert and query: filtered by series fields and an inclusive time range, oldest first', async (t) => {
  const db = open(t);
  db.insert([
    ...points(LOAD, [[20 * SECOND, 2], [0, 1], [40 * SECOND, 3]]),
    ...points(WEB_CPU, [[0, 0.5]]),
    ...points(key({ node: 'pi-2' }), [[0, 9]]),
    ...points(key({ metric: 'filesystem_avail_bytes', label: '/' }), [[0, 100]]),
  ]);
  const all = db.query({ fromMs: at(0), toMs: at(HOUR), tier: 0 });
  t.equal(all.length, 4);
  t.same(all[0], { key: LOAD, points: [[at(0), 1], [at(20 * SECOND), 2], [at(40 * SECOND), 3]] });
  t.same(db.query({ node: 'pi-1', metric: 'load1', fromMs: at(10 * SECOND), toMs: at(20 * SECOND), tier: 0 }), [{ key: LOAD, points: [[at(20 * SECOND), 2]] }], 'both ends inclusive');
  t.same(db.query({ pod: 'web', fromMs: at(0), toMs: at(HOUR), tier: 0 }).map((s) => s.key), [WEB_CPU]);
  t.same(db.query({ namespace: 'default', container: 'app', fromMs: at(0), toMs: at(HOUR), tier: 0 }).map((s) => s.key), [WEB_CPU]);
  t.same(db.query({ node: 'pi-2', fromMs: at(0), toMs: at(HOUR), tier: 0 }).map((s) => s.points), [[[at(0), 9]]]);
  t.same(db.query({ metric: 'filesystem_avail_bytes', fromMs: at(0), toMs: at(HOUR), tier: 0 })[0]?.key.label, '/');
  t.same(db.query({ node: 'nope', fromMs: at(0), toMs: at(HOUR), tier: 0 }), []);
  t.same(db.query({ fromMs: at(0), toMs: at(HOUR), tier: 1 }), [], 'nothing averaged yet');
});

t.test('a point written twice at the same time keeps the last value', async (t) => {
  const db = open(t);
  db.insert(points(LOAD, [[0, 1]]));
  db.insert(points(LOAD, [[0, 5]]));
  db.insert([]);
  t.same(tierPoints(db, 0), [[0, 5]]);
});

/*
 * Most down-sampling cases below put one raw point at the start of each bucket, so that they pin
 * the bucket bookkeeping (which buckets are finished, watermarks, re-averaging after late points,
 * retention) on their own; the next case pins the averaging of several points per bucket.
 */

t.test('downsample averages every point of a minute, and of an hour, into one bucket point', async (t) => {
  const db = open(t);
  db.insert(points(LOAD, [[0, 1], [30 * SECOND, 3], [MINUTE, 10], [MINUTE + 20 * SECOND, 20], [MINUTE + 40 * SECOND, 30]]));
  db.downsample(at(HOUR + MINUTE));
  t.same(tierPoints(db, 1), [[0, 2], [MINUTE, 20]], 'one point per minute, the mean of its raw points');
  t.same(tierPoints(db, 2), [[0, 11]], 'the hour is the mean of its minutes');
});

t.test('downsample: finished minutes copied into tier 1 at their bucket time; the unfinished minute left for later', async (t) => {
  const db = open(t);
  db.insert(points(LOAD, [[0, 3], [MINUTE, 15], [2 * MINUTE, 100]]));
  db.insert(points(WEB_CPU, [[0, 0.5]]));
  db.downsample(at(2 * MINUTE + 10 * SECOND));
  t.same(tierPoints(db, 1), [[0, 3], [MINUTE, 15]]);
  t.same(tierPoints(db, 1, WEB_CPU), [[0, 0.5]], 'each series on its own');
  t.same(tierPoints(db, 2), [], 'the hour is not finished');
  t.same(tierPoints(db, 0).length, 3, 'raw points kept within their retention');
  db.downsample(at(3 * MINUTE));
  t.same(tierPoints(db, 1), [[0, 3], [MINUTE, 15], [2 * MINUTE, 100]], 'the minute is averaged once it is over');
});

t.test('downsample is idempotent', async (t) => {
  const db = open(t);
  db.insert(points(LOAD, [[0, 2], [MINUTE, 7]]));
  db.downsample(at(2 * MINUTE));
  const once = tierPoints(db, 1);
  db.downsample(at(2 * MINUTE));
  db.downsample(at(2 * MINUTE + 5 * SECOND));
  t.same(tierPoints(db, 1), once);
  t.same(once, [[0, 2], [MINUTE, 7]]);
});

t.test('downsample on an empty database does nothing, and later points are still averaged', async (t) => {
  const db = open(t);
  db.downsample(at(5 * MINUTE));
  t.same(db.query({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, tier: 1 }), []);
  db.insert(points(LOAD, [[6 * MINUTE, 6]]));
  db.downsample(at(7 * MINUTE));
  t.same(tierPoints(db, 1), [[6 * MINUTE, 6]]);
});

t.test('a raw point rewritten after its minute was averaged: the minute is averaged again', async (t) => {
  const db = open(t);
  db.insert(points(LOAD, [[0, 2], [MINUTE, 10]]));
  db.downsample(at(2 * MINUTE));
  t.same(tierPoints(db, 1), [[0, 2], [MINUTE, 10]]);
  db.insert(points(LOAD, [[0, 5]]));
  db.downsample(at(2 * MINUTE + 10 * SECOND));
  t.same(tierPoints(db, 1), [[0, 5], [MINUTE, 10]]);
});

t.test('late raw points for a new series in an averaged minute are averaged too', async (t) => {
  const db = open(t);
  db.insert(points(LOAD, [[0, 2]]));
  db.downsample(at(5 * MINUTE));
  // An agent back from an outage sends what it kept.
  db.insert(points(WEB_CPU, [[0, 1], [MINUTE, 3]]));
  db.downsample(at(5 * MINUTE));
  t.same(tierPoints(db, 1, WEB_CPU), [[0, 1], [MINUTE, 3]]);
  t.same(tierPoints(db, 1), [[0, 2]]);
});

t.test('a late point in the running minute does not disturb finished ones', async (t) => {
  const db = open(t);
  db.insert(points(LOAD, [[0, 2]]));
  db.downsample(at(MINUTE + 30 * SECOND));
  db.insert(points(LOAD, [[MINUTE, 8]]));
  db.downsample(at(MINUTE + 40 * SECOND));
  t.same(tierPoints(db, 1), [[0, 2]]);
  db.downsample(at(2 * MINUTE));
  t.same(tierPoints(db, 1), [[0, 2], [MINUTE, 8]]);
});

t.test('finished hours go into tier 2; the running hour is left out', async (t) => {
  const db = open(t);
  db.insert(points(LOAD, [[0, 30], [HOUR, 1000]]));
  db.downsample(at(HOUR + 5 * MINUTE));
  t.same(tierPoints(db, 2), [[0, 30]]);
  t.same(tierPoints(db, 1), [[0, 30], [HOUR, 1000]]);
  db.downsample(at(2 * HOUR));
  t.same(tierPoints(db, 2), [[0, 30], [HOUR, 1000]]);
});

t.test('a late raw point in a finished hour re-does both its minute and its hour', async (t) => {
  const db = open(t);
  db.insert(points(LOAD, [[0, 10]]));
  db.downsample(at(HOUR + MINUTE));
  t.same(tierPoints(db, 2), [[0, 10]]);
  db.insert(points(LOAD, [[0, 60]]));
  db.downsample(at(HOUR + 2 * MINUTE));
  t.same(tierPoints(db, 1), [[0, 60]]);
  t.same(tierPoints(db, 2), [[0, 60]]);
});

t.test('points past their tier retention are deleted', async (t) => {
  const tiers: Tier[] = [
    { stepMs: 0, retentionMs: 2 * MINUTE },
    { stepMs: MINUTE, retentionMs: 10 * MINUTE },
  ];
  const db = open(t, tiers);
  db.insert(points(LOAD, [[0, 1], [MINUTE, 2], [2 * MINUTE, 3], [3 * MINUTE, 4]]));
  db.downsample(at(3 * MINUTE + 30 * SECOND));
  t.same(tierPoints(db, 0), [[2 * MINUTE, 3], [3 * MINUTE, 4]], 'raw points older than 2 minutes deleted');
  t.same(tierPoints(db, 1), [[0, 1], [MINUTE, 2], [2 * MINUTE, 3]], 'their averages kept');
  db.downsample(at(11 * MINUTE + 30 * SECOND));
  t.same(tierPoints(db, 1), [[2 * MINUTE, 3], [3 * MINUTE, 4]], 'averages older than 10 minutes deleted');
  t.same(tierPoints(db, 0), []);
});

t.test('tierFor: the finest tier whose retention covers the start, else the coarsest', async (t) => {
  const db = open(t);
  const now = at(100 * HOUR);
  t.equal(db.tierFor(now - 5 * MINUTE, now), 0);
  t.equal(db.tierFor(now - HOUR, now), 0, 'exactly the retention is still covered');
  t.equal(db.tierFor(now - HOUR - 1, now), 1);
  t.equal(db.tierFor(now - 24 * HOUR, now), 1);
  t.equal(db.tierFor(now - 7 * 24 * HOUR, now), 2);
  t.equal(db.tierFor(now - 365 * 24 * HOUR, now), 2, 'beyond every retention');
  t.equal(db.tierFor(now + MINUTE, now), 0, 'a start in the future');
});

t.test('series ids survive reopening the file', async (t) => {
  const file = tmpFile(t);
  const first = open(t, TIERS, file);
  first.insert([...points(LOAD, [[0, 1]]), ...points(WEB_CPU, [[0, 2]])]);
  first.close();
  const second = open(t, TIERS, file);
  second.insert([...points(WEB_CPU, [[10 * SECOND, 3]]), ...points(LOAD, [[10 * SECOND, 4]])]);
  t.same(second.query({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, tier: 0 }), [
    { key: LOAD, points: [[at(0), 1], [at(10 * SECOND), 4]] },
    { key: WEB_CPU, points: [[at(0), 2], [at(10 * SECOND), 3]] },
  ]);
});

t.test('watermarks survive reopening: a reopened database does not average a minute twice or lose a late point', async (t) => {
  const file = tmpFile(t);
  const first = open(t, TIERS, file);
  first.insert(points(LOAD, [[0, 2], [MINUTE, 4]]));
  first.downsample(at(2 * MINUTE));
  first.close();
  const second = open(t, TIERS, file);
  second.insert(points(LOAD, [[0, 6]]));
  second.downsample(at(2 * MINUTE));
  t.same(tierPoints(second, 1), [[0, 6], [MINUTE, 4]]);
});
