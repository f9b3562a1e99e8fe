/**
 * The agent's MQTT session against a real broker (aedes, in process, on a free loopback port):
 * presence, last will, desired-state delivery, status publishing and reconnection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import t from 'tap';
import { MqttSession } from '../../../agent/session/mqtt-session.js';
import { silentLog } from './fixtures/builders.js';

interface Broker {
  aedes: Aedes;
  server: Server;
  port: number;
  sockets: Set<Socket>;
  published: Array<{ topic: string; payload: string; retain: boolean; qos: number }>;
  close(): Promise<void>;
}

async function startBroker(port = 0): Promise<Broker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const published: Broker['published'] = [];
  aedes.on('publish', (packet, client) => {
    if (client || packet.topic.endsWith('/presence')) published.push({ topic: packet.topic, payload: packet.payload.toString(), retain: packet.retain, qos: packet.qos });
  });
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    aedes,
    server,
    port: (server.address() as AddressInfo).port,
    sockets,
    published,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('connects with presence, receives desired states, publishes status, says offline on close', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.close());
  const desired: string[] = [];
  let connects = 0;
  const session = await MqttSession.connect({
    url: `mqtt://127.0.0.1:${broker.port}`,
    node: 'pi-1',
    username: 'node-pi-1',
    password: 'pw',
    log: silentLog,
    onDesired: (payload, topic) => desired.push(`${topic} ${payload.toString()}`),
    onConnect: () => connects++,
  });
  await until(() => connects === 1);
  t.ok(session.connected);
  t.match(broker.published, [{ topic: 'skiff/v1/nodes/pi-1/presence', payload: 'online', retain: true, qos: 1 }]);

  broker.aedes.publish({ cmd: 'publish', topic: 'skiff/v1/nodes/pi-1/desired', payload: Buffer.from('{"generation":1}'), qos: 1, retain: true, dup: false }, () => undefined);
  await until(() => desired.length === 1);
  t.equal(desired[0], 'skiff/v1/nodes/pi-1/desired {"generation":1}');

  await session.publishStatus({ schema: 1, node: 'pi-1', seq: 1, sentAt: 'now', observedGeneration: 1, labels: {}, nodeStatus: {}, pods: [] });
  t.match(broker.published.find((p) => p.topic === 'skiff/v1/nodes/pi-1/status'), { qos: 1, retain: false, payload: /"seq":1/ });

  await session.close();
  t.match(broker.published.at(-1), { topic: 'skiff/v1/nodes/pi-1/presence', payload: 'offline', retain: true });
  t.notOk(session.connected);
});

t.test('a dead link makes the broker publish the retained offline will; the session reconnects with backoff', async (t) => {
  const broker = await startBroker();
  let connects = 0;
  const session = await MqttSession.connect({
    url: `mqtt://127.0.0.1:${broker.port}`,
    node: 'pi-2',
    username: 'u',
    password: 'p',
    log: silentLog,
    random: () => 0,
    onDesired: () => undefined,
    onConnect: () => connects++,
  });
  t.teardown(() => session.close());
  await until(() => connects === 1);
  for (const s of broker.sockets) s.destroy(); // the link dies without a DISCONNECT
  await until(() => broker.published.some((p) => p.topic === 'skiff/v1/nodes/pi-2/presence' && p.payload === 'offline'));
  t.pass('will published');
  const started = Date.now();
  await until(() => connects === 2, 10_000);
  t.ok(Date.now() - started >= 900, 'waited at least reconnectMinMs');
  t.equal(broker.published.filter((p) => p.payload === 'online').length, 2, 'online again');
  await broker.close();
});
