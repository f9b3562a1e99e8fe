/**
 * Reads an agent's durable outbox straight from its SQLite file, read-only and beside the running
 * agent (WAL allows a reader), so a test knows exactly which reports were on disk and so must
 * reach the hub, without guessing at the agent's flush timing.
 */
import Database from 'better-sqlite3';

export interface OutboxRow {
  seq: number;
  channel: string;
  body: string;
}

/** The rows of the agent's outbox table right now, oldest first. */
export function outboxRows(file: string): OutboxRow[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT seq, channel, body FROM outbox ORDER BY seq').all() as OutboxRow[];
  } finally {
    db.close();
  }
}

/** When each metrics sample among `rows` was taken, ms since the epoch, in outbox order. */
export function sampleTimesIn(rows: OutboxRow[]): number[] {
  return rows.filter((r) => r.channel === 'metrics').map((r) => Date.parse((JSON.parse(r.body) as { timestamp: string }).timestamp));
}

/** The points (ms since the epoch) of `node`'s node-level series `metric`, as the hub serves them at full resolution. */
export async function nodeSeriesTimes(
  api: <T>(path: string) => Promise<T>,
  node: string,
  metric = 'memory_available_bytes',
): Promise<number[]> {
  const list = await api<{ items: Array<{ labels: Record<string, string>; points: Array<[number, number]> }> }>(
    `/apis/metrics.skiff.io/v1alpha1/series?node=${node}&metric=${metric}&since=30m&tier=0`,
  );
  return (list.items.find((s) => s.labels.pod === undefined)?.points ?? []).map(([seconds]) => Math.round(seconds * 1000));
}
