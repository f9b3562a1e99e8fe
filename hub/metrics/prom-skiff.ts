/**
 * Skiff's own families: the embedded broker's clients and messages per topic channel (read
 * from its counters at scrape time) and the latency of every work queue's sync (observed as it
 * happens, as client-go's workqueue_work_duration_seconds), labelled by controller name.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { BrokerStats } from '../broker/message-bus.js';
import { observeSyncs } from '../controllers/work-queue.js';
import type { Family, Series } from './prom-families.js';

export interface BrokerSnapshot {
  broker: BrokerStats;
}

/** From 1 ms (a sync that only reads the store) to 10 s (one stuck on a slow disk). */
const SYNC_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function perChannel(counts: ReadonlyMap<string, number>): Series[] {
  return [...counts].map(([channel, value]) => ({ labels: { channel }, value }));
}

export const BROKER_FAMILIES: ReadonlyArray<Family<BrokerSnapshot>> = [
  {
    name: 'skiff_mqtt_clients_connected',
    help: 'MQTT clients (agents) connected to the embedded broker.',
    type: 'gauge',
    labelNames: [],
    series: ({ broker }) => [{ labels: {}, value: broker.clientsConnected }],
  },
  {
    name: 'skiff_mqtt_messages_received_total',
    help: 'MQTT messages published by clients (agents), by topic channel.',
    type: 'counter',
    labelNames: ['channel'],
    series: ({ broker }) => perChannel(broker.messagesReceived),
  },
  {
    name: 'skiff_mqtt_messages_published_total',
    help: 'MQTT messages published by the hub, by topic channel.',
    type: 'counter',
    labelNames: ['channel'],
    series: ({ broker }) => perChannel(broker.messagesPublished),
  },
];

/**
 * Histograms every work queue's syncs into `registry` from now on; returns the function that
 * stops observing (a hub that closes, a test that ends).
 */
export function registerSyncMetrics(registry: Registry): () => void {
  const duration = new Histogram({
    name: 'skiff_controller_sync_duration_seconds',
    help: 'How long one sync (reconcile) of a key took, by controller (work queue) name.',
    labelNames: ['controller'],
    buckets: SYNC_BUCKETS_SECONDS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'skiff_controller_sync_errors_total',
    help: 'Syncs that failed and were requeued with backoff, by controller (work queue) name.',
    labelNames: ['controller'],
    registers: [registry],
  });
  return observeSyncs(({ queue, seconds, ok }) => {
    duration.observe({ controller: queue }, seconds);
    if (!ok) errors.inc({ controller: queue });
  });
}
