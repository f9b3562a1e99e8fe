/**
 * Node isolation on a real Mosquitto 2.0 (issue #11): the hub grants nodes pi-a and pi-b their
 * accounts through the dynamic-security plugin (hub/broker/mosquitto-dynsec.ts), then real MQTT
 * clients show that each node reads and writes its own topics only, as hub/broker/policy.ts does on
 * the embedded broker. Where a message must NOT arrive, the sender then sends one that must, on
 * the same connection, and the receiver's inbox is read once that one is in: MQTT keeps order
 * per connection, so no sleep stands in for "never". Also the static alternative (acl_file and
 * password_file), TLS, and what the plugin client does when the broker does not answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test as Tap } from 'tap';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { DEFAULTS } from '../../shared/defaults.js';
import {
  FLEET_SERVICES_TOPIC,
  UPWARD_CHANNELS,
  agentClientId,
  allNodesFilter,
  desiredTopic,
  nodeTopic,
  presenceTopic,
  requestsTopic,
  statusTopic,
} from '../../shared/mqtt/topics.js';
import { DYNSEC_RESPONSE_TOPIC, nodeAclEntries, nodeRoleName, type DynsecAcl } from '../../hub/broker/mosquitto-acl.js';
import { MosquittoDynamicSecurity } from '../../hub/broker/mosquitto-dynsec.js';
import { loadOrCreateTls } from '../../hub/identity/tls.js';
import { startMosquitto, type LocalMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';

const NOT_AUTHORIZED = 5; // MQTT 3.1.1 CONNACK: Mosquitto 2.0 answers a bad password with it too
const SUBACK_FAILURE = 0x80;
const password = (): string => randomBytes(32).toString('base64url');

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Every message a client received, in order. */
function inbox(client: MqttClient): Received[] {
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return messages;
}

function arrived(messages: Received[], topic: string, payload: string): Promise<Received> {
  return waitFor(`${payload} on ${topic}`, () => messages.find((m) => m.topic === topic && m.payload === payload), { timeoutMs: 10_000, intervalMs: 20 });
}

/** The SUBACK return code of one filter (MQTT.js rejects a SUBACK holding 0x80: read it off the error). */
async function granted(client: MqttClient, filter: string): Promise<number> {
  try {
    return (await client.subscribeAsync(filter, { qos: 1 }))[0]!.qos;
  } catch (err) {
    const codes = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!codes) throw err;
    return codes[0]!;
  }
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
}

/** A broker and the clients a test opened on it, all ended at the test's end. */
function session(t: Tap, broker: LocalMosquitto) {
  const clients: MqttClient[] = [];
  t.teardown(async () => {
    try {
      for (const client of clients) await client.endAsync(true);
    } finally {
      await broker.close();
    }
  });
  const connect = async (options: IClientOptions): Promise<MqttClient> => {
    const client = await connectAsync(broker.url, { ...broker.connectOptions, protocolVersion: 4, ...options });
    clients.push(client);
    return client;
  };
  return {
    connect,
    hub: (clientId: string) => connect({ clientId, username: broker.hubUsername, password: broker.hubPassword }),
    node: (node: string, secret: string, clientId = agentClientId(node)) => connect({ clientId, username: node, password: secret }),
    /** The CONNACK code of a login that must fail. */
    refusal: async (options: IClientOptions): Promise<number | string> => {
      const client = await connect(options).catch((err: { code?: number; message: string }) => err);
      if ('code' in client && typeof client.code === 'number') return client.code;
      return 'connected' in client ? 'accepted' : client.message;
    },
  };
}

