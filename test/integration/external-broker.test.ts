/**
 * The hub's side of an external broker (hub/broker/external-broker.ts, hub/server/hub-broker.ts)
 * against a real Mosquitto: a node's account made at grant, presence telling who is connected,
 * a retained message where only presence may be retained dropped and cleared, shared
 * subscriptions splitting messages between two hubs, and a refused login named by flag.
 */
import t from 'tap';
import { connectAsync, type MqttClient } from 'mqtt';
import { createLogger } from '../../shared/log.js';
import { agentClientId, presenceTopic, statusTopic, eventsTopic, allNodesFilter } from '../../shared/mqtt/topics.js';
import { openHubBroker, type HubBroker } from '../../hub/server/hub-broker.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const broker = await startMosquitto();
t.teardown(() => broker.close());
const logger = createLogger('hub', 'silent');

async function hub(name: string): Promise<HubBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), `skiff-external-${name}-`));
  const opened = await openHubBroker({
    store: undefined as never, // an external broker never reads the store
    logger,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    external: { url: broker.url, username: broker.hubUsername, password: broker.hubPassword },
  });
  t.teardown(async () => {
    await opened.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return opened;
}

async function node(name: string, password: string): Promise<MqttClient> {
  const client = await connectAsync(broker.url, { ...broker.connectOptions, clientId: agentClientId(name), username: name, password, protocolVersion: 5 });
  t.teardown(() => client.endAsync());
  return client;
}

t.test('a granted node connects, and its presence says so; a retained status is dropped and cleared', async (t) => {
  const a = await hub('a');
  t.equal(a.externalUrl, broker.url);
  t.equal(a.mqttPort, broker.port);
  await a.grantNode('pi-1', 'pw-1');
  const statuses: string[] = [];
  await a.bus.subscribe(allNodesFilter('status'), (_topic, payload) => void statuses.push(payload.toString()));
  const pi = await node('pi-1', 'pw-1');
  await pi.publishAsync(presenceTopic('pi-1'), 'online', { qos: 1, retain: true });
  await waitFor('pi-1 to be seen as connected', () => a.isConnected('pi-1'));
  await pi.publishAsync(statusTopic('pi-1'), 'retained-status', { qos: 1, retain: true });
  await pi.publishAsync(statusTopic('pi-1'), 'live-status', { qos: 1 });
  await waitFor('the live status', () => statuses.includes('live-status'));
  t.same(statuses, ['live-status'], 'the retained one never reached the ingest');
  // A later subscriber finds nothing retained on the status topic: the hub cleared it.
  const late = await connectAsync(broker.url, { ...broker.connectOptions, username: broker.hubUsername, password: broker.hubPassword });
  t.teardown(() => late.endAsync());
  const retained: string[] = [];
  late.on('message', (topic, payload, packet) => {
    if (packet.retain) retained.push(`${topic}=${payload.toString()}`);
  });
  await late.subscribeAsync([statusTopic('pi-1'), presenceTopic('pi-1')], { qos: 1 });
  await waitFor('the retained presence', () => retained.some((r) => r.endsWith('/presence=online')));
  t.same(retained, ['skiff/v1/nodes/pi-1/presence=online'], 'only the presence is retained');
  await pi.publishAsync(presenceTopic('pi-1'), 'offline', { qos: 1, retain: true });
  await waitFor('pi-1 to be seen as gone', () => !a.isConnected('pi-1'));
  await a.revokeNode('pi-1');
  await t.rejects(node('pi-1', 'pw-1'), 'a revoked node cannot log in');
});

t.test('shared subscriptions split Events between two hubs; each reaches exactly one', async (t) => {
  const a = await hub('share-a');
  const b = await hub('share-b');
  await a.grantNode('pi-2', 'pw-2');
  const got: Array<[string, string]> = [];
  await a.bus.subscribe(allNodesFilter('events'), (_topic, payload) => void got.push(['a', payload.toString()]), { shared: true });
  await b.bus.subscribe(allNodesFilter('events'), (_topic, payload) => void got.push(['b', payload.toString()]), { shared: true });
  const pi = await node('pi-2', 'pw-2');
  for (let i = 0; i < 20; i++) await pi.publishAsync(eventsTopic('pi-2'), `e${i}`, { qos: 1 });
  await waitFor('all 20 reports', () => got.length >= 20);
  t.equal(got.length, 20, 'none twice');
  t.same(new Set(got.map(([, e]) => e)).size, 20);
  t.ok(got.some(([h]) => h === 'a') && got.some(([h]) => h === 'b'), `both hubs took a share (${got.filter(([h]) => h === 'a').length} and ${got.filter(([h]) => h === 'b').length})`);
});

t.test('a refused login names the broker and the flag', async (t) => {
  await t.rejects(
    openHubBroker({ store: undefined as never, logger, dataDir: '/nonexistent', host: '127.0.0.1', port: 0, external: { url: broker.url, username: broker.hubUsername, password: 'wrong' } }),
    { code: 'SKIFF_ERR_CONFIG', message: new RegExp(`^cannot connect to the MQTT broker mqtt://127\\.0\\.0\\.1:${broker.port} \\(--mqtt-url\\) as skiff_hub: `) },
  );
});
