/**
 * Delay before the next attempt to reach the hub (join or MQTT): exponential with full jitter
 * above a floor. Attempt n waits a uniform time in [reconnectMinMs, min(reconnectMaxMs,
 * reconnectMinMs * 2^(n+1))): never below the floor (a fleet does not hammer a recovering hub),
 * never above the cap, and — unlike a jittered value clamped to the floor, which would put half of
 * the fleet exactly on the floor — spread over the whole window from the very first attempt, so a
 * fleet coming back after a hub restart does not arrive in the same second.
 */
import { fullJitterMs } from '../../shared/backoff.js';
import { DEFAULTS } from '../../shared/defaults.js';

export function reconnectDelayMs(attempt: number, random: number): number {
  const window = Math.min(DEFAULTS.reconnectMaxMs, DEFAULTS.reconnectMinMs * 2 ** Math.min(Math.max(attempt, 0) + 1, 30)) - DEFAULTS.reconnectMinMs;
  return DEFAULTS.reconnectMinMs + fullJitterMs(0, window, window, random);
}
