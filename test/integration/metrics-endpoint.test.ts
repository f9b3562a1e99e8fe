/**
 * The hub's GET /metrics on a real hub, agent and Docker engine (issue #5): behind the admin
 * token, in the Prometheus text format (read by a Prometheus text parser), with the agent's node
 * counters, a running container's CPU seconds and the Pod's phase, each labelled as Grafana's
 * Kubernetes dashboards expect.
 */
import { createRequire } from 'node:module';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

interface ParsedFamily {
  name: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string }>;
}
// parse-prometheus-text-format ships no type declarations; its CommonJS export is the parser.
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

/** The values of the series of `name` whose labels include `labels`. */
function valuesOf(families: ParsedFamily[], name: string, labels: Record<string, string>): number[] {
  const family = families.find((f) => f.name === name);
  return (family?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)).map((m) => Number(m.value));
}

t.test('GET /metrics exports the fleet as node_exporter, cAdvisor and kube-state-metrics would', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['prom'] });
  const node = cluster.nodeName('prom');

  const anonymous = await cluster.anonymousFetch('/metrics');
  t.equal(anonymous.status, 401, 'the same bearer token as the rest of the API');

  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'burner' },
    spec: {
      containers: [
        {
          name: 'burner',
          image: 'skiff-test/web:1',
          imagePullPolicy: 'Never',
          command: ['sh', '-c', 'yes > /dev/null'],
          // A tenth of a core: enough for its CPU counter to move, little on a shared machine.
          resources: { limits: { cpu: '100m', memory: '32Mi' } },
        },
      ],
    },
  };
  const apply = await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  t.equal(apply.code, 0, apply.stderr);

  const scrape = async () => {
    const res = await cluster.fetch('/metrics');
    if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${await res.text()}`);
    return { contentType: res.headers.get('content-type'), families: parsePrometheus(await res.text()) };
  };
  const burner = { node, namespace: 'default', pod: 'burner', container: 'burner' };
  const { contentType, families } = await waitFor(
    "the burner's CPU seconds in /metrics",
    async () => {
      const scraped = await scrape();
      const cpu = valuesOf(scraped.families, 'container_cpu_usage_seconds_total', burner);
      return cpu.length === 1 && cpu[0]! > 0 ? scraped : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
  t.match(contentType, /^text\/plain; version=0\.0\.4/);

  const family = (name: string) => families.find((f) => f.name === name);
  t.equal(family('node_cpu_seconds_total')?.type, 'COUNTER');
  const idle = valuesOf(families, 'node_cpu_seconds_total', { node, cpu: '0', mode: 'idle' });
  t.equal(idle.length, 1, "the agent's node has CPU 0 idle seconds");
  t.ok(idle[0]! > 0, `node ${node} cpu 0 idle: ${idle[0]} s`);
  t.equal(valuesOf(families, 'node_memory_MemAvailable_bytes', { node }).length, 1);
  t.equal(family('container_cpu_usage_seconds_total')?.type, 'COUNTER');
  t.equal(valuesOf(families, 'container_memory_working_set_bytes', burner).length, 1, "the burner's working set");

  const phase = valuesOf(families, 'kube_pod_status_phase', { namespace: 'default', pod: 'burner', phase: 'Running' });
  t.same(phase, [1], 'kube_pod_status_phase{phase="Running"} 1');
  t.same(valuesOf(families, 'kube_node_status_condition', { node, condition: 'Ready', status: 'true' }), [1]);
  t.ok((valuesOf(families, 'skiff_mqtt_clients_connected', {})[0] ?? 0) >= 1, 'the agent is connected to the broker');
  t.ok(family('skiff_controller_sync_duration_seconds'), 'reconcile latency histogram');
});
