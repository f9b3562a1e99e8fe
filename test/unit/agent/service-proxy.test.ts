/**
 * The agent's service proxy and relay (issue #8) on real sockets on 127.0.0.1, no Docker: tiny
 * TCP servers stand in for Pods, a Services view literal (clusterIP 127.0.0.1, free ports) drives
 * the proxy. Covers proxying both ways with half-close, the relay (token, early bytes, endpoints
 * of other nodes refused), a refused endpoint skipped without the client noticing, no listener
 * for a port without endpoints, a removed Service leaving its established connections alone, and
 * a taken port bound once it is freed. Waits poll with a deadline; nothing asserts on time.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import t, { type Test } from 'tap';
import { connectEndpoint } from '../../../agent/services/endpoint-connect.js';
import { Relay } from '../../../agent/services/relay.js';
import { relayRequestLine } from '../../../agent/services/relay-protocol.js';
import { ServiceProxy } from '../../../agent/services/service-proxy.js';
import { MESSAGE_SCHEMA } from '../../../shared/mqtt/messages.js';
import type { RelayAddress, ServicesView, ViewEndpoint, ViewService } from '../../../shared/mqtt/services-view.js';
import { freePort } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait.js';

const HOST = '127.0.0.1';
const TOKEN = 'fleet-relay-token-0123456789';
const THIS_NODE = 'pi-1';
const OTHER_NODE = 'pi-2';
const silent = pino({ level: 'silent' });
const poll = { timeoutMs: 5_000, intervalMs: 10 };

interface Endpoint {
  port: number;
  /** Connections it accepted. */
  accepted(): number;
  close(): Promise<void>;
}

/**
 * A stand-in Pod: answers every chunk with "<name>:<chunk>" and, once the client has shut its
 * writing side, "<name>:end" before closing (so a reply after a half-close is visible).
 */
async function startEndpoint(t: Test, name: string): Promise<Endpoint> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => socket.write(`${name}:${chunk.toString()}`));
    socket.on('end', () => socket.end(`${name}:end`));
  });
  const port = await listen(server, 0);
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  t.teardown(close);
  return { port, accepted: () => accepted, close };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Connects, sends `message`, shuts the writing side and resolves with everything received until the end. */
function exchange(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port, allowHalfOpen: true });
    let received = '';
    socket.on('connect', () => socket.end(message));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('end', () => {
      socket.destroy();
      resolve(received);
    });
    socket.on('error', reject);
  });
}

