/**
 * The hub's HTTP API on node:http, following Kubernetes' REST conventions: kube paths, JSON
 * bodies, Status objects for errors, server-side Tables on request (`Accept: ...;as=Table`).
 */
import { STATUS_CODES, createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createServer as createHttpsServer } from 'node:https';
import { arch, platform } from 'node:os';
import { SkiffError } from '../../shared/errors.js';
import { JOIN_PATH, RENEW_PATH } from '../../shared/join.js';
import { DEFAULTS, IDENTITY_DEFAULTS } from '../../shared/defaults.js';
import { KUBE_COMPAT_VERSION } from '../../shared/defaults.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import type { Logger } from '../../shared/log.js';
import { ApiGate, type AuthContext } from '../auth/gate.js';
import type { AuditSink } from '../auth/audit-log.js';
import type { Store } from '../store/store.js';
import { handleJoin, type ExternalBrokerAccess } from './join.js';
import { decodeKubeProtobuf, KUBE_PROTOBUF } from './protobuf/decode.js';
import { handleRenew } from './renew.js';
import { handleTokens, isTokensPath } from './tokens.js';
import type { MetricsService } from '../metrics/metrics-service.js';
import { METRICS_GROUP_PREFIXES, metricsApi } from './metrics-api.js';
import { PodExecServer } from './pod-exec.js';
import { PodPortForwardServer } from './pod-portforward.js';
import type { NodeStreams } from '../ingest/node-streams.js';
import { buildDiscovery, discoveryBody, isDiscoveryPath } from './discovery.js';
import { buildOpenApiV3, isOpenApiV3Path, openApiV3Body } from './openapi.js';
import { parseResourcePath, type ResourceRoute } from './paths.js';
import { serveResource, type ResourceRouteDependencies } from './resource-routes.js';
import { ResourceHandlers } from './resource-handlers.js';
import { statusFromError } from './status.js';
import { DEFAULT_WATCH_SETTINGS, WatchServer, type WatchSettings } from './watch.js';
import { WatchCache } from './watch-cache.js';
import { defaultDashboardFiles, isDashboardRequest, serveDashboard } from '../dashboard/serve-dashboard.js';

/** Kubernetes caps request bodies at 3 MiB; so does Skiff. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type TablePrinter = (resource: ResourceType, objects: KubeObject[], now: Date) => object;

export interface ApiDependencies {
  store: Store;
  logger: Logger;
  adminToken: string;
  joinToken: string;
  mqttPort: number;
  printTable: TablePrinter;
  /** Watch tuning; tests shorten it. */
  watch?: Partial<WatchSettings> & { cacheCapacity?: number };
  /** Drops a node's broker connections: after a (re-)join, those on older credentials must go at once. */
  disconnectNode?: (node: string) => void;
  /** An external broker (issue #11): agents are sent to it, and it is told of every node password issued. */
  externalBroker?: ExternalBrokerAccess;
  /** Lifetime of node credentials from a join or renewal (default IDENTITY_DEFAULTS.nodeCredentialTtlMs). */
  nodeCredentialTtlMs?: number;
  /** sha256 hex of the hub's CA certificate, for the K10 tokens `skiff token create` prints; undefined on plain HTTP. */
  caHash?: () => string | undefined;
  /**
   * Serve HTTPS with this certificate and key (PEM); `caPem` is served without authentication on
   * GET /cacerts, as k3s does, for agents to compare with their join token's hash. Without it: plain HTTP.
   */
  tls?: { cert: string; key: string; caPem: string };
  /** Usage (metrics.k8s.io, metrics.skiff.io); without it those groups are not found. */
  usage?: MetricsService;
  /** Requests to nodes (pods/{name}/log); without it the log subresource is not found. */
  nodeStreams?: NodeStreams;
  /** Renders GET /metrics (hub/metrics/prometheus.ts); without it /metrics is not found. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Where writes and denials are recorded (hub/auth/audit-log.ts); without it, nowhere. */
  audit?: AuditSink;
}

export function versionInfo(): Record<string, string> {
  const [major, minor] = KUBE_COMPAT_VERSION.slice(1).split('.');
  const goArch = arch() === 'x64' ? 'amd64' : arch();
  return {
    major: major!,
    minor: minor!,
    gitVersion: KUBE_COMPAT_VERSION,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '',
    goVersion: `node${process.versions.node}`,
    compiler: 'skiff',
    platform: `${platform()}/${goArch}`,
  };
}

