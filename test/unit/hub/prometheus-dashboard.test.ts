/**
 * docs/grafana/skiff-fleet.json is a Grafana dashboard model whose every query parses as PromQL
 * (Prometheus' own lezer grammar) and names only metrics the hub's /metrics exports, so the
 * dashboard cannot drift from hub/metrics/ unnoticed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import t from 'tap';
import { createHubMetrics } from '../../../hub/metrics/prometheus.js';
import type { Store } from '../../../hub/store/store.js';
import { repoRoot } from '../../helpers/repo.js';

interface Target {
  expr: string;
  refId: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
}
interface Variable {
  type: string;
  name: string;
  query: string | { query: string };
}
interface Dashboard {
  title: string;
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(readFileSync(join(repoRoot(), 'docs', 'grafana', 'skiff-fleet.json'), 'utf8')) as Dashboard;
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const targets = queryPanels.flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, target })));

/** Grafana's variables replaced by values Prometheus accepts, as Grafana does before sending. */
function interpolate(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replace(/\$(node|namespace|job)\b/g, '.*');
}

/** Metric names in a PromQL expression; throws where the grammar found an error. */
function metricNames(expr: string): string[] {
  const names: string[] = [];
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors.join(', ')} in ${expr}`);
  return names;
}

/** Every series name /metrics can carry (histograms as their _bucket, _sum and _count). */
async function exportedNames(): Promise<Set<string>> {
  const store = { list: async () => [] } as unknown as Store;
  const metrics = createHubMetrics({
    store,
    source: { nodes: () => [], pods: () => [], latestSamples: () => [] },
    broker: { stats: () => ({ clientsConnected: 0, messagesReceived: new Map(), messagesPublished: new Map() }) },
  });
  const names = new Set<string>();
  for (const metric of (await metrics.registry.getMetricsAsJSON())) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  metrics.close();
  return names;
}

t.test('the dashboard is a Grafana model on a Prometheus datasource variable', async (t) => {
  t.equal(dashboard.uid, 'skiff-fleet');
  t.ok(dashboard.schemaVersion >= 36, 'a schema version current Grafana reads without migration surprises');
  const datasource = dashboard.templating.list.find((v) => v.type === 'datasource');
  t.equal(datasource?.name, 'datasource');
  t.equal(datasource?.query, 'prometheus');
  t.ok(queryPanels.length >= 12, `${queryPanels.length} panels`);
  t.same(
    queryPanels.filter((p) => p.datasource?.uid !== '${datasource}' || (p.targets ?? []).some((target) => target.datasource?.uid !== '${datasource}')).map((p) => p.title),
    [],
    'every panel and query uses the datasource variable',
  );
  t.same(queryPanels.filter((p) => (p.targets ?? []).length === 0).map((p) => p.title), [], 'every panel has a query');
  const ids = dashboard.panels.map((p) => p.id);
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  t.same(dashboard.panels.filter((p) => p.gridPos.x + p.gridPos.w > 24).map((p) => p.title), [], 'panels fit the 24-column grid');
  const overlaps = (a: Panel, b: Panel) =>
    a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
  t.same(
    dashboard.panels.flatMap((a, i) => dashboard.panels.slice(i + 1).filter((b) => overlaps(a, b)).map((b) => `${a.title} / ${b.title}`)),
    [],
    'no two panels overlap',
  );
});

t.test('every query parses as PromQL and names only metrics /metrics exports', async (t) => {
  const exported = await exportedNames();
  const used = new Set<string>();
  for (const { panel, target } of targets) {
    const names = metricNames(interpolate(target.expr));
    t.ok(names.length > 0, `${panel} ${target.refId} selects a metric`);
    for (const name of names) used.add(name);
  }
  for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
    const metric = /^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*),\s*[a-zA-Z_]+\)$/.exec(query)?.[1];
    t.ok(metric, `variable ${variable.name} is label_values(metric, label)`);
    used.add(metric!);
  }
  t.same([...used].filter((name) => !exported.has(name)), [], 'no metric the hub does not export');

  const required = [
    'node_cpu_seconds_total',
    'node_memory_MemAvailable_bytes',
    'node_filesystem_avail_bytes',
    'node_thermal_zone_temp',
    'node_network_receive_bytes_total',
    'container_cpu_usage_seconds_total',
    'container_memory_working_set_bytes',
    'container_cpu_cfs_throttled_periods_total',
    'kube_pod_status_phase',
    'kube_deployment_spec_replicas',
    'kube_deployment_status_replicas_available',
    'kube_node_status_condition',
    'skiff_mqtt_clients_connected',
    'skiff_mqtt_messages_received_total',
    'skiff_controller_sync_duration_seconds_bucket',
  ];
  t.same(required.filter((name) => !used.has(name)), [], 'the fleet, pod and hub panels are all there');
});

t.test('the PromQL check itself: a syntax error and the selected names are found', async (t) => {
  t.throws(() => metricNames('sum(rate(foo[5m]'), /PromQL syntax error/);
  t.same(metricNames('a / on (x) b{y="z"} + rate(c[1m])'), ['a', 'b', 'c']);
});