/** An open connection that sends and reads one answer at a time. */
async function converse(port: number): Promise<{ say(message: string, answer: string): Promise<string>; close(): Promise<void> }> {
  const socket = connect({ host: HOST, port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  return {
    say: async (message, answer) => {
      received = '';
      socket.write(message);
      return waitFor(`the answer ${JSON.stringify(answer)}`, () => (received.length >= answer.length ? received : undefined), poll);
    },
    close: () =>
      new Promise((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
      }),
  };
}

/** Resolves with the error code of a connection attempt that fails, or 'connected'. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A pino logger whose lines the test can search. */
function capturingLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

function view(services: ViewService[], relays: Record<string, RelayAddress> = {}): ServicesView {
  return { schema: MESSAGE_SCHEMA, generation: 1, serviceCidr: '127.0.0.0/8', services, relays, relayToken: TOKEN };
}

function service(name: string, port: number, endpoints: ViewEndpoint[], extra: Partial<ViewService> = {}): ViewService {
  return { namespace: 'default', name, type: 'ClusterIP', clusterIP: HOST, ports: [{ name: '', port, endpoints }], ...extra };
}

const local = (port: number): ViewEndpoint => ({ ip: HOST, port, node: THIS_NODE });

interface ProxyRig {
  proxy: ServiceProxy;
  lines: Array<Record<string, unknown>>;
  /** Resolves once the listener on HOST:port is bound (as the proxy logs it), without connecting to it. */
  bound(port: number): Promise<unknown>;
}

/** A proxy for THIS_NODE with a clock that stands still (so a backoff never ends during a test). */
function startProxy(t: Test): ProxyRig {
  const { log, lines } = capturingLogger();
  const proxy = new ServiceProxy({
    node: THIS_NODE,
    nodePortHost: HOST,
    connectTimeoutMs: 5_000,
    backoffMs: 60_000,
    maxConnectAttempts: 3,
    retryIntervalMs: 20,
    now: () => 1_000_000,
    log,
  });
  t.teardown(() => proxy.close());
  const boundMessages = ['listening for a service port', 'service port bound after earlier failures'];
  const bound = (port: number): Promise<unknown> =>
    waitFor(`a listener on ${HOST}:${port}`, () => lines.find((l) => l.listener === `${HOST}:${port}` && boundMessages.includes(String(l.msg))), poll);
  return { proxy, lines, bound };
}

/** A relay for OTHER_NODE serving the endpoints in `locals` (ip:port). */
async function startRelay(t: Test, locals: Set<string>): Promise<{ relay: Relay; address: RelayAddress }> {
  const relay = new Relay({ host: HOST, port: 0, token: () => TOKEN, isLocalEndpoint: (ip, port) => locals.has(`${ip}:${port}`), connectTimeoutMs: 5_000, log: silent });
  const port = await relay.start();
  t.teardown(() => relay.close());
  return { relay, address: { host: HOST, port } };
}

/** Writes `bytes` in one write on a raw connection to `port`, shuts the writing side, resolves with all received. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port, allowHalfOpen: true });
    let received = '';
    socket.on('connect', () => socket.end(bytes));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

t.test('a direct endpoint is proxied both ways, and a half-closed client still gets the reply', async (t) => {
  const pod = await startEndpoint(t, 'web');
  const [port, nodePort] = [await freePort(), await freePort()];
  const { proxy, bound } = startProxy(t);
  proxy.apply(view([service('web', port, [local(pod.port)], { type: 'NodePort', ports: [{ name: 'http', port, nodePort, endpoints: [local(pod.port)] }] })]));
  t.strictSame(proxy.listening(), [`${HOST}:${nodePort}`, `${HOST}:${port}`].sort());
  await bound(port);
  await bound(nodePort);

  t.equal(await exchange(port, 'ping'), 'web:pingweb:end', 'the request reached the Pod, its reply came back, also after the client shut its side');
  t.equal(await exchange(nodePort, 'via-node-port'), 'web:via-node-portweb:end', 'the same through the NodePort');
  t.equal(pod.accepted(), 2);
  t.equal(proxy.stats.failedAttempts, 0);
});

t.test('a relay with the right token reaches its local endpoint; early bytes arrive', async (t) => {
  const pod = await startEndpoint(t, 'remote');
  const endpoint: ViewEndpoint = { ip: HOST, port: pod.port, node: OTHER_NODE };
  const { relay, address } = await startRelay(t, new Set([`${HOST}:${pod.port}`]));

  const raw = await rawExchange(address.port, `${relayRequestLine({ token: TOKEN, ip: HOST, port: pod.port })}early`);
  t.equal(raw, 'OK\nremote:earlyremote:end', 'the bytes sent in the same write as the request line reached the Pod');

  const socket = await connectEndpoint({ endpoint, via: address, token: TOKEN }, { timeoutMs: 5_000 });
  const answer = new Promise<string>((resolve) => {
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('end', () => resolve(received));
  });
  socket.resume();
  socket.end('hello');
  t.equal(await answer, 'remote:helloremote:end', 'connectEndpoint hands back a socket past the OK line');
  socket.destroy();

  const [port] = [await freePort()];
  const { proxy, bound } = startProxy(t);
  proxy.apply(view([service('remote', port, [endpoint])], { [OTHER_NODE]: address }));
  await bound(port);
  t.equal(await exchange(port, 'through'), 'remote:throughremote:end', 'the proxy of another node goes through the relay');
  t.equal(proxy.stats.failedAttempts, 0);
  t.equal(relay.stats.relayed, 3);
  t.equal(relay.stats.refused, 0);
});

t.test('a wrong token is refused with "ERR bad token", and connectEndpoint rejects', async (t) => {
  const pod = await startEndpoint(t, 'remote');
  const endpoint: ViewEndpoint = { ip: HOST, port: pod.port, node: OTHER_NODE };
  const { relay, address } = await startRelay(t, new Set([`${HOST}:${pod.port}`]));

  t.equal(await rawExchange(address.port, relayRequestLine({ token: 'not-the-fleet-token-000', ip: HOST, port: pod.port })), 'ERR bad token\n');
  await t.rejects(connectEndpoint({ endpoint, via: address, token: 'not-the-fleet-token-000' }, { timeoutMs: 5_000 }), /relay refused: bad token/);
  t.equal(pod.accepted(), 0, 'the Pod never saw a connection');
  t.equal(relay.stats.refused, 2);

  t.equal(await rawExchange(address.port, 'GET / HTTP/1.1\r\n\r\n'), 'ERR not a relay request\n', 'nor does anything that is not a relay request');
});

t.test('the relay refuses an endpoint that is not local to its node', async (t) => {
  const pod = await startEndpoint(t, 'elsewhere');
  const endpoint: ViewEndpoint = { ip: HOST, port: pod.port, node: OTHER_NODE };
  const { relay, address } = await startRelay(t, new Set([`${HOST}:1`]));
  await t.rejects(connectEndpoint({ endpoint, via: address, token: TOKEN }, { timeoutMs: 5_000 }), new RegExp(`relay refused: ${HOST}:${pod.port} is not an endpoint on this node`));
  t.equal(pod.accepted(), 0);
  t.equal(relay.stats.refused, 1);
});

t.test('a refused endpoint is skipped without the client noticing, and backed off', async (t) => {
  const pod = await startEndpoint(t, 'alive');
  const closed = await freePort(); // nothing listens there: connecting is refused
  const port = await freePort();
  const { proxy, bound } = startProxy(t);
  proxy.apply(view([service('web', port, [local(closed), local(pod.port)])]));
  await bound(port);
  t.equal(await exchange(port, 'one'), 'alive:onealive:end', 'the client is answered');
  t.equal(proxy.stats.failedAttempts, 1, 'by the live endpoint, after the closed one refused');

  for (const message of ['two', 'three', 'four']) t.equal(await exchange(port, message), `alive:${message}alive:end`, `${message}: answered`);
  t.equal(proxy.stats.failedAttempts, 1, 'the closed endpoint backs off: no later connection tried it again');
  t.equal(pod.accepted(), 4);
  t.equal(proxy.stats.dropped, 0);
});

t.test('a Service port without endpoints has no listener: connection refused', async (t) => {
  const pod = await startEndpoint(t, 'web');
  const [empty, served] = [await freePort(), await freePort()];
  const { proxy, bound } = startProxy(t);
  proxy.apply(view([service('empty', empty, []), service('served', served, [local(pod.port)])]));
  t.strictSame(proxy.listening(), [`${HOST}:${served}`]);
  await bound(served);
  t.equal(await connectOutcome(empty), 'ECONNREFUSED');
});

t.test('removing a Service closes its listener; an established connection keeps working', async (t) => {
  const pod = await startEndpoint(t, 'web');
  const port = await freePort();
  const { proxy, bound } = startProxy(t);
  proxy.apply(view([service('web', port, [local(pod.port)])]));
  await bound(port);
  const conversation = await converse(port);
  t.equal(await conversation.say('one', 'web:one'), 'web:one');

  proxy.apply(view([]));
  t.strictSame(proxy.listening(), []);
  await waitFor('the listener to close', async () => ((await connectOutcome(port)) === 'ECONNREFUSED' ? true : undefined), poll);
  t.pass('new connections are refused');
  t.equal(await conversation.say('two', 'web:two'), 'web:two', 'the established one still carries bytes both ways');
  await conversation.close();
});

t.test('a taken port is retried and bound once it is freed', async (t) => {
  const pod = await startEndpoint(t, 'web');
  const blocker = createServer((socket) => {
    socket.resume();
    socket.end('blocker');
  });
  const port = await listen(blocker, 0);
  const { proxy, lines } = startProxy(t);
  proxy.apply(view([service('web', port, [local(pod.port)])]));
  await waitFor('the bind failure to be logged', () => lines.find((l) => l.listener === `${HOST}:${port}` && String(l.msg).includes('taken')), poll);
  t.strictSame(proxy.listening(), [], 'a listener that could not bind is not counted as listening');
  t.equal(await exchange(port, 'x'), 'blocker', 'the port is still the other program’s');

  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  await waitFor('the retry to bind', () => lines.find((l) => l.msg === 'service port bound after earlier failures'), poll);
  t.strictSame(proxy.listening(), [`${HOST}:${port}`]);
  t.equal(await exchange(port, 'mine'), 'web:mineweb:end', 'and the proxy serves it');
  t.equal(lines.filter((l) => String(l.msg).includes('taken')).length, 1, 'the failure was logged once, not at every retry');
});
