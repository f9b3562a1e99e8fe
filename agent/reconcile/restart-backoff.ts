/**
 * Kubernetes' container restart backoff (kubelet: "back-off 10s restarting failed container"):
 * the first restart happens at once, then 10 s, 20 s, 40 s ... capped at 5 min; a container that
 * ran for 10 min resets the curve. `streak` counts consecutive terminations, the last included,
 * since the curve was last reset.
 */
import { exponentialBackoffMs } from '../../shared/backoff.js';
import { DEFAULTS } from '../../shared/defaults.js';

/** How long after the streak-th termination the next attempt may start. */
export function restartDelayMs(streak: number): number {
  return exponentialBackoffMs(streak - 1, DEFAULTS.restartBackoffInitialMs, DEFAULTS.restartBackoffMaxMs);
}

/** The streak after one more termination of a container that ran for `ranMs`. */
export function nextStreak(previousStreak: number, ranMs: number | undefined): number {
  if (ranMs !== undefined && ranMs >= DEFAULTS.restartBackoffResetMs) return 1;
  return previousStreak + 1;
}

/** Pull retries (ImagePullBackOff) and create retries use the same curve, from the first failure on. */
export function retryDelayMs(failures: number): number {
  return exponentialBackoffMs(failures, DEFAULTS.pullBackoffInitialMs, DEFAULTS.pullBackoffMaxMs);
}
