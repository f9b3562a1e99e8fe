/**
 * Issue #8's service proxy figures: what the agent's userspace proxy costs against a direct
 * connection, on real sockets on 127.0.0.1 in this one process (no Docker, no hub). Three paths to
 * the same stand-in Pod (a node:http server answering "ok" with keep-alive off, and a raw TCP sink):
 *   direct        client -> endpoint
 *   proxy         client -> ServiceProxy of node "a" (clusterIP 127.0.0.1) -> endpoint on node "a"
 *   proxy + relay client -> ServiceProxy of node "a" -> Relay of node "b" -> endpoint on node "b"
 * built from a ServicesView literal, as the agent builds them from the hub's. Measures latency of
 * one HTTP request on a new connection (sequential), requests per second with 32 concurrent
 * clients on new connections, and one connection streaming bytes to the sink; the paths take
 * turns (round-robin) so machine noise falls on all of them alike, and ratios are of medians in
 * the same run. Every role shares this process's event loop, so proxy CPU shows up as time.
 */
import { createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Relay } from '../../agent/services/relay.js';
import { localEndpoints } from '../../agent/services/proxy-plan.js';
import { ServiceProxy } from '../../agent/services/service-proxy.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { MESSAGE_SCHEMA } from '../../shared/mqtt/messages.js';
import type { ServicesView, ViewEndpoint, ViewService } from '../../shared/mqtt/services-view.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { percentile } from './stats.js';

const HOST = '127.0.0.1';
const PROXY_NODE = 'a';
const RELAY_NODE = 'b';
const RELAY_TOKEN = 'bench-relay-token-0123456789';
const CONCURRENT_CLIENTS = 32;
const WARMUP_REQUESTS = 100;
const STREAM_CHUNK = Buffer.alloc(64 * 1024, 0x78);
const MiB = 2 ** 20;

export interface ServiceProxyBenchOptions {
  quick: boolean;
}

interface Path {
  name: string;
  httpPort: number;
  sinkPort: number;
}

interface PathResult {
  latencyMs: number[];
  /** One figure per round of the concurrent phase. */
  requestsPerSecond: number[];
  /** Process CPU time per request in the concurrent phase (client, proxy, relay and endpoint together), µs. */
  cpuMicrosPerRequest: number[];
  loadErrors: number;
  /** One figure per streamed connection, MB/s (10^6 bytes). */
  streamMBps: number[];
  /** Process CPU time per GiB streamed, s. */
  cpuSecondsPerGiB: number[];
}

function listen(server: Server | HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port: 0, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function closeServer(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The stand-in Pod's web server: "ok", then the connection closes (keep-alive off). */
function startHttpEndpoint(): HttpServer {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2', connection: 'close' });
    res.end('ok');
  });
  server.keepAliveTimeout = 0;
  return server;
}

/** The stand-in Pod's sink: counts what a client sends and, once the client has finished, answers with the count. */
function startSink(): Server {
  return createServer({ allowHalfOpen: true }, (socket) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('end', () => socket.end(`${received}\n`));
    socket.on('error', () => socket.destroy()); // a client gone mid-stream fails on its own side
  });
}

/** One GET on a new connection (no agent, so no keep-alive); resolves with connect + request + full response, ms. */
function timedRequest(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request({ host: HOST, port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200 || body !== 'ok') reject(new Error(`port ${port} answered ${res.statusCode} ${JSON.stringify(body)}`));
        else resolve(performance.now() - start);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** CONCURRENT_CLIENTS loops of sequential requests on new connections for durationMs. */
async function concurrentLoad(port: number, durationMs: number): Promise<{ requestsPerSecond: number; cpuMicrosPerRequest: number; errors: number }> {
  let completed = 0;
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const deadline = start + durationMs;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      try {
        await timedRequest(port);
        completed++;
      } catch {
        errors++; // counted and reported with the figures: a refused or reset request is not a completed one
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CLIENTS }, client));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { requestsPerSecond: completed / seconds, cpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, completed), errors };
}

