/**
 * What a node may publish, and when (issue #10): a token bucket per node that the broker's
 * authorizePublish hook (policy.ts) asks before letting a message through. Pure: the caller passes
 * the time (a monotonic clock, in ms) and decides how to wait.
 *
 * The bucket reserves: a publish over the budget takes the next free slot and is told how long to
 * wait for it, so publishes handled at the same instant (aedes handles every packet of one socket
 * read at once) are spread at the rate instead of all going when the first token comes back.
 * Whatever the arrival pattern, by any time T after the first publish at most
 * `burst + rate * T` have been let through.
 */
import { SkiffError } from '../../shared/errors.js';

export interface PublishBudgetLimits {
  /** Messages per second sustained. */
  publishesPerSecond: number;
  /** Messages that may go at once above the rate; a fresh or idle bucket holds this many. */
  publishBurst: number;
}

export class PublishBudget {
  /** Tokens left; below zero it is the slots already reserved by publishes still waiting. */
  private tokens: number;
  private updatedAt: number | undefined;
  private readonly perMs: number;

  constructor(private readonly limits: PublishBudgetLimits) {
    if (!(limits.publishesPerSecond > 0) || !Number.isFinite(limits.publishesPerSecond)) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `publishesPerSecond must be a positive number, got ${limits.publishesPerSecond}`);
    }
    if (!Number.isInteger(limits.publishBurst) || limits.publishBurst < 1) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `publishBurst must be a whole number of at least 1, got ${limits.publishBurst}`);
    }
    this.tokens = limits.publishBurst;
    this.perMs = limits.publishesPerSecond / 1000;
  }

  /** Takes one publish's token: 0 when it may go now, else the ms (rounded up) until its slot. */
  take(now: number): number {
    // A clock that steps back refills nothing (the caller should pass a monotonic one).
    const elapsed = this.updatedAt === undefined ? 0 : Math.max(0, now - this.updatedAt);
    this.updatedAt = Math.max(now, this.updatedAt ?? now);
    this.tokens = Math.min(this.limits.publishBurst, this.tokens + elapsed * this.perMs) - 1;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.perMs);
  }
}
