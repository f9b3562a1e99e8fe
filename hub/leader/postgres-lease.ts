/**
 * Leader election on the hubs' shared PostgreSQL (issue #11): a row of `leader_leases`, taken
 * by one hub at a time, as client-go's leaderelection takes a coordination.k8s.io Lease. Every
 * time is the database's clock, so hubs whose clocks disagree still agree on who leads.
 *
 * - A hub takes the lease when it is free or expired, and bumps its fencing token when the
 *   holder changes. The holder renews it every renewPeriod; the others retry every retryPeriod.
 * - The holder steps down when it could not renew for 2/3 of the lease duration: before the
 *   lease can expire and be taken, so two hubs never both believe they lead.
 * - A process that was paused past its lease (a stopped VM, a GC pause) may still try to write:
 *   leader-only writes carry the fencing token and are refused inside the store's transaction
 *   unless this hub holds the lease with that token (PostgresStore.fenced), and the lease row
 *   is read FOR SHARE there, so a takeover waits for such a write to commit or fail.
 * - A hub that stops gives the lease up: another takes over at its next retry, not after the
 *   lease expires.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { DEFAULTS } from '../../shared/defaults.js';
import type { Leadership } from './leadership.js';

export interface LeaseLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface LeaseTiming {
  leaseDurationMs: number;
  renewPeriodMs: number;
  retryPeriodMs: number;
}

/** What a fenced write checks: that `holder` still holds lease `name` with token `fencing`. */
export interface WriteFence {
  name: string;
  holder: string;
  /** The token of the current term, undefined when not leading (every fenced write is then refused). */
  fencing(): number | undefined;
}

export const CONTROLLERS_LEASE = 'controllers';

export function electionIdentity(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class PostgresLeaderLease implements Leadership, WriteFence {
  readonly identity: string;
  private token: number | undefined;
  private lastRenewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private attempt: Promise<void> | undefined;
  private knownHolder: string | undefined;
  private callbacks: { onStartedLeading: () => void; onStoppedLeading: (reason: string) => void } | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: LeaseLog,
    private readonly timing: LeaseTiming = DEFAULTS.leaderElection,
    readonly name: string = CONTROLLERS_LEASE,
    identity: string = electionIdentity(),
  ) {
    this.identity = identity;
  }

  get holder(): string {
    return this.identity;
  }

  fencing(): number | undefined {
    return this.token;
  }

  isLeader(): boolean {
    return this.token !== undefined;
  }

  start(callbacks: { onStartedLeading: () => void; onStoppedLeading: (reason: string) => void }): void {
    this.callbacks = callbacks;
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.token === undefined) return;
    this.token = undefined;
    // Given up with the database's clock: the next hub to retry takes it. Not waited for longer
    // than a lease: an unreachable database lets it expire by itself.
    const release = this.pool.query('UPDATE leader_leases SET expires_at = now() WHERE name = $1 AND holder = $2', [this.name, this.identity]).then(
      () => this.log.info({ lease: this.name, identity: this.identity }, 'gave the leader lease up'),
      (err: unknown) => this.log.warn({ err, lease: this.name }, 'could not give the leader lease up; it expires by itself'),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([release, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timing.leaseDurationMs)))]);
    clearTimeout(timer);
  }

  private tick(): void {
    if (this.stopped) return;
    this.attempt = this.tryAcquireOrRenew().finally(() => {
      this.attempt = undefined;
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), this.token !== undefined ? this.timing.renewPeriodMs : this.timing.retryPeriodMs);
      this.timer.unref();
    });
    // A renewal that hangs (a dead connection) must not keep a hub leading past its deadline.
    if (this.token !== undefined) this.armDeadline(this.attempt);
  }

  /** Steps down at the renew deadline unless `attempt` settles first (and it renews or reports by itself). */
  private armDeadline(attempt: Promise<void>): void {
    let settled = false;
    void attempt.finally(() => (settled = true));
    const check = (): void => {
      if (settled || this.token === undefined || this.stopped) return;
      const left = this.renewDeadlineMs() - (performance.now() - this.lastRenewedAt);
      // Timers may fire a little early by performance.now(): wait out the rest.
      if (left > 0) setTimeout(check, left + 1).unref();
      else this.checkDeadline();
    };
    setTimeout(check, Math.max(0, this.renewDeadlineMs() - (performance.now() - this.lastRenewedAt))).unref();
  }

  private renewDeadlineMs(): number {
    return (this.timing.leaseDurationMs * 2) / 3;
  }

  private checkDeadline(): void {
    if (this.token !== undefined && performance.now() - this.lastRenewedAt >= this.renewDeadlineMs()) {
      this.stepDown(`could not renew the leader lease for ${Math.round(performance.now() - this.lastRenewedAt)} ms`);
    }
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const startedAt = performance.now();
    try {
      const { rows } = await this.pool.query<{ fencing: string }>(
        `INSERT INTO leader_leases (name, holder, fencing, acquired_at, renewed_at, expires_at)
           VALUES ($1, $2, 1, now(), now(), now() + make_interval(secs => $3))
         ON CONFLICT (name) DO UPDATE SET
           fencing = CASE WHEN leader_leases.holder = EXCLUDED.holder THEN leader_leases.fencing ELSE leader_leases.fencing + 1 END,
           acquired_at = CASE WHEN leader_leases.holder = EXCLUDED.holder THEN leader_leases.acquired_at ELSE now() END,
           holder = EXCLUDED.holder,
           renewed_at = now(),
           expires_at = EXCLUDED.expires_at
         WHERE leader_leases.holder = EXCLUDED.holder OR leader_leases.expires_at < now()
         RETURNING fencing`,
        [this.name, this.identity, this.timing.leaseDurationMs / 1000],
      );
      if (this.stopped) return;
      const won = rows[0];
      if (won) {
        const fencing = Number(won.fencing);
        if (this.token !== undefined && fencing !== this.token) {
          this.stepDown(`the leader lease changed hands meanwhile (fencing ${this.token} -> ${fencing})`);
          return;
        }
        this.lastRenewedAt = startedAt;
        if (this.token === undefined) {
          this.token = fencing;
          this.knownHolder = this.identity;
          this.log.info({ lease: this.name, identity: this.identity, fencing }, 'became the leader');
          this.callbacks?.onStartedLeading();
        }
        return;
      }
      if (this.token !== undefined) {
        this.stepDown('another hub holds the leader lease');
        return;
      }
      await this.noteHolder();
    } catch (err) {
      if (this.stopped) return;
      this.log.warn({ err, lease: this.name, leading: this.token !== undefined }, 'could not reach the leader lease');
      this.checkDeadline();
    }
  }

  /** Logs who leads when that changes, so a follower's log says whom it follows. */
  private async noteHolder(): Promise<void> {
    const { rows } = await this.pool.query<{ holder: string; fencing: string }>('SELECT holder, fencing FROM leader_leases WHERE name = $1', [this.name]);
    const holder = rows[0]?.holder;
    if (holder !== undefined && holder !== this.knownHolder) {
      this.knownHolder = holder;
      this.log.info({ lease: this.name, leader: holder, fencing: Number(rows[0]!.fencing) }, 'following the leader');
    }
  }

  private stepDown(reason: string): void {
    if (this.token === undefined) return;
    this.token = undefined;
    this.log.warn({ lease: this.name, identity: this.identity, reason }, 'stopped leading');
    this.callbacks?.onStoppedLeading(reason);
  }
}