/** One connection writing `bytes` to the sink, then waiting for its count; resolves with MB/s and CPU s/GiB. */
function stream(port: number, bytes: number): Promise<{ MBps: number; cpuSecondsPerGiB: number }> {
  return new Promise((resolve, reject) => {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const socket: Socket = connect({ host: HOST, port, allowHalfOpen: true, noDelay: true });
    let sent = 0;
    let answer = '';
    const pump = (): void => {
      while (sent < bytes) {
        const chunk = bytes - sent >= STREAM_CHUNK.length ? STREAM_CHUNK : STREAM_CHUNK.subarray(0, bytes - sent);
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    socket.once('connect', pump);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const seconds = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      socket.destroy();
      if (answer.trim() !== String(bytes)) return reject(new Error(`sink on port ${port} counted ${JSON.stringify(answer.trim())} of ${bytes} bytes`));
      resolve({ MBps: bytes / 1e6 / seconds, cpuSecondsPerGiB: (cpu.user + cpu.system) / 1e6 / (bytes / 2 ** 30) });
    });
  });
}

/** The paths in a different order each round, so none always runs first (after a GC, say). */
function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function service(name: string, port: number, endpoint: ViewEndpoint): ViewService {
  return { namespace: 'bench', name, type: 'ClusterIP', clusterIP: HOST, ports: [{ name: '', port, endpoints: [endpoint] }] };
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;
const median = (samples: number[]): number => percentile(samples, 50);
const ratio = (value: number, base: number): string => `${(value / base).toFixed(2)}x`;

export async function benchServiceProxy(options: ServiceProxyBenchOptions): Promise<string[]> {
  const requests = options.quick ? 300 : 2_000;
  const loadRounds = options.quick ? 2 : 5;
  const loadRoundMs = options.quick ? 500 : 1_000;
  const streamRounds = 3;
  const streamBytes = options.quick ? 32 * MiB : 1_024 * MiB;

  const httpEndpoint = startHttpEndpoint();
  const sink = startSink();
  const [httpPort, sinkPort] = [await listen(httpEndpoint), await listen(sink)];
  const [proxyHttp, proxySink, relayHttp, relaySink] = [await freePort(), await freePort(), await freePort(), await freePort()];

  const bound = new Set<string>();
  const proxyLog = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n')) {
          if (!text) continue;
          const line = JSON.parse(text) as { msg?: string; listener?: string };
          if (line.msg === 'listening for a service port' && line.listener) bound.add(line.listener);
        }
        done();
      },
    }),
  );
  const proxy = new ServiceProxy({
    node: PROXY_NODE,
    nodePortHost: HOST,
    connectTimeoutMs: DEFAULTS.services.connectTimeoutMs,
    backoffMs: DEFAULTS.services.endpointBackoffMs,
    maxConnectAttempts: DEFAULTS.services.maxConnectAttempts,
    retryIntervalMs: DEFAULTS.services.listenRetryIntervalMs,
    now: Date.now,
    log: proxyLog,
  });
  let view: ServicesView | undefined;
  const relay = new Relay({
    host: HOST,
    port: 0,
    token: () => view?.relayToken,
    isLocalEndpoint: (ip, port) => localEndpoints(view, RELAY_NODE).has(`${ip}:${port}`),
    connectTimeoutMs: DEFAULTS.services.connectTimeoutMs,
    log: pino({ level: 'silent' }),
  });
  try {
    const relayPort = await relay.start();
    const onNode = (node: string, port: number): ViewEndpoint => ({ ip: HOST, port, node });
    view = {
      schema: MESSAGE_SCHEMA,
      generation: 1,
      serviceCidr: '127.0.0.0/8',
      services: [
        service('http-local', proxyHttp, onNode(PROXY_NODE, httpPort)),
        service('http-remote', relayHttp, onNode(RELAY_NODE, httpPort)),
        service('sink-local', proxySink, onNode(PROXY_NODE, sinkPort)),
        service('sink-remote', relaySink, onNode(RELAY_NODE, sinkPort)),
      ],
      relays: { [RELAY_NODE]: { host: HOST, port: relayPort } },
      relayToken: RELAY_TOKEN,
    };
    proxy.apply(view);
    const ports = [proxyHttp, proxySink, relayHttp, relaySink];
    await waitFor('the service proxy listening on every port', () => ports.every((p) => bound.has(`${HOST}:${p}`)), { timeoutMs: 10_000, intervalMs: 10 });

    const paths: Path[] = [
      { name: 'direct', httpPort, sinkPort },
      { name: 'proxy, local endpoint', httpPort: proxyHttp, sinkPort: proxySink },
      { name: 'proxy + relay (remote endpoint)', httpPort: relayHttp, sinkPort: relaySink },
    ];
    const results = new Map<Path, PathResult>(paths.map((p) => [p, { latencyMs: [], requestsPerSecond: [], cpuMicrosPerRequest: [], loadErrors: 0, streamMBps: [], cpuSecondsPerGiB: [] }]));
    const of = (path: Path): PathResult => results.get(path)!;

    for (let i = 0; i < WARMUP_REQUESTS; i++) for (const path of paths) await timedRequest(path.httpPort);
    for (let i = 0; i < requests; i++) for (const path of rotated(paths, i)) of(path).latencyMs.push(await timedRequest(path.httpPort));
    for (let round = 0; round < loadRounds; round++) {
      for (const path of rotated(paths, round)) {
        const load = await concurrentLoad(path.httpPort, loadRoundMs);
        of(path).requestsPerSecond.push(load.requestsPerSecond);
        of(path).cpuMicrosPerRequest.push(load.cpuMicrosPerRequest);
        of(path).loadErrors += load.errors;
      }
    }
    for (let round = 0; round < streamRounds; round++) {
      for (const path of rotated(paths, round)) {
        const streamed = await stream(path.sinkPort, streamBytes);
        of(path).streamMBps.push(streamed.MBps);
        of(path).cpuSecondsPerGiB.push(streamed.cpuSecondsPerGiB);
      }
    }

    const direct = of(paths[0]!);
    const lines = [
      `service proxy, in one process on ${HOST}: latency of one GET on a new connection (n=${requests} per path, sequential, paths round-robin); ` +
        `${CONCURRENT_CLIENTS} concurrent clients on new connections (${loadRounds} x ${loadRoundMs} ms per path); ` +
        `one connection streaming ${streamBytes / MiB} MiB client->endpoint (${streamRounds} per path). Ratios: medians vs direct`,
    ];
    for (const path of paths) {
      const r = of(path);
      const added = median(r.latencyMs) - median(direct.latencyMs);
      lines.push(
        `${path.name}: latency p50 ${ms(median(r.latencyMs))}, p99 ${ms(percentile(r.latencyMs, 99))}` +
          (r === direct ? '' : ` (${ratio(median(r.latencyMs), median(direct.latencyMs))}, p99 ${ratio(percentile(r.latencyMs, 99), percentile(direct.latencyMs, 99))}, +${ms(added)})`) +
          `; ${median(r.requestsPerSecond).toFixed(0)} req/s` +
          (r === direct ? '' : ` (${ratio(median(r.requestsPerSecond), median(direct.requestsPerSecond))})`) +
          `, CPU ${median(r.cpuMicrosPerRequest).toFixed(0)} us/req, ${r.loadErrors} errors` +
          `; stream ${median(r.streamMBps).toFixed(0)} MB/s` +
          (r === direct ? '' : ` (${ratio(median(r.streamMBps), median(direct.streamMBps))})`) +
          `, CPU ${median(r.cpuSecondsPerGiB).toFixed(2)} s/GiB`,
      );
    }
    lines.push(`proxy counters: accepted ${proxy.stats.accepted}, proxied ${proxy.stats.proxied}, failed attempts ${proxy.stats.failedAttempts}, dropped ${proxy.stats.dropped}; relay: relayed ${relay.stats.relayed}, refused ${relay.stats.refused}`);
    return lines;
  } finally {
    await proxy.close();
    await relay.close();
    httpEndpoint.closeAllConnections();
    await Promise.all([closeServer(httpEndpoint), closeServer(sink)]);
  }
}
