/**
 * The node's userspace service proxy (issue #8): listeners from proxy-plan.ts, one Balancer per
 * Service port, and the splice of each accepted connection to the endpoint the balancer picks,
 * directly or through the endpoint node's relay (endpoint-connect.ts). Level-triggered: apply()
 * takes the whole Services view and opens, closes and updates whatever differs, whatever it did
 * before; a listener that could not bind (the address is not there yet, or another agent on
 * the same host holds it) is retried every retryIntervalMs. Closing a listener leaves the
 * connections it accepted running, as kube-proxy leaves established ones.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import type { ServicesView, ViewEndpoint } from '../../shared/mqtt/services-view.js';
import { Balancer, endpointId } from './balancer.js';
import { connectEndpoint } from './endpoint-connect.js';
import { desiredListeners, diffListeners, localEndpoints, servicePortKey, type ListenerRoute } from './proxy-plan.js';
import { splice } from './splice.js';

export interface ServiceProxyOptions {
  node: string;
  /** Where NodePorts listen: --node-ip, or 0.0.0.0. */
  nodePortHost: string;
  /** --node-ip: the source address of connections to other nodes' relays. */
  localAddress?: string;
  connectTimeoutMs: number;
  backoffMs: number;
  maxConnectAttempts: number;
  retryIntervalMs: number;
  now: () => number;
  log: Logger;
}

interface Listener {
  route: ListenerRoute;
  server: Server;
}

export class ServiceProxy {
  private view: ServicesView | undefined;
  private readonly listeners = new Map<string, Listener>();
  private readonly balancers = new Map<string, Balancer>();
  private routes = new Map<string, ListenerRoute>();
  private local = new Set<string>();
  /** Listeners that failed to bind, by key, with the error code logged (each logged once). */
  private readonly bindFailures = new Map<string, string>();
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  readonly stats = { accepted: 0, proxied: 0, failedAttempts: 0, dropped: 0 };

  constructor(private readonly options: ServiceProxyOptions) {}

  /** The relay token of the current view (the relay checks callers against it). */
  get relayToken(): string | undefined {
    return this.view?.relayToken;
  }

  isLocalEndpoint(ip: string, port: number): boolean {
    return this.local.has(`${ip}:${port}`);
  }

  /** Ports with a listener now, as host:port (tests and logs). */
  listening(): string[] {
    return [...this.listeners.keys()].sort();
  }

  apply(view: ServicesView | undefined): void {
    if (this.closed) return;
    this.view = view;
    this.local = localEndpoints(view, this.options.node);
    const now = this.options.now();
    const seen = new Set<string>();
    for (const service of view?.services ?? []) {
      const affinityTimeoutMs = service.affinityTimeoutSeconds !== undefined ? service.affinityTimeoutSeconds * 1000 : undefined;
      for (const port of service.ports) {
        const key = servicePortKey(service, port);
        seen.add(key);
        let balancer = this.balancers.get(key);
        const options = { backoffMs: this.options.backoffMs, ...(affinityTimeoutMs !== undefined ? { affinityTimeoutMs } : {}) };
        if (!balancer) this.balancers.set(key, (balancer = new Balancer(options)));
        balancer.update(port.endpoints, options);
        balancer.expire(now);
      }
    }
    for (const key of this.balancers.keys()) if (!seen.has(key)) this.balancers.delete(key);
    this.routes = desiredListeners(view, this.options.nodePortHost);
    const changes = diffListeners(this.routes, this.listeners.keys());
    for (const key of changes.close) this.closeListener(key);
    for (const key of this.bindFailures.keys()) if (!this.routes.has(key)) this.bindFailures.delete(key);
    for (const route of changes.open) this.openListener(route);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await Promise.all([...this.listeners.keys()].map((key) => this.closeListener(key)));
  }

