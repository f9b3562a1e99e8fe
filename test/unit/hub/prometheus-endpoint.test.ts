/**
 * GET /metrics on a real hub API (createApiServer on SQLite) behind the admin token, and the
 * embedded broker's counters behind skiff_mqtt_*, fed by a real MQTT client logged in as a node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import t, { type Test } from 'tap';
import { createApiServer, type ApiDependencies } from '../../../hub/api/server.js';
import { EmbeddedBroker } from '../../../hub/broker/embedded-broker.js';
import { hashSecret } from '../../../hub/identity/secrets.js';
import { createHubMetrics } from '../../../hub/metrics/prometheus.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { createLogger } from '../../../shared/log.js';
import { agentClientId, desiredTopic, statusTopic } from '../../../shared/mqtt/topics.js';
import { eventually, pod } from './fixtures.js';
import { listenApi } from './api-server-rig.js';

const ADMIN_TOKEN = 'admin-token';
const pods = resolveResource('pods')!;
const logger = createLogger('hub', 'silent');

function tempStore(t: Test): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-metrics-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

async function startApi(t: Test, store: SqliteStore, metrics?: ApiDependencies['metrics']): Promise<string> {
  return (await listenApi(t, { store, logger, adminToken: ADMIN_TOKEN, ...(metrics ? { metrics } : {}) })).url;
}

t.test('GET /metrics needs the admin token and answers in the Prometheus text format', async (t) => {
  const store = tempStore(t);
  await store.create(pods, pod('web', { phase: 'Running' }));
  const metrics = createHubMetrics({ store, source: { nodes: () => [], pods: () => [], latestSamples: () => [] }, processMetrics: false });
  t.teardown(() => metrics.close());
  const url = await startApi(t, store, () => metrics.render());

  const anonymous = await fetch(`${url}/metrics`);
  t.equal(anonymous.status, 401);
  const wrong = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer nope' } });
  t.equal(wrong.status, 401);

  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const body = await res.text();
  t.match(body, /# TYPE kube_pod_status_phase gauge\n/);
  t.match(body, /kube_pod_status_phase\{namespace="default",pod="web",uid="uid-web",phase="Running"\} 1\n/);
});

t.test('a hub API without metrics has no /metrics', async (t) => {
  const url = await startApi(t, tempStore(t));
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  t.equal(res.status, 404);
});

t.test('the embedded broker counts clients, and messages per channel in each direction', async (t) => {
  const store = tempStore(t);
  const broker = await EmbeddedBroker.start({ store, logger, port: 0, host: '127.0.0.1' });
  t.teardown(() => broker.close());
  await store.putNodeCredential({ node: 'pi-1', passwordHash: hashSecret('secret'), createdAt: new Date().toISOString() });
  t.same(broker.stats(), { clientsConnected: 0, messagesReceived: new Map(), messagesPublished: new Map() });

  const client = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { username: 'pi-1', password: 'secret', clientId: agentClientId('pi-1'), reconnectPeriod: 0 });
  t.teardown(() => client.endAsync(true));
  await client.publishAsync(statusTopic('pi-1'), '{}', { qos: 1 });
  await client.publishAsync(statusTopic('pi-1'), '{}', { qos: 1 });
  await broker.publish(desiredTopic('pi-1'), '{}', { qos: 1, retain: true });
  await broker.publish('skiff/v1/elsewhere', 'x', { qos: 0, retain: false });

  await eventually('the broker counts the client', () => broker.stats().clientsConnected === 1);
  const stats = broker.stats();
  t.same(Object.fromEntries(stats.messagesReceived), { status: 2 }, "the node's publishes, by channel");
  t.same(Object.fromEntries(stats.messagesPublished), { desired: 1, other: 1 }, "the hub's publishes, by channel; unknown topics as 'other'");

  const metrics = createHubMetrics({ store, source: { nodes: () => [], pods: () => [], latestSamples: () => [] }, broker, processMetrics: false });
  t.teardown(() => metrics.close());
  const { body } = await metrics.render();
  t.match(body, /skiff_mqtt_clients_connected 1\n/);
  t.match(body, /skiff_mqtt_messages_received_total\{channel="status"\} 2\n/);
  t.match(body, /skiff_mqtt_messages_published_total\{channel="desired"\} 1\n/);
});
