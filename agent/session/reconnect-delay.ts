/**
 * Delay before the next attempt to reach the hub (join or MQTT): exponential with full jitter,
 * never below reconnectMinMs (so a fleet does not hammer a recovering hub) nor above reconnectMaxMs.
 */
import { fullJitterMs } from '../../shared/backoff.js';
import { DEFAULTS } from '../../shared/defaults.js';

export function reconnectDelayMs(attempt: number, random: number): number {
  return Math.max(DEFAULTS.reconnectMinMs, fullJitterMs(attempt, DEFAULTS.reconnectMinMs, DEFAULTS.reconnectMaxMs, random));
}
