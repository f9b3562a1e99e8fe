/**
 * The hub's usage time series in their own SQLite file (metrics.db beside hub.db: metric writes
 * are frequent and disposable, and must never slow or bloat the object store). Points live in
 * tiers (DEFAULTS.metrics.tiers): tier 0 holds every sample, each further tier the average of the
 * tier below over its step. `downsample()` fills finished buckets and deletes points past their
 * tier's retention; it is idempotent (INSERT OR REPLACE per bucket) and re-averages a bucket when
 * late points arrive for it (an agent that was offline sends what it kept). It also keeps the
 * delivery marks of agents' outboxes (hub/ingest/delivery-ledger.ts), the metrics one committed
 * with the points it covers.
 */
import type Database from 'better-sqlite3';
import { openDurableDatabase } from '../../shared/sqlite.js';
import type { DeliveryMark, LedgerPersistence } from '../ingest/delivery-ledger.js';
import type { SeriesKey, SeriesPoint } from './series-points.js';

export interface Tier {
  /** Bucket width, ms; 0 for the raw tier. */
  stepMs: number;
  retentionMs: number;
}

export interface SeriesQuery {
  node?: string;
  namespace?: string;
  pod?: string;
  container?: string;
  metric?: string;
  fromMs: number;
  toMs: number;
  tier: number;
}

export interface Series {
  key: SeriesKey;
  /** [ms since the epoch, value], oldest first. */
  points: Array<[number, number]>;
}

const MIGRATIONS = [
  `CREATE TABLE series (
     id INTEGER PRIMARY KEY,
     node TEXT NOT NULL, namespace TEXT NOT NULL, pod TEXT NOT NULL, container TEXT NOT NULL,
     metric TEXT NOT NULL, label TEXT NOT NULL,
     UNIQUE (node, namespace, pod, container, metric, label)
   );
   CREATE TABLE points (
     tier INTEGER NOT NULL, series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
     PRIMARY KEY (tier, series, ts)
   ) WITHOUT ROWID;
   CREATE INDEX points_by_time ON points (tier, ts);
   -- Tier N is complete for every bucket before "until" (ms).
   CREATE TABLE watermarks (tier INTEGER PRIMARY KEY, until INTEGER NOT NULL);`,
  // 2: per node and channel, the agent outbox stream and highest seq applied (hub/ingest/delivery-ledger.ts).
  `CREATE TABLE delivery_marks (
     node TEXT NOT NULL, channel TEXT NOT NULL, stream TEXT NOT NULL, seq INTEGER NOT NULL,
     PRIMARY KEY (node, channel)
   ) WITHOUT ROWID;`,
];

function keyText(k: SeriesKey): string {
  return JSON.stringify([k.node, k.namespace, k.pod, k.container, k.metric, k.label]);
}

/**
 * Every fixed statement, prepared once when the file opens: insert and downsample run on every
 * sample and every timer tick, and preparing parses and plans the SQL each time.
 */
function prepareStatements(db: Database.Database) {
  return {
    addSeries: db.prepare('INSERT INTO series (node, namespace, pod, container, metric, label) VALUES (?, ?, ?, ?, ?, ?) RETURNING id'),
    putRawPoint: db.prepare('INSERT OR REPLACE INTO points (tier, series, ts, value) VALUES (0, ?, ?, ?)'),
    watermark: db.prepare('SELECT until FROM watermarks WHERE tier = ?'),
    setWatermark: db.prepare('INSERT OR REPLACE INTO watermarks (tier, until) VALUES (?, ?)'),
    /** Moves a tier's watermark back to a bucket that must be averaged again. */
    lowerWatermark: db.prepare('UPDATE watermarks SET until = ? WHERE tier = ? AND until > ?'),
    oldestIn: db.prepare('SELECT min(ts) AS ts FROM points WHERE tier = ?'),
    averageIntoTier: db.prepare(
      // Bucket start as ts - ts % step: '%' is integer arithmetic in SQLite, whereas '/'
      // with a bound JS number (passed as REAL) would not truncate.
      `INSERT OR REPLACE INTO points (tier, series, ts, value)
       SELECT ?, series, ts - ts % ?, avg(value) FROM points
       WHERE tier = ? AND ts >= ? AND ts < ? GROUP BY series, ts - ts % ?`,
    ),
    deleteBefore: db.prepare('DELETE FROM points WHERE tier = ? AND ts < ?'),
    marks: db.prepare<[], DeliveryMark>('SELECT node, channel, stream, seq FROM delivery_marks'),
    putMark: db.prepare('INSERT OR REPLACE INTO delivery_marks (node, channel, stream, seq) VALUES (?, ?, ?, ?)'),
  };
}

export class MetricsDb implements LedgerPersistence {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly seriesIds = new Map<string, number>();

