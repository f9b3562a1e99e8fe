/**
 * How an MQTT.js client is made to follow the agent's reconnect backoff: the period MQTT.js arms
 * after each failed attempt is reconnectDelayMs(attempt), and a CONNACK starts the count again.
 * The client is a stand-in emitter (only `on` and `options.reconnectPeriod` are touched); the
 * real client under a real broker is mqtt-session.test.ts's and the chaos suite's fleet-reconnect.
 */
import t from 'tap';
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { followReconnectBackoff, initialReconnectPeriodMs } from '../../../agent/session/mqtt-reconnect-backoff.js';
import { reconnectDelayMs } from '../../../agent/session/reconnect-delay.js';
import { DEFAULTS } from '../../../shared/defaults.js';

function standInClient(): { client: MqttClient; emitter: EventEmitter; options: { reconnectPeriod: number } } {
  const emitter = new EventEmitter();
  const options = { reconnectPeriod: 0 };
  return { client: Object.assign(emitter, { options }) as unknown as MqttClient, emitter, options };
}

t.test('the first wait after a lost link is attempt 0 of the backoff', async (t) => {
  t.equal(initialReconnectPeriodMs(() => 0.5), reconnectDelayMs(0, 0.5));
});

t.test('each attempt arms the next wait from the backoff, and a CONNACK starts again at attempt 0', async (t) => {
  const { client, emitter, options } = standInClient();
  const randoms = [0.9, 0.6, 0.3, 0.99, 0.75];
  let next = 0;
  const seen: Array<[number, number]> = [];
  followReconnectBackoff(client, () => randoms[next++ % randoms.length]!, (attempt, delay) => seen.push([attempt, delay]));

  emitter.emit('reconnect');
  t.equal(options.reconnectPeriod, reconnectDelayMs(1, 0.9), 'attempt 1');
  emitter.emit('reconnect');
  t.equal(options.reconnectPeriod, reconnectDelayMs(2, 0.6), 'attempt 2');
  emitter.emit('reconnect');
  t.equal(options.reconnectPeriod, reconnectDelayMs(3, 0.3), 'attempt 3');
  t.same(seen, [[1, reconnectDelayMs(1, 0.9)], [2, reconnectDelayMs(2, 0.6)], [3, reconnectDelayMs(3, 0.3)]], 'every attempt reported with the wait armed after it');

  emitter.emit('connect');
  t.equal(options.reconnectPeriod, reconnectDelayMs(0, 0.99), 'connected: the next lost link starts at attempt 0');
  emitter.emit('reconnect');
  t.equal(options.reconnectPeriod, reconnectDelayMs(1, 0.75), 'and counts from 1 again');
});

t.test('the waits grow to reconnectMaxMs and never pass it', async (t) => {
  const { client, emitter, options } = standInClient();
  followReconnectBackoff(client, () => 0.999);
  const waits: number[] = [];
  for (let i = 0; i < 12; i++) {
    emitter.emit('reconnect');
    waits.push(options.reconnectPeriod);
  }
  t.same(waits, waits.map((_, i) => reconnectDelayMs(i + 1, 0.999)));
  t.ok(waits.every((w, i) => i === 0 || w >= waits[i - 1]!), 'non-decreasing at a fixed random draw');
  t.ok(waits.every((w) => w <= DEFAULTS.reconnectMaxMs), 'never above reconnectMaxMs');
  t.equal(waits.at(-1), DEFAULTS.reconnectMinMs + Math.floor(0.999 * (DEFAULTS.reconnectMaxMs - DEFAULTS.reconnectMinMs)), 'capped: the floor plus the draw over the whole window');
});
