/** Pure backoff maths; callers pass attempts and random numbers in, so tests need no clock. */

/**
 * Exponential backoff: `initial * 2^(attempt-1)` capped at `max`; attempt 0 means no wait.
 * Kubernetes' container restart and image pull backoffs are this with 10 s .. 5 min.
 */
export function exponentialBackoffMs(attempt: number, initialMs: number, maxMs: number): number {
  if (attempt <= 0) return 0;
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
}

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff and Jitter): a uniform wait in
 * [0, min(max, base * 2^attempt)), so a fleet reconnecting after an outage spreads out.
 * `random` is a number in [0, 1).
 */
export function fullJitterMs(attempt: number, baseMs: number, maxMs: number, random: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random * ceiling);
}
