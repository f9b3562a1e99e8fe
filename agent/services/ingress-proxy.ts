/**
 * The ingress proxy of an ingress node (issue #8): HTTP on --ingress-http-port and HTTPS on
 * --ingress-https-port of the node IP, routing each request by host and path
 * (shared/services/ingress-routes.ts) to a Service, through the node's service proxy (so to any
 * of its Ready endpoints on any node, with the same balancing). As ingress-nginx does: a host with
 * TLS is redirected from HTTP to HTTPS (308); no rule matches -> 404; the Service has no endpoint
 * that answers -> 503; the endpoint fails mid-request -> 502; X-Forwarded-For/-Proto/-Host and
 * X-Real-IP are set; WebSocket (Upgrade) requests are passed through. Certificates come from the
 * kubernetes.io/tls Secrets the hub sends ingress nodes, picked by SNI. Imported lazily: a node
 * that serves no Ingress never loads http, https or tls for it.
 */
import { createServer as createHttpServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import type { ViewIngress } from '../../shared/mqtt/services-view.js';
import { matchIngressRoute, matchIngressTls, normalizeRequestHost, type IngressRoute } from '../../shared/services/ingress-routes.js';
import { splice } from './splice.js';

export interface TlsPair {
  cert: string;
  key: string;
}

export interface IngressProxyOptions {
  host: string;
  httpPort: number;
  httpsPort: number;
  ingress(): ViewIngress | undefined;
  /** The certificate and key of a kubernetes.io/tls Secret, if this node has it. */
  secret(namespace: string, name: string): TlsPair | undefined;
  /** A connection to an endpoint of the Service (ServiceProxy.connectService). */
  connect(namespace: string, service: string, port: number | string, clientIp: string): Promise<Socket>;
  log: Logger;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function forwardedHeaders(req: IncomingMessage, tls: boolean): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  const client = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  headers['x-real-ip'] = client;
  headers['x-forwarded-proto'] = tls ? 'https' : 'http';
  headers['x-forwarded-host'] = req.headers.host ?? '';
  return headers;
}

export class IngressProxy {
  private http: Server | undefined;
  private https: Server | undefined;
  /** Secure contexts by Secret, rebuilt when its certificate or key changes. */
  private readonly contexts = new Map<string, { pair: TlsPair; context: SecureContext }>();
  readonly stats = { requests: 0, notFound: 0, unavailable: 0, badGateway: 0, redirects: 0 };

  constructor(private readonly options: IngressProxyOptions) {}

  /** Listens on both ports; resolves with the ports bound (0 asks the kernel for free ones). */
  async start(): Promise<{ http: number; https: number }> {
    this.http = createHttpServer((req, res) => void this.handle(req, res, false));
    this.https = createHttpsServer({ SNICallback: (name, done) => this.contextFor(name, done) }, (req, res) => void this.handle(req, res, true));
    for (const server of [this.http, this.https]) server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.upgrade(req, socket, head, server === this.https));
    const http = await listen(this.http, this.options.host, this.options.httpPort);
    const https = await listen(this.https, this.options.host, this.options.httpsPort);
    return { http, https };
  }

  async close(): Promise<void> {
    await Promise.all([this.http, this.https].map((server) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))));
    this.http = this.https = undefined;
  }

  private route(req: IncomingMessage, res: ServerResponse | undefined, tls: boolean): IngressRoute | undefined {
    const ingress = this.options.ingress();
    const route = ingress ? matchIngressRoute(ingress.routes, req.headers.host, req.url ?? '/') : undefined;
    if (!route) {
      this.stats.notFound++;
      res?.writeHead(404, { 'content-type': 'text/plain' }).end('default backend - 404\n');
      return undefined;
    }
    if (!tls && res && ingress && matchIngressTls(ingress.tls, normalizeRequestHost(req.headers.host))) {
      // ingress-nginx's ssl-redirect: a host served with TLS is not served in clear.
      this.stats.redirects++;
      const host = normalizeRequestHost(req.headers.host);
      const bound = this.httpsPortBound();
      const port = bound === 443 ? '' : `:${bound}`;
      res.writeHead(308, { location: `https://${host}${port}${req.url ?? '/'}` }).end();
      return undefined;
    }
    return route;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, tls: boolean): Promise<void> {
    this.stats.requests++;
    const route = this.route(req, res, tls);
    if (!route) return;
    let socket: Socket;
    try {
      socket = await this.options.connect(route.namespace, route.service, route.port, req.socket.remoteAddress ?? '');
    } catch (err) {
      this.stats.unavailable++;
      this.options.log.debug({ ingress: route.ingress, service: `${route.namespace}/${route.service}`, err: errorMessage(err) }, 'ingress request found no endpoint');
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`no endpoint of service ${route.namespace}/${route.service} is available\n`);
      return;
    }
    const upstream = request({
      method: req.method,
      path: req.url,
      headers: { ...forwardedHeaders(req, tls), connection: 'close' },
      createConnection: () => socket.resume(),
    });
    upstream.on('response', (answer) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      this.stats.badGateway++;
      this.options.log.debug({ ingress: route.ingress, err: errorMessage(err) }, 'ingress upstream failed');
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway\n');
      else res.destroy();
    });
    res.on('close', () => socket.destroy());
    req.pipe(upstream);
  }

  /** An Upgrade request (WebSocket): the request head goes on as it came, then the bytes both ways. */
  private async upgrade(req: IncomingMessage, client: Socket, head: Buffer, tls: boolean): Promise<void> {
    client.on('error', () => undefined);
    const route = this.route(req, undefined, tls);
    if (!route) return void client.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
    let upstream: Socket;
    try {
      upstream = await this.options.connect(route.namespace, route.service, route.port, client.remoteAddress ?? '');
    } catch {
      this.stats.unavailable++;
      return void client.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n');
    }
    const headers = forwardedHeaders(req, tls);
    const lines = [`${req.method} ${req.url} HTTP/1.1`, 'connection: Upgrade', `upgrade: ${String(req.headers.upgrade)}`];
    for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    splice(client, upstream);
    upstream.resume();
  }

  private contextFor(serverName: string, done: (err: Error | null, context?: SecureContext) => void): void {
    const entry = matchIngressTls(this.options.ingress()?.tls ?? [], serverName);
    const pair = entry ? this.options.secret(entry.namespace, entry.secretName) : undefined;
    if (!entry || !pair) return done(new Error(`no certificate for ${serverName}`));
    const key = `${entry.namespace}/${entry.secretName}`;
    const cached = this.contexts.get(key);
    if (cached && cached.pair.cert === pair.cert && cached.pair.key === pair.key) return done(null, cached.context);
    try {
      const context = createSecureContext(pair);
      this.contexts.set(key, { pair, context });
      done(null, context);
    } catch (err) {
      this.options.log.warn({ secret: key, err: errorMessage(err) }, 'ingress TLS Secret does not hold a usable certificate and key');
      done(err as Error);
    }
  }

  private httpsPortBound(): number {
    const address = this.https?.address();
    return typeof address === 'object' && address ? address.port : this.options.httpsPort;
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
