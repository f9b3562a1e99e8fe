/**
 * Makes an MQTT.js client reconnect on the agent's backoff (reconnect-delay.ts: exponential, full
 * jitter, between reconnectMinMs and reconnectMaxMs). MQTT.js only knows a fixed reconnectPeriod,
 * read each time a lost link arms its timer, so the period is reset before every attempt. Shared by
 * the agent's session (mqtt-session.ts) and the simulated fleet (test/helpers/fake-fleet.ts), so the
 * chaos suite's reconnect storm follows the agent's own timing. Type-only import: no MQTT.js here.
 */
import type { MqttClient } from 'mqtt';
import { reconnectDelayMs } from './reconnect-delay.js';

/** The reconnectPeriod to create a client with: the wait before the first attempt after a lost link. */
export function initialReconnectPeriodMs(random: () => number): number {
  return reconnectDelayMs(0, random());
}

/**
 * From now on, every attempt `n` after a lost link waits reconnectDelayMs(n) before the next one;
 * a CONNACK starts the count again. `onAttempt` sees each attempt and the wait armed after it.
 */
export function followReconnectBackoff(client: MqttClient, random: () => number, onAttempt?: (attempt: number, nextDelayMs: number) => void): void {
  let attempt = 0;
  client.on('connect', () => {
    attempt = 0;
    client.options.reconnectPeriod = reconnectDelayMs(0, random());
  });
  client.on('reconnect', () => {
    // The timer for the attempt after this one is armed with whatever reconnectPeriod says when this one fails.
    attempt++;
    client.options.reconnectPeriod = reconnectDelayMs(attempt, random());
    onAttempt?.(attempt, client.options.reconnectPeriod);
  });
}
