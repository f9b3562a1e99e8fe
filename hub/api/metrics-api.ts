/**
 * Read-only usage APIs, answered from the MetricsService rather than the object store:
 *   /apis/metrics.k8s.io/v1beta1/nodes[/NAME]                     NodeMetrics (as metrics-server:
 *   /apis/metrics.k8s.io/v1beta1/[namespaces/NS/]pods[/NAME]      what `kubectl top` reads)
 *   /apis/metrics.skiff.io/v1alpha1/series?node=&namespace=&pod=&container=&metric=&since=1h|from=&to=
 *     stored time series (hub/metrics/metrics-db.ts), from the finest tier that covers the range.
 * Both accept labelSelector on lists, as metrics-server does.
 */
import { SkiffError } from '../../shared/errors.js';
import { resolveResource } from '../../shared/api/resources.js';
import { parseDurationMs } from '../../shared/duration.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { MetricsService } from '../metrics/metrics-service.js';
import type { ResourceUsage } from '../metrics/metrics-source.js';
import type { Store } from '../store/store.js';
import { labelFilter } from './selectors.js';

export const METRICS_GROUP_PREFIXES = ['/apis/metrics.k8s.io/', '/apis/metrics.skiff.io/'];
const METRICS_API_VERSION = 'metrics.k8s.io/v1beta1';
const SERIES_API_VERSION = 'metrics.skiff.io/v1alpha1';

const nodes = resolveResource('nodes')!;
const pods = resolveResource('pods')!;

/** Usage in the quantities metrics-server writes: nanocores and KiB. */
export function usageQuantities(usage: ResourceUsage): { cpu: string; memory: string } {
  return { cpu: `${usage.cpuNanoCores}n`, memory: `${Math.round(usage.memoryWorkingSetBytes / 1024)}Ki` };
}

/** A Go duration string ("10.002s"), as metrics-server's window field. */
function goDuration(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}

function notFound(what: string): SkiffError {
  return new SkiffError('SKIFF_ERR_NOT_FOUND', what);
}

function metadataOf(object: KubeObject | undefined, name: string, namespace?: string): Record<string, unknown> {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    creationTimestamp: new Date().toISOString(),
    ...(object?.metadata.labels ? { labels: object.metadata.labels } : {}),
  };
}

export interface MetricsApiDeps {
  store: Store;
  metrics: MetricsService;
  now(): number;
}

export async function metricsApi(deps: MetricsApiDeps, pathname: string, params: URLSearchParams): Promise<unknown> {
  const segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const [, group, version, ...rest] = segments;
  if (group === 'metrics.k8s.io' && version === 'v1beta1') return resourceMetrics(deps, rest, params);
  if (group === 'metrics.skiff.io' && version === 'v1alpha1' && rest.length === 1 && rest[0] === 'series') return series(deps, params);
  throw notFound('the server could not find the requested resource');
}

async function resourceMetrics(deps: MetricsApiDeps, rest: string[], params: URLSearchParams): Promise<unknown> {
  const selected = labelFilter(params.get('labelSelector'));
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, ...extra] = rest;
  if (extra.length > 0) throw notFound('the server could not find the requested resource');
  if (plural === 'nodes' && namespace === undefined) {
    const objects = new Map((await deps.store.list(nodes)).map((n) => [n.metadata.name!, n]));
    const items = deps.metrics
      .nodes()
      .filter((u) => (name === undefined || u.node === name) && objects.has(u.node) && selected(objects.get(u.node)!))
      .sort((a, b) => a.node.localeCompare(b.node))
      .map((u) => ({
        kind: 'NodeMetrics',
        apiVersion: METRICS_API_VERSION,
        metadata: metadataOf(objects.get(u.node), u.node),
        timestamp: u.timestamp,
        window: goDuration(u.windowSeconds),
        usage: usageQuantities(u.usage),
      }));
    if (name !== undefined) {
      if (items.length === 0) throw notFound(`nodemetrics.metrics.k8s.io "${name}" not found`);
      return items[0];
    }
    return { kind: 'NodeMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items };
  }
  if (plural === 'pods') {
    // Only Pods that still exist, by uid: a deleted Pod's last usage must not linger in `top`.
    const objects = new Map((await deps.store.list(pods, namespace)).map((p) => [p.metadata.uid!, p]));
    const items = deps.metrics
      .pods(namespace)
      .filter((u) => (name === undefined || u.name === name) && objects.has(u.uid) && selected(objects.get(u.uid)!))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
      .map((u) => ({
        kind: 'PodMetrics',
        apiVersion: METRICS_API_VERSION,
        metadata: metadataOf(objects.get(u.uid), u.name, u.namespace),
        timestamp: u.timestamp,
        window: goDuration(u.windowSeconds),
        containers: u.containers.map((c) => ({ name: c.name, usage: usageQuantities(c.usage) })),
      }));
    if (name !== undefined) {
      if (items.length === 0) throw notFound(`podmetrics.metrics.k8s.io "${name}" not found`);
      return items[0];
    }
    return { kind: 'PodMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items };
  }
  throw notFound('the server could not find the requested resource');
}

function timeParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `query parameter ${name}: ${JSON.stringify(text)} is not an RFC 3339 time`);
  return ms;
}

function series(deps: MetricsApiDeps, params: URLSearchParams): unknown {
  const now = deps.now();
  const since = params.get('since');
  let sinceMs: number | undefined;
  if (since !== null) {
    try {
      sinceMs = parseDurationMs(since, 'since');
    } catch (err) {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `query parameter since: ${(err as Error).message}`, { cause: err });
    }
  }
  const fromMs = timeParam(params, 'from') ?? now - (sinceMs ?? 3_600_000);
  const toMs = timeParam(params, 'to') ?? now;
  const tierText = params.get('tier');
  const tier = tierText === null ? undefined : Number(tierText);
  if (tier !== undefined && !(Number.isInteger(tier) && tier >= 0 && tier < deps.metrics.tierCount)) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `query parameter tier: must be an integer from 0 to ${deps.metrics.tierCount - 1}`);
  }
  const filter: Record<string, string> = {};
  for (const field of ['node', 'namespace', 'pod', 'container', 'metric'] as const) {
    const value = params.get(field);
    if (value !== null) filter[field] = value;
  }
  const result = deps.metrics.series({ ...filter, fromMs, toMs, ...(tier !== undefined ? { tier } : {}) });
  return {
    kind: 'SeriesList',
    apiVersion: SERIES_API_VERSION,
    tier: result.tier,
    stepSeconds: result.stepMs / 1000,
    items: result.series.map((s) => ({
      labels: Object.fromEntries(Object.entries(s.key).filter(([, v]) => v !== '')),
      points: s.points.map(([ts, value]) => [ts / 1000, value]),
    })),
  };
}