t.test('with the dynamic-security plugin, each node reads and writes only its own topics', async (t) => {
  const broker = await startMosquitto();
  const mqtt = session(t, broker);
  const hub = await mqtt.hub('skiff-hub-0');
  const dynsec = new MosquittoDynamicSecurity(hub);
  t.teardown(() => dynsec.close());
  const secrets = { 'pi-a': password(), 'pi-b': password() };
  await dynsec.grantNode('pi-a', secrets['pi-a']);
  await dynsec.grantNode('pi-b', secrets['pi-b']);

  // The hub's eyes: every Skiff topic (its role allows it), to see what the nodes manage to send.
  const observer = await mqtt.hub('skiff-hub-observer');
  t.equal(await granted(observer, 'skiff/v1/#'), 1);
  const seen = inbox(observer);

  await t.test('a node\'s status reaches the hub through a plain and a shared subscription', async (t) => {
    const ingest = await mqtt.hub('skiff-hub-1');
    const shared = await mqtt.hub('skiff-hub-2');
    t.equal(await granted(ingest, allNodesFilter('status')), 1);
    t.equal(await granted(shared, `$share/skiff-hubs/${allNodesFilter('status')}`), 1);
    const [plainInbox, sharedInbox] = [inbox(ingest), inbox(shared)];
    const a = await mqtt.node('pi-a', secrets['pi-a']);
    await a.publishAsync(statusTopic('pi-a'), 'status-1', { qos: 1 });
    await arrived(plainInbox, statusTopic('pi-a'), 'status-1');
    await arrived(sharedInbox, statusTopic('pi-a'), 'status-1');
  });

  await t.test('Mosquitto checks a shared subscription\'s whole filter: the hub\'s role needs its $share pattern', async (t) => {
    // A role with skiff/v1/# alone, as if hubAclEntries had no $share entry.
    const probe = password();
    const answers = await dynsec.execute([
      { command: 'createRole', rolename: 'probe-plain', acls: [{ acltype: 'subscribePattern', topic: 'skiff/v1/#', priority: 0, allow: true }] },
      { command: 'createClient', username: 'probe_plain', password: probe, roles: [{ rolename: 'probe-plain' }] },
    ]);
    t.same(answers.map((a) => a.error), [undefined, undefined]);
    const client = await mqtt.connect({ clientId: 'probe', username: 'probe_plain', password: probe });
    t.equal(await granted(client, allNodesFilter('status')), 1);
    t.equal(await granted(client, `$share/skiff-hubs/${allNodesFilter('status')}`), SUBACK_FAILURE);
    await dynsec.execute([{ command: 'deleteClient', username: 'probe_plain' }, { command: 'deleteRole', rolename: 'probe-plain' }]);
  });

  await t.test('a node publishes every upward channel of its own', async (t) => {
    const a = await mqtt.node('pi-a', secrets['pi-a']);
    for (const channel of UPWARD_CHANNELS) await a.publishAsync(nodeTopic('pi-a', channel), `own-${channel}`, { qos: 1 });
    for (const channel of UPWARD_CHANNELS) await arrived(seen, nodeTopic('pi-a', channel), `own-${channel}`);
    t.pass('all arrived');
  });

  await t.test('a node reads its own retained desired state, its requests and the fleet Services view', async (t) => {
    await hub.publishAsync(desiredTopic('pi-a'), 'desired-a-1', { qos: 1, retain: true });
    await hub.publishAsync(FLEET_SERVICES_TOPIC, 'services-1', { qos: 1, retain: true });
    const a = await mqtt.node('pi-a', secrets['pi-a']);
    const received = inbox(a);
    for (const topic of [desiredTopic('pi-a'), requestsTopic('pi-a'), FLEET_SERVICES_TOPIC]) t.equal(await granted(a, topic), 1, topic);
    t.ok((await arrived(received, desiredTopic('pi-a'), 'desired-a-1')).retain, 'retained');
    t.ok((await arrived(received, FLEET_SERVICES_TOPIC, 'services-1')).retain, 'retained');
    await hub.publishAsync(requestsTopic('pi-a'), 'request-a-1', { qos: 0 });
    await arrived(received, requestsTopic('pi-a'), 'request-a-1');
  });

  await t.test('a node cannot subscribe to another node\'s topics, to its own upward ones, nor with any wildcard', async (t) => {
    const a = await mqtt.node('pi-a', secrets['pi-a']);
    const received = inbox(a);
    const forbidden = [
      desiredTopic('pi-b'),
      requestsTopic('pi-b'),
      statusTopic('pi-b'),
      statusTopic('pi-a'),
      'skiff/v1/#',
      '#',
      'skiff/v1/nodes/+/desired',
      'skiff/v1/nodes/pi-a/#',
      `$share/g/${desiredTopic('pi-a')}`,
      '$SYS/#',
      '$CONTROL/dynamic-security/#',
    ];
    for (const filter of forbidden) t.equal(await granted(a, filter), SUBACK_FAILURE, filter);
    t.ok(a.connected, 'a refused subscription keeps the connection');

    t.equal(await granted(a, desiredTopic('pi-a')), 1);
    await hub.publishAsync(desiredTopic('pi-b'), 'desired-b-1', { qos: 1, retain: true });
    await hub.publishAsync(requestsTopic('pi-b'), 'request-b-1', { qos: 0 });
    await hub.publishAsync(desiredTopic('pi-a'), 'desired-a-2', { qos: 1, retain: true });
    await arrived(received, desiredTopic('pi-a'), 'desired-a-2');
    t.same(received.filter((m) => m.topic.includes('/pi-b/')), [], 'nothing of pi-b arrived before pi-a\'s own');
  });

  await t.test('a node cannot publish to another node\'s topics, to downward or fleet topics', async (t) => {
    const a = await mqtt.node('pi-a', secrets['pi-a']);
    const forged = [statusTopic('pi-b'), presenceTopic('pi-b'), desiredTopic('pi-b'), desiredTopic('pi-a'), requestsTopic('pi-a'), FLEET_SERVICES_TOPIC, 'skiff/v1/nodes/pi-a/other'];
    // MQTT 3.1.1 has no negative PUBACK: Mosquitto acknowledges, drops, and keeps the connection.
    for (const topic of forged) await a.publishAsync(topic, 'forged', { qos: 1 });
    await a.publishAsync(statusTopic('pi-a'), 'after-forged', { qos: 1 });
    await arrived(seen, statusTopic('pi-a'), 'after-forged');
    t.same(seen.filter((m) => m.payload === 'forged'), [], 'the hub never received a forged message');
    t.ok(a.connected);
  });

  await t.test('Mosquitto cannot refuse a retained status (no retain rule in 2.0): a later subscriber sees it flagged, and the hub clears it', async (t) => {
    const a = await mqtt.node('pi-a', secrets['pi-a']);
    await a.publishAsync(statusTopic('pi-a'), 'stale-status', { qos: 1, retain: true });
    const late = await mqtt.hub('skiff-hub-late');
    const lateInbox = inbox(late);
    await granted(late, statusTopic('pi-a'));
    t.ok((await arrived(lateInbox, statusTopic('pi-a'), 'stale-status')).retain, 'kept by the broker, flagged retained');

    await hub.publishAsync(statusTopic('pi-a'), '', { qos: 1, retain: true }); // an empty retained message clears it
    const later = await mqtt.hub('skiff-hub-later');
    const laterInbox = inbox(later);
    await granted(later, statusTopic('pi-a'));
    await granted(later, desiredTopic('pi-a')); // its retained desired state follows any retained status
    await arrived(laterInbox, desiredTopic('pi-a'), 'desired-a-2');
    t.same(laterInbox.filter((m) => m.topic === statusTopic('pi-a')), [], 'cleared');
  });

  await t.test('logins: a wrong password, another node\'s client id and no credentials are refused', async (t) => {
    t.equal(await mqtt.refusal({ clientId: agentClientId('pi-a'), username: 'pi-a', password: 'wrong' }), NOT_AUTHORIZED, 'wrong password');
    t.equal(await mqtt.refusal({ clientId: 'some-other-id', username: 'pi-a', password: secrets['pi-a'] }), NOT_AUTHORIZED, 'its own credentials with another id');
    t.equal(await mqtt.refusal({ clientId: agentClientId('pi-a') }), NOT_AUTHORIZED, 'anonymous');

    const a = await mqtt.node('pi-a', secrets['pi-a']);
    const received = inbox(a);
    t.equal(await granted(a, desiredTopic('pi-a')), 1);
    t.equal(await mqtt.refusal({ clientId: agentClientId('pi-a'), username: 'pi-b', password: secrets['pi-b'] }), NOT_AUTHORIZED, 'pi-b with pi-a\'s client id');
    await hub.publishAsync(desiredTopic('pi-a'), 'desired-a-3', { qos: 1, retain: true });
    await arrived(received, desiredTopic('pi-a'), 'desired-a-3');
    t.ok(a.connected, 'pi-a\'s session was not taken over');
  });

  await t.test('a packet over the hub\'s size limit drops the connection, as on the embedded broker', async (t) => {
    const a = await mqtt.node('pi-a', secrets['pi-a']);
    const topic = statusTopic('pi-a');
    // A QoS 0 PUBLISH's remaining length: 2 bytes of topic length, the topic, the payload.
    const payloadOf = (remaining: number): Buffer => Buffer.alloc(remaining - 2 - Buffer.byteLength(topic), 'x');
    await a.publishAsync(topic, payloadOf(DEFAULTS.broker.maxPacketBytes), { qos: 0 });
    await waitFor('the largest allowed status', () => seen.some((m) => m.topic === topic && m.payload.length === payloadOf(DEFAULTS.broker.maxPacketBytes).length), { timeoutMs: 10_000, intervalMs: 20 });
    const gone = closed(a);
    a.publish(topic, payloadOf(DEFAULTS.broker.maxPacketBytes + 1), { qos: 0 });
    await gone;
    t.pass('dropped');
  });

  await t.test('revokeNode disconnects the node at once and refuses its next login', async (t) => {
    const a = await mqtt.node('pi-a', secrets['pi-a']);
    const gone = closed(a);
    await dynsec.revokeNode('pi-a');
    await gone;
    t.equal(await mqtt.refusal({ clientId: agentClientId('pi-a'), username: 'pi-a', password: secrets['pi-a'] }), NOT_AUTHORIZED);
    const [role] = await dynsec.execute([{ command: 'getRole', rolename: nodeRoleName('pi-a') }]);
    t.equal(role!.error, 'Role not found', 'its role is gone too');
    await dynsec.revokeNode('pi-a'); // again: nothing left to remove, not an error
  });

  await t.test('grantNode with a new password: the new one works, the old one is refused, connections on it are dropped', async (t) => {
    const renewed = password();
    await dynsec.grantNode('pi-a', renewed);
    await mqtt.node('pi-a', renewed);
    t.equal(await mqtt.refusal({ clientId: agentClientId('pi-a'), username: 'pi-a', password: secrets['pi-a'] }), NOT_AUTHORIZED);
    secrets['pi-a'] = renewed;

    const b = await mqtt.node('pi-b', secrets['pi-b']);
    const gone = closed(b);
    const rotated = password();
    await dynsec.grantNode('pi-b', rotated);
    await gone;
    t.equal(await mqtt.refusal({ clientId: agentClientId('pi-b'), username: 'pi-b', password: secrets['pi-b'] }), NOT_AUTHORIZED);
    secrets['pi-b'] = rotated;
    await mqtt.node('pi-b', rotated);
  });

  await t.test('grantNode restores a node role\'s ACLs, and never takes over a client it did not make', async (t) => {
    await dynsec.execute([{ command: 'modifyRole', rolename: nodeRoleName('pi-b'), acls: [] }]);
    await dynsec.grantNode('pi-b', secrets['pi-b']);
    const [role] = await dynsec.execute([{ command: 'getRole', rolename: nodeRoleName('pi-b') }]);
    const sorted = (acls: DynsecAcl[]): DynsecAcl[] => [...acls].sort((x, y) => `${x.acltype} ${x.topic}`.localeCompare(`${y.acltype} ${y.topic}`));
    t.same(sorted((role!.data as { role: { acls: DynsecAcl[] } }).role.acls), sorted(nodeAclEntries('pi-b')));

    // An administrator's client whose name happens to be a valid node name.
    const adminSecret = password();
    await dynsec.execute([{ command: 'createClient', username: 'admin', password: adminSecret }]);
    await t.rejects(dynsec.grantNode('admin', password()), { code: 'SKIFF_ERR_CONFLICT', message: /client admin that is not a Skiff node's/ });
    await t.rejects(dynsec.revokeNode('admin'), { code: 'SKIFF_ERR_CONFLICT' });
    await mqtt.connect({ clientId: 'admin-1', username: 'admin', password: adminSecret });
    await t.rejects(dynsec.grantNode(broker.hubUsername, password()), { code: 'SKIFF_ERR_CONFIG' });
    await t.rejects(dynsec.grantNode('Not_A_Node', password()), { code: 'SKIFF_ERR_CONFIG', message: /RFC 1123/ });
    await t.rejects(dynsec.grantNode('pi-c', ''), { code: 'SKIFF_ERR_CONFIG', message: /password for node pi-c/ });
  });

  await t.test('the plugin\'s answers: matched by correlation among every hub\'s, errors kept with their text', async (t) => {
    const [missing] = await dynsec.execute([{ command: 'getClient', username: 'nobody' }]);
    t.same(missing, { command: 'getClient', error: 'Client not found' });
    t.same(await dynsec.execute([]), []);

    // A second hub's answers reach this one too (it is subscribed to the response topic).
    const responses = inbox(hub);
    const second = new MosquittoDynamicSecurity(observer);
    const [listed] = await second.execute([{ command: 'listClients' }]);
    t.ok((listed!.data as { clients: unknown[] }).clients.length > 0);
    await waitFor('the second hub\'s answer at the first', () => responses.some((m) => m.topic === DYNSEC_RESPONSE_TOPIC && m.payload.includes('listClients')), { timeoutMs: 10_000, intervalMs: 20 });
    await second.close();
    t.ok((await dynsec.execute([{ command: 'listClients' }]))[0]!.data, 'the first still gets its own');

    const a = await mqtt.node('pi-a', secrets['pi-a']);
    const asNode = new MosquittoDynamicSecurity(a);
    await t.rejects(asNode.execute([{ command: 'listClients' }]), { code: 'SKIFF_ERR_FORBIDDEN', message: /user pi-a may not subscribe/ });
    await asNode.close();
  });

  await t.test('grants and retained desired states survive a broker restart', async (t) => {
    await hub.publishAsync(desiredTopic('pi-b'), 'desired-b-kept', { qos: 1, retain: true });
    await broker.restart();
    const b = await mqtt.node('pi-b', secrets['pi-b']);
    const received = inbox(b);
    t.equal(await granted(b, desiredTopic('pi-b')), 1);
    t.ok((await arrived(received, desiredTopic('pi-b'), 'desired-b-kept')).retain);
    t.equal(await mqtt.refusal({ clientId: agentClientId('pi-a'), username: 'pi-a', password: 'wrong' }), NOT_AUTHORIZED);
  });
});

t.test('the static alternative (acl_file and password_file, no plugin) keeps nodes apart too', async (t) => {
  const secrets = { 'pi-a': password(), 'pi-b': password() };
  const broker = await startMosquitto({ staticNodes: secrets });
  const mqtt = session(t, broker);
  // The broker makes the username the client id: one connection per hub user.
  const hub = await mqtt.hub('ignored');
  t.equal(await granted(hub, 'skiff/v1/#'), 1);
  const seen = inbox(hub);
  const a = await mqtt.node('pi-a', secrets['pi-a']);
  const received = inbox(a);

  await t.test('a node publishes its own status; its forged messages never reach the hub', async (t) => {
    for (const topic of [statusTopic('pi-b'), desiredTopic('pi-b'), desiredTopic('pi-a'), FLEET_SERVICES_TOPIC]) await a.publishAsync(topic, 'forged', { qos: 1 });
    await a.publishAsync(statusTopic('pi-a'), 'status-a', { qos: 1 });
    await arrived(seen, statusTopic('pi-a'), 'status-a');
    t.same(seen.filter((m) => m.payload === 'forged'), []);
  });

  await t.test('a node\'s subscription to another node\'s topics is accepted but receives nothing (acl_file checks each delivery)', async (t) => {
    for (const filter of [desiredTopic('pi-b'), '#', desiredTopic('pi-a'), FLEET_SERVICES_TOPIC]) t.equal(await granted(a, filter), 1, filter);
    await hub.publishAsync(desiredTopic('pi-b'), 'desired-b', { qos: 1, retain: true });
    await hub.publishAsync(FLEET_SERVICES_TOPIC, 'services', { qos: 1, retain: true });
    await hub.publishAsync(desiredTopic('pi-a'), 'desired-a', { qos: 1, retain: true });
    await arrived(received, FLEET_SERVICES_TOPIC, 'services');
    await arrived(received, desiredTopic('pi-a'), 'desired-a');
    t.same(received.filter((m) => m.topic !== desiredTopic('pi-a') && m.topic !== FLEET_SERVICES_TOPIC), [], 'only what pi-a may read');
  });

  await t.test('a wrong password is refused, and pi-b presenting pi-a\'s client id does not knock pi-a off', async (t) => {
    t.equal(await mqtt.refusal({ clientId: agentClientId('pi-a'), username: 'pi-a', password: 'wrong' }), NOT_AUTHORIZED);
    await mqtt.node('pi-b', secrets['pi-b'], agentClientId('pi-a'));
    await hub.publishAsync(desiredTopic('pi-a'), 'desired-a-again', { qos: 1, retain: true });
    await arrived(received, desiredTopic('pi-a'), 'desired-a-again');
    t.ok(a.connected);
  });

  await t.test('the plugin client fails clearly when no plugin answers', async (t) => {
    const dynsec = new MosquittoDynamicSecurity(hub, { timeoutMs: 300 });
    await t.rejects(dynsec.grantNode('pi-c', password()), { code: 'SKIFF_ERR_UNREACHABLE', message: /no answer to getClient within 300 ms .*is the plugin loaded/ });
    await dynsec.close();

    const patient = new MosquittoDynamicSecurity(hub, { timeoutMs: 60_000 });
    const sent = (): Promise<unknown> => waitFor('a command to be sent', () => (patient as unknown as { waiting: Map<string, unknown> }).waiting.size > 0, { intervalMs: 10 });
    // Junk on the response topic (only the plugin and administrators may publish there: it is
    // handed in as the client would hand it) fails what waits; JSON without answers is ignored.
    const junked = patient.execute([{ command: 'listClients' }]);
    await sent();
    hub.emit('message', DYNSEC_RESPONSE_TOPIC, Buffer.from('{}'), {} as never);
    hub.emit('message', DYNSEC_RESPONSE_TOPIC, Buffer.from('not json'), {} as never);
    await t.rejects(junked, { code: 'SKIFF_ERR_BAD_MESSAGE', message: /is not JSON/ });

    const closing = patient.revokeNode('pi-c');
    const closingRefused = t.rejects(closing, { code: 'SKIFF_ERR_INTERNAL', message: /closed before the broker answered/ });
    await sent();
    await patient.close();
    await closingRefused;
    await t.rejects(patient.execute([{ command: 'listClients' }]), { message: /used after close/ });
    await patient.close();
  });

  await t.test('a command on a client that goes away fails at once', async (t) => {
    // pi-b may subscribe here (acl_file does not check subscriptions); its commands go nowhere.
    const connectB = (): Promise<MqttClient> => mqtt.connect({ clientId: 'x', username: 'pi-b', password: secrets['pi-b'] });
    const first = await connectB();
    const dynsec = new MosquittoDynamicSecurity(first, { timeoutMs: 200 });
    await t.rejects(dynsec.execute([{ command: 'listClients' }]), { code: 'SKIFF_ERR_UNREACHABLE', message: /no answer/ });
    const sending = dynsec.execute([{ command: 'listClients' }]);
    first.end(true); // before the command's publish: MQTT.js refuses it
    await t.rejects(sending, { code: 'SKIFF_ERR_UNREACHABLE', message: /could not send listClients/ });
    await waitFor('the connection to close', () => !first.connected, { intervalMs: 10 });
    await t.rejects(dynsec.execute([{ command: 'listClients' }]), { code: 'SKIFF_ERR_UNREACHABLE', message: /not connected \(listClients not sent\)/ });
    await dynsec.close();

    const second = await connectB();
    const fresh = new MosquittoDynamicSecurity(second, { timeoutMs: 60_000 });
    const subscribing = fresh.execute([{ command: 'listClients' }]);
    second.end(true); // while its SUBSCRIBE waits for the SUBACK
    await t.rejects(subscribing, { code: 'SKIFF_ERR_UNREACHABLE', message: /could not subscribe/ });
    await fresh.close();
  });
});

t.test('over TLS, nodes log in and are kept apart the same way', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-mosquitto-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tls = loadOrCreateTls(dir, { host: '127.0.0.1', hostname: 'hub' });
  const broker = await startMosquitto({ tls: { caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem } });
  t.match(broker.url, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  const mqtt = session(t, broker);
  const hub = await mqtt.hub('skiff-hub-tls');
  const dynsec = new MosquittoDynamicSecurity(hub);
  t.teardown(() => dynsec.close());
  const secret = password();
  await dynsec.grantNode('pi-a', secret);
  const a = await mqtt.node('pi-a', secret);
  t.equal(await granted(a, desiredTopic('pi-b')), SUBACK_FAILURE);
  t.equal(await granted(a, desiredTopic('pi-a')), 1);
  const plain = await connectAsync(broker.url.replace('mqtts:', 'mqtt:'), { reconnectPeriod: 0, connectTimeout: 2_000, username: 'pi-a', password: secret, clientId: agentClientId('pi-a') }).then(
    async (client) => {
      await client.endAsync(true);
      return 'connected';
    },
    () => 'refused',
  );
  t.equal(plain, 'refused', 'no plain MQTT on the TLS port');
});