  constructor(
    file: string,
    readonly tiers: readonly Tier[],
  ) {
    // Metrics can be re-measured: NORMAL sync (WAL) is durable enough and spares the disk.
    this.db = openDurableDatabase(file, MIGRATIONS);
    this.db.pragma('synchronous = NORMAL');
    this.statements = prepareStatements(this.db);
    for (const row of this.db.prepare('SELECT id, node, namespace, pod, container, metric, label FROM series').all() as Array<SeriesKey & { id: number }>) {
      this.seriesIds.set(keyText(row), row.id);
    }
  }

  private seriesId(key: SeriesKey): number {
    const text = keyText(key);
    let id = this.seriesIds.get(text);
    if (id === undefined) {
      const row = this.statements.addSeries.get(key.node, key.namespace, key.pod, key.container, key.metric, key.label) as { id: number };
      id = row.id;
      this.seriesIds.set(text, id);
    }
    return id;
  }

  /**
   * Writes raw points in one transaction; buckets they land in that were already averaged are
   * redone. `mark` (what the points' report delivered) commits with them: applied exactly once.
   */
  insert(points: readonly SeriesPoint[], mark?: DeliveryMark): void {
    if (points.length === 0 && !mark) return;
    const { putRawPoint: put, lowerWatermark: lower } = this.statements;
    this.db.transaction(() => {
      if (mark) this.writeMark(mark);
      if (points.length === 0) return;
      let oldest = Infinity;
      for (const p of points) {
        put.run(this.seriesId(p.key), p.ts, p.value);
        oldest = Math.min(oldest, p.ts);
      }
      const step = this.tiers[1]?.stepMs;
      if (step) {
        const bucket = Math.floor(oldest / step) * step;
        lower.run(bucket, 1, bucket);
      }
    })();
  }

  loadMarks(): DeliveryMark[] {
    return this.statements.marks.all();
  }

  saveMark(mark: DeliveryMark): void {
    this.writeMark(mark);
  }

  private writeMark(mark: DeliveryMark): void {
    this.statements.putMark.run(mark.node, mark.channel, mark.stream, mark.seq);
  }

  /** Averages finished buckets into each coarser tier, then deletes what is past retention. */
  downsample(nowMs: number): void {
    const { watermark, setWatermark, lowerWatermark: lower, oldestIn, averageIntoTier, deleteBefore } = this.statements;
    this.db.transaction(() => {
      for (let tier = 1; tier < this.tiers.length; tier++) {
        const step = this.tiers[tier]!.stepMs;
        const until = Math.floor(nowMs / step) * step;
        const stored = (watermark.get(tier) as { until: number } | undefined)?.until;
        const oldest = (oldestIn.get(tier - 1) as { ts: number | null }).ts;
        const from = stored ?? (oldest === null ? until : Math.floor(oldest / step) * step);
        if (from < until) {
          averageIntoTier.run(tier, step, tier - 1, from, until, step);
          const next = this.tiers[tier + 1]?.stepMs;
          if (next) lower.run(Math.floor(from / next) * next, tier + 1, Math.floor(from / next) * next);
        }
        setWatermark.run(tier, Math.max(until, from));
      }
      this.tiers.forEach((t, tier) => deleteBefore.run(tier, nowMs - t.retentionMs));
    })();
  }

  /** The tier whose retention covers `fromMs`, finest first. */
  tierFor(fromMs: number, nowMs: number): number {
    const index = this.tiers.findIndex((t) => nowMs - fromMs <= t.retentionMs);
    return index < 0 ? this.tiers.length - 1 : index;
  }

  query(q: SeriesQuery): Series[] {
    const where: string[] = ['p.tier = ?', 'p.ts >= ?', 'p.ts <= ?'];
    const args: Array<string | number> = [q.tier, q.fromMs, q.toMs];
    for (const field of ['node', 'namespace', 'pod', 'container', 'metric'] as const) {
      const value = q[field];
      if (value !== undefined) {
        where.push(`s.${field} = ?`);
        args.push(value);
      }
    }
    const rows = this.db
      .prepare(
        `SELECT s.id, s.node, s.namespace, s.pod, s.container, s.metric, s.label, p.ts, p.value
         FROM points p JOIN series s ON s.id = p.series WHERE ${where.join(' AND ')} ORDER BY s.id, p.ts`,
      )
      .all(...args) as Array<SeriesKey & { id: number; ts: number; value: number }>;
    const out = new Map<number, Series>();
    for (const row of rows) {
      let series = out.get(row.id);
      if (!series) {
        series = { key: { node: row.node, namespace: row.namespace, pod: row.pod, container: row.container, metric: row.metric, label: row.label }, points: [] };
        out.set(row.id, series);
      }
      series.points.push([row.ts, row.value]);
    }
    return [...out.values()];
  }

  close(): void {
    this.db.close();
  }
}
