/**
 * PortForwarder (agent/exec/port-forwarder.ts): the agent's end of a port-forward, driven against
 * a REAL TCP server on 127.0.0.1 standing for the Pod (podIp answers '127.0.0.1', the request's
 * port is the server's), which records what each connection received, echoes it, and lets the
 * test end or close its side. Covers stdin written in order (before and after the connection is
 * up), the Pod's bytes as channel-1 chunks (never over MAX_CHUNK_BYTES), eof as a half-close, the
 * end chunk when the Pod closes, the error chunk (no running sandbox; nothing listening, in
 * kubelet's words), cancel (before and after connecting), the cap on connections, duplicate
 * requests, and a publish that fails.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { MAX_FORWARDED_CONNECTIONS, PortForwarder } from '../../../agent/exec/port-forwarder.js';
import { MESSAGE_SCHEMA } from '../../../shared/mqtt/messages.js';
import { MAX_CHUNK_BYTES, type PortForwardRequest, type StdinRequest, type StreamChunk } from '../../../shared/mqtt/node-requests.js';
import { NODE, pod, silentLog, uidOf } from './fixtures/builders.js';
import { checkSequence as checkChunks, chunksOf, ended, gate } from './fixtures/stream-chunks.js';
import { until } from '../../helpers/until.js';

const WEB = pod('web');

/**
 * One connection the Pod accepted: what it received, `ended` once the agent's side is gone
 * (eof, cancel: the Pod, half-open, keeps its own side until the test ends it), `closed` once
 * both are.
 */
interface PodConnection {
  socket: Socket;
  received: Buffer[];
  /** The agent half-closed (eof). */
  ended: boolean;
  closed: boolean;
  text(): string;
}

