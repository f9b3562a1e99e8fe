/**
 * The hub's GET /metrics: one prom-client Registry holding node_exporter-, cAdvisor- and
 * kube-state-metrics-style families of the whole fleet plus Skiff's own and the hub process's,
 * all read at scrape time from the MetricsSource, the store and the broker (nothing is copied
 * between scrapes, so /metrics is never staler than what the hub knows). docs/metrics.md lists
 * every name and label.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { resolveResource } from '../../shared/api/resources.js';
import type { BrokerStats } from '../broker/message-bus.js';
import type { Store } from '../store/store.js';
import type { MetricsSource } from './metrics-source.js';
import { CONTAINER_FAMILIES } from './prom-container.js';
import { perScrape, registerFamilies } from './prom-families.js';
import { KUBE_STATE_FAMILIES, type ClusterObjects } from './prom-kube-state.js';
import { NODE_FAMILIES, type NodeSamples } from './prom-node.js';
import { OUTBOX_FAMILIES } from './prom-outbox.js';
import { BROKER_FAMILIES, registerSyncMetrics } from './prom-skiff.js';

const pods = resolveResource('pods')!;
const deployments = resolveResource('deployments')!;
const nodes = resolveResource('nodes')!;

export interface HubMetricsOptions {
  store: Store;
  source: MetricsSource;
  /** The broker's counters (EmbeddedBroker has `stats()`); without it there are no skiff_mqtt_* families. */
  broker?: { stats(): BrokerStats };
  /** prom-client's default process_* and nodejs_* families of the hub process; default true. */
  processMetrics?: boolean;
}

export interface MetricsResponse {
  contentType: string;
  body: string;
}

export interface HubMetrics {
  registry: Registry;
  /** One scrape, in the Prometheus text format (version 0.0.4). */
  render(): Promise<MetricsResponse>;
  /** Stops observing work queues (the registry stays readable). */
  close(): void;
}

export function createHubMetrics(options: HubMetricsOptions): HubMetrics {
  const registry = new Registry();

  const samples = perScrape<NodeSamples>(async () => ({ samples: options.source.latestSamples() }));
  registerFamilies(registry, [...NODE_FAMILIES, ...CONTAINER_FAMILIES], samples);

  const objects = perScrape<ClusterObjects>(async () => {
    const [podList, deploymentList, nodeList] = await Promise.all([options.store.list(pods), options.store.list(deployments), options.store.list(nodes)]);
    return { pods: podList, deployments: deploymentList, nodes: nodeList };
  });
  registerFamilies(registry, KUBE_STATE_FAMILIES, objects);

  const outboxDropped = options.source.outboxDropped?.bind(options.source);
  if (outboxDropped) registerFamilies(registry, OUTBOX_FAMILIES, async () => ({ dropped: outboxDropped() }));

  const broker = options.broker;
  if (broker) registerFamilies(registry, BROKER_FAMILIES, async () => ({ broker: broker.stats() }));
  const stopObservingSyncs = registerSyncMetrics(registry);

  // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes) so that Node.js
  // dashboards work as they are; the scrape job tells the hub apart.
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close: stopObservingSyncs,
  };
}