function send(res: ServerResponse, code: number, body: unknown, warnings: readonly string[] = []): void {
  const text = JSON.stringify(body);
  // RFC 7234 warn-code 299 with agent "-", as kube-apiserver sends them; kubectl prints "Warning: <text>".
  if (warnings.length > 0) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A body that may be absent (a DELETE's DeleteOptions): undefined when there is none. */
async function readOptionalJson(req: IncomingMessage): Promise<unknown> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (length === 0 && req.headers['transfer-encoding'] === undefined) return undefined;
  return readJson(req);
}

/** The whole body, refused past Kubernetes' 3 MiB. */
async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readText(req: IncomingMessage): Promise<string> {
  return (await readBytes(req)).toString('utf8');
}

/**
 * A request body as an object: JSON, or Kubernetes' protobuf (kubectl's typed clients send it for
 * `create configmap|secret|...`, `create token`, `auth can-i`, `autoscale`; hub/api/protobuf/).
 */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? 'application/json';
  if (type.split(';')[0]!.trim() === KUBE_PROTOBUF) return decodeKubeProtobuf(await readBytes(req));
  if (!type.includes('json')) {
    throw new SkiffError('SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE', `the body of the request was in an unknown format - accepted media types include: application/json, ${KUBE_PROTOBUF}`);
  }
  const text = await readText(req);
  try {
    return JSON.parse(text);
  } catch (err) {
    // Node's parse message quotes the body, which may be a Secret: say where, never what.
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `the request body is not valid JSON${position !== undefined ? ` (at byte ${position})` : ''}`);
  }
}