/** The Pod: a TCP server on 127.0.0.1 that echoes what it gets unless `echo` is off, and keeps its side open until told. */
async function podServer(t: Test, options: { echo?: boolean } = {}) {
  const connections: PodConnection[] = [];
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    const connection: PodConnection = {
      socket,
      received: [],
      ended: false,
      closed: false,
      text: () => Buffer.concat(connection.received).toString(),
    };
    connections.push(connection);
    socket.on('data', (data: Buffer) => {
      connection.received.push(data);
      if (options.echo !== false && !socket.writableEnded) socket.write(data);
    });
    socket.on('end', () => (connection.ended = true));
    socket.on('close', () => (connection.closed = true));
    socket.on('error', () => undefined); // a reset by the agent: seen through `closed`
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  t.teardown(async () => {
    for (const c of connections) c.socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port, connections };
}

/** A port on 127.0.0.1 that nothing listens on (it was bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The agent's surroundings: where the Pod is, what was published. */
function rig(options: { ip?: string | undefined; ipGate?: Promise<void>; publish?: (chunk: StreamChunk) => Promise<void> } = {}) {
  const state = { chunks: [] as StreamChunk[], podIpAsked: [] as string[] };
  const ip = 'ip' in options ? options.ip : '127.0.0.1';
  const forwarder = new PortForwarder({
    node: NODE,
    podIp: async (uid) => {
      state.podIpAsked.push(uid);
      await options.ipGate;
      return ip;
    },
    publish:
      options.publish ??
      (async (chunk) => {
        state.chunks.push(chunk);
      }),
    log: silentLog,
  });
  t.teardown(() => forwarder.stop());
  return { state, forwarder };
}

let nextRequest = 0;

function forwardRequest(port: number, id = `pf-${nextRequest++}`): PortForwardRequest {
  return { schema: MESSAGE_SCHEMA, node: NODE, kind: 'portforward', id, pod: { namespace: WEB.metadata.namespace, name: WEB.metadata.name, uid: WEB.metadata.uid }, port };
}

const stdinOf = (id: string, data?: string | Buffer, eof?: true): StdinRequest => ({
  schema: MESSAGE_SCHEMA,
  node: NODE,
  kind: 'stdin',
  id,
  ...(data !== undefined ? { data: Buffer.from(data).toString('base64') } : {}),
  ...(eof ? { eof } : {}),
});

/** The bytes the Pod sent back, joined. */
/** The shared checks, and a port-forward's data only ever on channel 1. */
function checkSequence(t: Test, chunks: readonly StreamChunk[], id: string): void {
  checkChunks(t, chunks, id);
  const mine = chunksOf(chunks, id);
  t.ok(
    mine.every((c) => c.data === undefined || c.channel === 1),
    'data only on channel 1',
  );
}

const answered = (chunks: readonly StreamChunk[], id: string): Buffer => Buffer.concat(chunksOf(chunks, id).flatMap((c) => (c.data !== undefined ? [Buffer.from(c.data, 'base64')] : [])));

t.test('stdin reaches the Pod in order, its answers come back on channel 1, eof half-closes, and the Pod’s close ends the stream', async (t) => {
  const server = await podServer(t);
  const { state, forwarder } = rig();
  const request = forwardRequest(server.port);
  forwarder.start(request);
  await until(t, 'the Pod accepted the connection', () => server.connections.length === 1);
  const pod = server.connections[0]!;
  t.same(state.podIpAsked, [uidOf('web')], 'the Pod’s IP is asked by its uid');
  forwarder.stdin(stdinOf(request.id, 'GET / HTTP/1.0\r\n'));
  forwarder.stdin(stdinOf(request.id, Buffer.from([0, 255, 10])));
  forwarder.stdin(stdinOf(request.id, '\r\n'));
  await until(t, 'the Pod got all of it', () => pod.received.reduce((n, b) => n + b.length, 0) === 21);
  t.ok(Buffer.concat(pod.received).equals(Buffer.concat([Buffer.from('GET / HTTP/1.0\r\n'), Buffer.from([0, 255, 10]), Buffer.from('\r\n')])), 'bytes in order, binary intact');
  await until(t, 'the echo came back', () => answered(state.chunks, request.id).length === 21);
  t.ok(answered(state.chunks, request.id).equals(Buffer.concat(pod.received)), 'the Pod’s bytes come back as they were sent');
  t.notOk(ended(state.chunks, request.id), 'not ended while both sides are open');

  forwarder.stdin(stdinOf(request.id, 'last', true));
  await until(t, 'the Pod sees the eof', () => pod.ended);
  t.equal(pod.text().endsWith('last'), true, 'the data with the eof is written before it');
  t.notOk(pod.closed, 'a half-close: the Pod can still answer');
  pod.socket.write('after eof');
  await until(t, 'the answer after eof comes back', () => answered(state.chunks, request.id).toString().endsWith('after eof'));
  forwarder.stdin(stdinOf(request.id, 'too late')); // after eof: not written
  t.notOk(ended(state.chunks, request.id), 'still not ended');

  pod.socket.end();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.same(chunksOf(state.chunks, request.id).at(-1), { schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: chunksOf(state.chunks, request.id).length - 1, end: true }, 'the end chunk has no error and no data');
  t.notOk(pod.text().includes('too late'), 'nothing written after eof');
  checkSequence(t, state.chunks, request.id);
  await until(t, 'the Pod’s connection is closed', () => pod.closed);
  forwarder.stdin(stdinOf(request.id, 'after the end')); // the connection is gone: harmless
});

t.test('stdin that came before the connection was up is written first, in order, then later stdin', async (t) => {
  const server = await podServer(t, { echo: false });
  const ipGate = gate();
  const { state, forwarder } = rig({ ipGate: ipGate.promise });
  const request = forwardRequest(server.port);
  forwarder.start(request);
  forwarder.stdin(stdinOf(request.id, 'early one\n'));
  forwarder.stdin(stdinOf(request.id, 'early two\n'));
  forwarder.stdin(stdinOf('no-such-connection', 'stray\n'));
  t.equal(server.connections.length, 0, 'not connected yet');
  ipGate.open();
  await until(t, 'the Pod accepted the connection', () => server.connections.length === 1);
  const pod = server.connections[0]!;
  forwarder.stdin(stdinOf(request.id, 'late\n'));
  await until(t, 'the Pod got all three', () => pod.text() === 'early one\nearly two\nlate\n');
  pod.socket.end();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.same(chunksOf(state.chunks, request.id), [{ schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: 0, end: true }], 'nothing sent back but the end');
});

t.test('an eof that came before the connection was up half-closes after the early data', async (t) => {
  const server = await podServer(t);
  const ipGate = gate();
  const { state, forwarder } = rig({ ipGate: ipGate.promise });
  const request = forwardRequest(server.port);
  forwarder.start(request);
  forwarder.stdin(stdinOf(request.id, 'all of it', true));
  ipGate.open();
  await until(t, 'the Pod sees the eof', () => server.connections.length === 1 && server.connections[0]!.ended);
  const pod = server.connections[0]!;
  t.equal(pod.text(), 'all of it');
  await until(t, 'the echo came back', () => answered(state.chunks, request.id).toString() === 'all of it');
  pod.socket.end();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  checkSequence(t, state.chunks, request.id);
});

t.test('what the Pod sends is cut into chunks of at most MAX_CHUNK_BYTES, whole and in order', async (t) => {
  const server = await podServer(t, { echo: false });
  const { state, forwarder } = rig();
  const request = forwardRequest(server.port);
  forwarder.start(request);
  await until(t, 'the Pod accepted the connection', () => server.connections.length === 1);
  const big = Buffer.alloc(MAX_CHUNK_BYTES * 3 + 123);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  server.connections[0]!.socket.end(big);
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  const sizes = chunksOf(state.chunks, request.id).flatMap((c) => (c.data !== undefined ? [Buffer.from(c.data, 'base64').length] : []));
  t.ok(
    sizes.every((size) => size > 0 && size <= MAX_CHUNK_BYTES),
    `no chunk empty or over MAX_CHUNK_BYTES (${sizes.join(', ')})`,
  );
  t.ok(answered(state.chunks, request.id).equals(big), 'the bytes arrive whole and in order');
  checkSequence(t, state.chunks, request.id);
});

t.test('a Pod with no running sandbox here: one error chunk, nothing connected', async (t) => {
  const server = await podServer(t);
  const { state, forwarder } = rig({ ip: undefined });
  const request = forwardRequest(server.port);
  forwarder.start(request);
  forwarder.stdin(stdinOf(request.id, 'lost'));
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.same(chunksOf(state.chunks, request.id), [{ schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: 0, end: true, error: `pod default/web has no running sandbox on node ${NODE}` }]);
  t.equal(server.connections.length, 0);
});

t.test('nothing listening on the port: one error chunk in kubelet’s words, "failed to connect"', async (t) => {
  const port = await closedPort();
  const { state, forwarder } = rig();
  const request = forwardRequest(port);
  forwarder.start(request);
  forwarder.stdin(stdinOf(request.id, 'lost'));
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  const chunks = chunksOf(state.chunks, request.id);
  t.equal(chunks.length, 1);
  t.match(chunks[0], { seq: 0, end: true, error: `error forwarding port ${port} to pod ${uidOf('web')}, uid : failed to connect to 127.0.0.1:${port}: ` });
  t.match(chunks[0]!.error, /ECONNREFUSED/, 'the cause is named');
  // The connection is forgotten: the same id may start again.
  const server = await podServer(t);
  forwarder.start({ ...request, port: server.port });
  await until(t, 'the retry connects', () => server.connections.length === 1);
});

t.test('cancel destroys the connection and ends the stream without an error', async (t) => {
  const server = await podServer(t);
  const { state, forwarder } = rig();
  const request = forwardRequest(server.port);
  forwarder.start(request);
  await until(t, 'the Pod accepted the connection', () => server.connections.length === 1);
  forwarder.stdin(stdinOf(request.id, 'ping'));
  await until(t, 'the echo came back', () => answered(state.chunks, request.id).toString() === 'ping');
  forwarder.cancel(request.id);
  const pod = server.connections[0]!;
  await until(t, 'the Pod sees the agent’s side go', () => pod.ended);
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  // Destroyed, not half-closed: what the Pod still writes is reset, and nothing more is sent.
  // (The first write draws the reset, a later one fails on it.)
  await until(t, 'the Pod’s connection is reset', () => {
    if (!pod.socket.destroyed) pod.socket.write('unheard');
    return pod.closed;
  });
  t.equal(answered(state.chunks, request.id).toString(), 'ping', 'nothing after the cancel');
  t.same(chunksOf(state.chunks, request.id).at(-1), { schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: 1, end: true }, 'no error');
  checkSequence(t, state.chunks, request.id);
  forwarder.cancel(request.id); // gone: harmless
  forwarder.cancel('no-such-connection');
});

t.test('a cancel before the connection was up closes it as soon as it is', async (t) => {
  const server = await podServer(t);
  const ipGate = gate();
  const { state, forwarder } = rig({ ipGate: ipGate.promise });
  const request = forwardRequest(server.port);
  forwarder.start(request);
  forwarder.stdin(stdinOf(request.id, 'never sent'));
  forwarder.cancel(request.id);
  ipGate.open();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.same(chunksOf(state.chunks, request.id), [{ schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: 0, end: true }]);
  await until(t, 'any connection the Pod saw is ended by the agent', () => server.connections.every((c) => c.ended));
  t.equal(server.connections.map((c) => c.text()).join(''), '', 'the early stdin is not written to a cancelled connection');
});

t.test('a duplicate request (same id) opens no second connection', async (t) => {
  const server = await podServer(t);
  const { state, forwarder } = rig();
  const request = forwardRequest(server.port);
  forwarder.start(request);
  forwarder.start(request);
  await until(t, 'the Pod accepted the connection', () => server.connections.length === 1);
  forwarder.start(request);
  forwarder.stdin(stdinOf(request.id, 'once', true));
  await until(t, 'the Pod sees the eof', () => server.connections[0]!.ended);
  server.connections[0]!.socket.end();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.equal(server.connections.length, 1, 'one connection');
  t.equal(answered(state.chunks, request.id).toString(), 'once');
  checkSequence(t, state.chunks, request.id);
});

t.test(`at most ${MAX_FORWARDED_CONNECTIONS} connections at once: one more is refused, and a finished one frees its place`, async (t) => {
  const server = await podServer(t);
  const { state, forwarder } = rig();
  const requests = Array.from({ length: MAX_FORWARDED_CONNECTIONS }, () => forwardRequest(server.port));
  for (const request of requests) forwarder.start(request);
  await until(t, 'all connected', () => server.connections.length === MAX_FORWARDED_CONNECTIONS);
  const refused = forwardRequest(server.port);
  forwarder.start(refused);
  await until(t, 'the refusal is sent', () => ended(state.chunks, refused.id));
  t.same(chunksOf(state.chunks, refused.id), [{ schema: MESSAGE_SCHEMA, node: NODE, id: refused.id, seq: 0, end: true, error: `node ${NODE} is already forwarding ${MAX_FORWARDED_CONNECTIONS} connections` }]);
  t.equal(server.connections.length, MAX_FORWARDED_CONNECTIONS, 'nothing connected for it');
  server.connections[0]!.socket.end();
  await until(t, 'the first connection ends', () => ended(state.chunks, requests[0]!.id));
  const next = forwardRequest(server.port);
  forwarder.start(next);
  await until(t, 'a new connection is taken', () => server.connections.length === MAX_FORWARDED_CONNECTIONS + 1);
  forwarder.stop();
  await until(t, 'every stream ends', () => [...requests.slice(1), next].every((r) => ended(state.chunks, r.id)));
  await until(t, 'stop ended every connection', () => server.connections.every((c) => c.ended));
});

t.test('a chunk that cannot be published closes the connection', async (t) => {
  const server = await podServer(t, { echo: false });
  const attempts: StreamChunk[] = [];
  const { forwarder } = rig({
    publish: async (chunk) => {
      attempts.push(chunk);
      throw new Error('client disconnected');
    },
  });
  const request = forwardRequest(server.port);
  forwarder.start(request);
  await until(t, 'the Pod accepted the connection', () => server.connections.length === 1);
  server.connections[0]!.socket.write('nobody hears this');
  await until(t, 'the agent closes the Pod’s connection', () => server.connections[0]!.ended);
  t.equal(attempts[0]!.data !== undefined, true, 'the data chunk was tried first');
  // The connection is forgotten once it ended: the same id may start again.
  await until(t, 'the connection is gone', () => {
    forwarder.start(request);
    return server.connections.length === 2;
  });
});
