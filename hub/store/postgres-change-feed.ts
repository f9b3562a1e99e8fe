/**
 * The change events of a PostgreSQL store, read back from the `changes` table that every write
 * appends to inside its transaction: a hub sees the writes of every hub on the same database,
 * its own included, in revision order. LISTEN/NOTIFY says when to read; a poll every
 * `pollIntervalMs` covers a notification lost while the listening connection was down.
 *
 * Writes commit in revision order (each holds the revision row's lock), so reading "revision > the
 * last one delivered" never skips a write that commits later with a lower revision. The log is
 * compacted: rows older than `retainMs` and more than `retainRevisions` behind are deleted. A
 * hub that fell further behind than that (its database link was down for longer) cannot replay
 * what it missed; `onGap` says so, and the hub restarts its view from a fresh listing.
 */
import pg from 'pg';
import type { ChangeType } from './store.js';

export const CHANGES_CHANNEL = 'skiff_changes';

export interface ChangeRow {
  revision: number;
  type: ChangeType;
  resource: string;
  namespace: string;
  name: string;
  data: string;
  previous: string | null;
}

export interface ChangeFeedLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ChangeFeedOptions {
  /** How often the log is read without a notification (default 1 s). */
  pollIntervalMs?: number;
  /** Change rows are kept at least this long (default 10 min)... */
  retainMs?: number;
  /** ...and at least this many revisions back (default 10,000). */
  retainRevisions?: number;
  /** Changes from..to (exclusive) were compacted away before this hub read them. */
  onGap?: (from: number, to: number) => void;
}

const PAGE = 500;

export class PostgresChangeFeed {
  private last: number;
  private pumping: Promise<void> | undefined;
  private again = false;
  private listener: pg.Client | undefined;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    /** The revision already seen: changes after it are delivered. */
    from: number,
    private readonly deliver: (row: ChangeRow) => void,
    private readonly log: ChangeFeedLog,
    private readonly options: ChangeFeedOptions = {},
  ) {
    this.last = from;
  }

  async start(): Promise<void> {
    await this.listen();
    const poll = setInterval(() => void this.pump(), this.options.pollIntervalMs ?? 1000);
    const compact = setInterval(() => void this.compact(), 60_000);
    poll.unref();
    compact.unref();
    this.timers.push(poll, compact);
  }

  /** The newest revision delivered. */
  delivered(): number {
    return this.last;
  }

  /** Resolves once every change up to `revision` has been delivered. */
  async reach(revision: number): Promise<void> {
    while (this.last < revision && !this.closed) await this.pump();
  }

  /** Reads and delivers what is new; concurrent callers share one read, which goes round again for them. */
  pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        await this.readNew();
      } while (this.again && !this.closed);
    })()
      .catch((err: unknown) => {
        if (!this.closed) this.log.warn({ err }, 'could not read the change log; trying again at the next poll');
      })
      .finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  async compact(): Promise<number> {
    const result = await this.pool
      .query('DELETE FROM changes WHERE revision < (SELECT value FROM revision WHERE id = 1) - $1 AND committed_at < now() - make_interval(secs => $2)', [
        this.options.retainRevisions ?? 10_000,
        (this.options.retainMs ?? 600_000) / 1000,
      ])
      .catch((err: unknown) => {
        if (!this.closed) this.log.warn({ err }, 'could not compact the change log');
        return undefined;
      });
    return result?.rowCount ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.pumping;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined); // closing: a connection already lost needs no goodbye
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const { rows } = await this.pool.query<ChangeRow & { revision: string }>(
        'SELECT revision, type, resource, namespace, name, data, previous FROM changes WHERE revision > $1 ORDER BY revision LIMIT $2',
        [this.last, PAGE],
      );
      for (const row of rows) {
        const revision = Number(row.revision);
        if (revision !== this.last + 1) {
          this.log.error({ from: this.last + 1, to: revision }, 'changes were compacted from the log before this hub read them');
          this.options.onGap?.(this.last + 1, revision);
        }
        this.last = revision;
        if (this.closed) return;
        try {
          this.deliver({ ...row, revision });
        } catch (err) {
          this.log.error({ err, revision, resource: row.resource, namespace: row.namespace, name: row.name }, 'a change listener failed');
        }
      }
      if (rows.length < PAGE) return;
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => void this.pump());
    client.on('error', (err) => {
      if (this.closed) return;
      this.log.warn({ err }, 'lost the change notifications connection; polling until it is back');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    this.listener = client;
    void this.pump(); // whatever was committed before LISTEN took effect
  }

  private reconnect(lost: pg.Client): void {
    if (this.closed || this.listener !== lost) return;
    this.listener = undefined;
    const retry = (): void => {
      if (this.closed) return;
      this.listen().catch((err: unknown) => {
        this.log.warn({ err }, 'could not reconnect the change notifications; retrying');
        const timer = setTimeout(retry, 2000);
        timer.unref();
      });
    };
    const timer = setTimeout(retry, 1000);
    timer.unref();
  }
}