export function createApiServer(deps: ApiDependencies): Server {
  const handlers = new ResourceHandlers(deps.store);
  const discovery = buildDiscovery({ metrics: deps.usage !== undefined });
  const openapi = buildOpenApiV3(KUBE_COMPAT_VERSION);
  const log = deps.logger.child({ component: 'api' });
  const dashboardFiles = defaultDashboardFiles();
  const watchCache = new WatchCache(deps.watch?.cacheCapacity);
  const stopCaching = deps.store.onChange((change) => watchCache.add(change));
  const watches = new WatchServer(
    deps.store,
    watchCache,
    (resource, object, now) => ({ ...deps.printTable(resource, [object], now), metadata: { resourceVersion: object.metadata.resourceVersion } }),
    deps.logger,
    { ...DEFAULT_WATCH_SETTINGS, ...deps.watch },
  );

  /** What a failed request was about, for the Status details (kind and name, as Kubernetes). */
  interface RequestContext {
    target?: { kind: string; group?: string; name?: string };
    /** Who asked for what (hub/auth/gate.ts): authentication, authorization and the audit line. */
    auth: AuthContext;
  }
  const gate = new ApiGate({ store: deps.store, adminToken: deps.adminToken, ...(deps.audit ? { audit: deps.audit } : {}) });
  const resourceRoutes = (context: RequestContext): ResourceRouteDependencies => ({
    handlers,
    watches,
    printTable: deps.printTable,
    ...(deps.nodeStreams ? { nodeStreams: deps.nodeStreams } : {}),
    confirmNoEscalation: (body) => gate.confirmNoEscalation(context.auth, body),
    send,
    readBody: readJson,
    readOptionalBody: readOptionalJson,
    readText,
  });

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, context: RequestContext): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/version') return send(res, 200, versionInfo());
    if (method === 'GET' && ['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    // The web dashboard's files (hub/dashboard/): public, they hold no data; a browser's `GET /` goes there.
    if (isDashboardRequest(method, url.pathname, req.headers.accept)) return serveDashboard(dashboardFiles, req, res, url.pathname);
    if (url.pathname === JOIN_PATH) {
      if (method !== 'POST') throw new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', `${method} is not supported on ${JOIN_PATH}`);
      const response = await handleJoin(deps.store, await readJson(req), {
        joinToken: deps.joinToken,
        credentialTtlMs: deps.nodeCredentialTtlMs ?? IDENTITY_DEFAULTS.nodeCredentialTtlMs,
        mqttPort: deps.mqttPort,
        ...(deps.disconnectNode ? { disconnectNode: deps.disconnectNode } : {}),
        ...(deps.externalBroker ? { externalBroker: deps.externalBroker } : {}),
        onJoined: (node, joinedWith) =>
          log.info({ node, joinedWith: joinedWith.kind === 'bootstrap' ? `bootstrap token ${joinedWith.id}` : 'server token' }, 'node joined'),
      });
      return send(res, 200, response);
    }
    if (url.pathname === RENEW_PATH) {
      // Authenticated by the node's own credentials (Basic), not by a bearer token: routed before that check.
      if (method !== 'POST') throw new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', `${method} is not supported on ${RENEW_PATH}`);
      const response = await handleRenew(deps.store, req.headers.authorization, {
        mqttPort: deps.mqttPort,
        ...(deps.externalBroker ? { externalBroker: deps.externalBroker } : {}),
        credentialTtlMs: deps.nodeCredentialTtlMs ?? IDENTITY_DEFAULTS.nodeCredentialTtlMs,
        overlapMs: IDENTITY_DEFAULTS.previousCredentialOverlapMs,
      });
      log.info({ node: response.nodeName, expiresAt: response.expiresAt }, 'node credentials renewed');
      return send(res, 200, response);
    }

    // 401 unless authenticated, 403 unless authorized (RBAC, Node authorizer): docs/security.md.
    await gate.admit(req, context);
    const answered = await gate.answer(context.auth, () => readJson(req));
    if (answered) return send(res, answered.code, answered.body);

    // Discovery (hub/api/discovery.ts): every authenticated user may read it (system:discovery).
    if (isDiscoveryPath(url.pathname)) {
      return send(res, 200, discoveryBody(discovery, method, url.pathname, req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`));
    }
    // What kubectl reads before it sends an object (hub/api/openapi.ts); /openapi/v2 is not served.
    if (isOpenApiV3Path(url.pathname)) return send(res, 200, openApiV3Body(openapi, method, url.pathname));
    if (isTokensPath(url.pathname)) {
      const [code, body] = await handleTokens(deps.store, method, url.pathname, () => readOptionalJson(req), { caHash: deps.caHash ?? (() => undefined) });
      return send(res, code, body);
    }

    // Behind the token, as kube-apiserver's /metrics; Prometheus sends it (docs/metrics.md).
    if (method === 'GET' && url.pathname === '/metrics' && deps.metrics) {
      const { contentType, body } = await deps.metrics();
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }

    if (deps.usage && METRICS_GROUP_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) {
      if (method !== 'GET') throw new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', `the server does not allow this method on the requested resource (${method})`);
      return send(res, 200, await metricsApi({ store: deps.store, metrics: deps.usage, now: Date.now }, url.pathname, url.searchParams));
    }

    const parsed = parseResourcePath(url.pathname);
    if (!parsed.ok) throw new SkiffError('SKIFF_ERR_NOT_FOUND', 'the server could not find the requested resource');
    const r: ResourceRoute = parsed.route;
    context.target = {
      kind: r.resource.plural,
      ...(r.resource.group ? { group: r.resource.group } : {}),
      ...(r.name !== undefined ? { name: r.name } : {}),
    };
    return serveResource(resourceRoutes(context), req, res, url, r);
  }

  const handle: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    if (deps.tls && url.pathname === '/cacerts' && req.method === 'GET') {
      // Public by design: the CA certificate proves nothing by itself; the agent checks its hash.
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(deps.tls.caPem);
      return;
    }
    const started = process.hrtime.bigint();
    const context: RequestContext = { auth: gate.begin(req, url, res) };
    route(req, res, url, context)
      .catch((err: unknown) => {
        const status = statusFromError(err, context.target);
        if (status.code >= 500) log.error({ err, method: req.method, path: url.pathname }, 'request failed');
        if (!res.headersSent) send(res, status.code, status);
        else res.destroy();
      })
      .finally(() => {
        gate.complete(context.auth, res.statusCode);
        log.debug({ method: req.method, path: url.pathname, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
      });
  };
  const server: Server = deps.tls ? createHttpsServer({ cert: deps.tls.cert, key: deps.tls.key, minVersion: 'TLSv1.2' }, handle) : createServer(handle);
  server.once('close', stopCaching);
  server.keepAliveTimeout = DEFAULTS.apiKeepAliveTimeoutMs;
  server.headersTimeout = DEFAULTS.apiKeepAliveTimeoutMs + 1_000; // must exceed keepAliveTimeout
  if (deps.nodeStreams) {
    // pods/{name}/exec and /portforward over WebSocket (pod-exec.ts, pod-portforward.ts):
    // authenticated and authorized as every request.
    const exec = new PodExecServer(deps.nodeStreams);
    const portForward = new PodPortForwardServer(deps.nodeStreams);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://hub.invalid');
      const context: RequestContext = { auth: gate.begin(req, url) };
      let code = 101;
      socket.on('error', () => undefined);
      (async () => {
        await gate.admit(req, context);
        const parsed = parseResourcePath(url.pathname);
        const subresource = parsed.ok ? parsed.route.subresource : undefined;
        if (!parsed.ok || parsed.route.resource.kind !== 'Pod' || (subresource !== 'exec' && subresource !== 'portforward') || parsed.route.name === undefined) {
          throw new SkiffError('SKIFF_ERR_NOT_FOUND', 'the server could not find the requested resource');
        }
        context.target = { kind: 'pods', name: parsed.route.name };
        const pod = await handlers.get({ ...parsed.route, name: parsed.route.name });
        (subresource === 'exec' ? exec : portForward).accept(pod, url.searchParams, req, socket, head);
      })()
        .catch((err: unknown) => {
          const status = statusFromError(err, context.target);
          code = status.code;
          if (status.code >= 500) log.error({ err, path: url.pathname }, 'upgrade request failed');
          const body = JSON.stringify(status);
          socket.end(`HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
        })
        .finally(() => gate.complete(context.auth, code));
    });
    server.once('close', () => {
      exec.close();
      portForward.close();
    });
  }
  return server;
}