  private openListener(route: ListenerRoute): void {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => void this.serve(route.key, socket));
    const listener = { route, server };
    this.listeners.set(route.key, listener);
    server.once('error', (err: NodeJS.ErrnoException) => {
      // Not bound: forget it, so the next apply (or the retry below) tries again.
      if (this.listeners.get(route.key) === listener) this.listeners.delete(route.key);
      const code = err.code ?? err.message;
      if (this.bindFailures.get(route.key) !== code) {
        this.bindFailures.set(route.key, code);
        this.options.log.warn(
          { listener: route.key, service: route.servicePort, kind: route.kind, err: errorMessage(err) },
          code === 'EADDRINUSE' ? 'service port is taken on this host (another agent or program holds it); retrying' : 'cannot listen for a service port; retrying',
        );
      }
      this.scheduleRetry();
    });
    server.listen({ host: route.host, port: route.port, exclusive: true }, () => {
      if (this.bindFailures.delete(route.key)) this.options.log.info({ listener: route.key, service: route.servicePort }, 'service port bound after earlier failures');
      else this.options.log.debug({ listener: route.key, service: route.servicePort, kind: route.kind }, 'listening for a service port');
      server.on('error', (err) => this.options.log.warn({ listener: route.key, err: errorMessage(err) }, 'service listener error'));
    });
  }

  private closeListener(key: string): Promise<void> {
    const listener = this.listeners.get(key);
    this.listeners.delete(key);
    if (!listener) return Promise.resolve();
    return new Promise((resolve) => listener.server.close(() => resolve()));
  }

  private scheduleRetry(): void {
    if (this.retry || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.apply(this.view);
    }, this.options.retryIntervalMs);
    this.retry.unref();
  }

  private async serve(listenerKey: string, client: Socket): Promise<void> {
    this.stats.accepted++;
    client.on('error', () => undefined); // a client that leaves while its endpoint is chosen; splice takes over after
    const route = this.routes.get(listenerKey);
    const balancer = route ? this.balancers.get(route.servicePort) : undefined;
    const upstream = balancer ? await this.connectBalanced(balancer, client.remoteAddress ?? '', route!.servicePort) : undefined;
    if (!upstream) {
      this.stats.dropped++;
      client.resetAndDestroy();
      return;
    }
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    splice(client, upstream);
    client.resume();
    upstream.resume();
  }

  /**
   * A connection to one endpoint of a Service port, chosen as for a proxied client (the ingress
   * proxy's way in): `port` is the Service port's number or name. Rejects when the Service, the
   * port or every endpoint is missing or refuses.
   */
  async connectService(namespace: string, name: string, port: number | string, clientIp: string): Promise<Socket> {
    const service = this.view?.services.find((s) => s.namespace === namespace && s.name === name);
    const servicePort = service?.ports.find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
    if (!service || !servicePort) throw new Error(`service ${namespace}/${name} has no port ${port}`);
    const key = servicePortKey(service, servicePort);
    const balancer = this.balancers.get(key);
    const upstream = balancer ? await this.connectBalanced(balancer, clientIp, key) : undefined;
    if (!upstream) throw new Error(`no endpoint of service ${namespace}/${name} port ${port} took the connection`);
    return upstream;
  }

  /** Tries up to maxConnectAttempts endpoints the balancer picks; the first that answers, or undefined. */
  private async connectBalanced(balancer: Balancer, clientIp: string, servicePort: string): Promise<Socket | undefined> {
    const tried = new Set<string>();
    for (let attempt = 0; attempt < this.options.maxConnectAttempts; attempt++) {
      const endpoint = balancer.pick(clientIp, this.options.now(), tried);
      if (!endpoint) break;
      tried.add(endpointId(endpoint));
      try {
        const upstream = await this.connect(endpoint);
        balancer.succeeded(endpoint);
        this.stats.proxied++;
        return upstream;
      } catch (err) {
        this.stats.failedAttempts++;
        balancer.failed(endpoint, this.options.now());
        this.options.log.debug({ service: servicePort, endpoint: endpointId(endpoint), err: errorMessage(err) }, 'endpoint did not take a connection; trying the next');
      }
    }
    this.options.log.debug({ service: servicePort, tried: tried.size }, 'no endpoint took the connection');
    return undefined;
  }

  private connect(endpoint: ViewEndpoint): Promise<Socket> {
    const direct = endpoint.node === '' || endpoint.node === this.options.node;
    const via = direct ? undefined : this.view?.relays[endpoint.node];
    if (!direct && !via) return Promise.reject(new Error(`node ${endpoint.node} has reported no relay address`));
    return connectEndpoint(
      { endpoint, ...(via ? { via } : {}), token: this.view?.relayToken ?? '' },
      { timeoutMs: this.options.connectTimeoutMs, ...(this.options.localAddress !== undefined ? { localAddress: this.options.localAddress } : {}) },
    );
  }
}
