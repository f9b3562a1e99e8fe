/**
 * The node's part of Services, wired: the last Services view (stored, so it outlives the hub and
 * a restart), the relay other nodes reach this node's Pods through, the local route to the
 * service CIDR, the proxy, and on an ingress node the ingress proxy. What Pods see of it (environment variables, /etc/hosts) is read
 * through services(). A view is applied whole, in order, one at a time.
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { decodeServicesView, type ServicesView, type ViewService } from '../../shared/mqtt/services-view.js';
import type { IngressProxy, TlsPair } from './ingress-proxy.js';
import { routeLocally } from './local-route.js';
import { Relay } from './relay.js';
import { ServiceProxy } from './service-proxy.js';

export interface ServicesViewStore {
  loadServicesView(): ServicesView | undefined;
  saveServicesView(view: ServicesView): boolean;
}

export interface NodeServicesOptions {
  node: string;
  /** --node-ip: where the relay and NodePorts listen (all addresses when unset). */
  nodeIp?: string;
  /** --proxy-relay-port. */
  relayPort: number;
  /** --ingress-http-port and --ingress-https-port. */
  ingressPorts: { http: number; https: number };
  /** A kubernetes.io/tls Secret's certificate and key, from the desired state (ingress nodes get them). */
  tlsSecret(namespace: string, name: string): TlsPair | undefined;
  store: ServicesViewStore;
  now: () => number;
  log: Logger;
  /** Called after a new view is applied (the loop rewrites hosts files from it). */
  onViewChanged(): void;
}

export class NodeServices {
  private view: ServicesView | undefined;
  private routed: string | undefined;
  private applying: Promise<void> = Promise.resolve();
  private readonly relay: Relay;
  readonly proxy: ServiceProxy;
  /** The relay's port once it listens (reported as the node's daemon endpoint). */
  relayPort: number | undefined;
  /** The ingress proxy, while the node serves Ingress. */
  private ingress: Promise<IngressProxy | undefined> | undefined;

  constructor(private readonly options: NodeServicesOptions) {
    const host = options.nodeIp ?? '0.0.0.0';
    this.proxy = new ServiceProxy({
      node: options.node,
      nodePortHost: host,
      ...(options.nodeIp !== undefined ? { localAddress: options.nodeIp } : {}),
      connectTimeoutMs: DEFAULTS.services.connectTimeoutMs,
      backoffMs: DEFAULTS.services.endpointBackoffMs,
      maxConnectAttempts: DEFAULTS.services.maxConnectAttempts,
      retryIntervalMs: DEFAULTS.services.listenRetryIntervalMs,
      now: options.now,
      log: options.log.child({ component: 'service-proxy' }),
    });
    this.relay = new Relay({
      host,
      port: options.relayPort,
      token: () => this.view?.relayToken,
      isLocalEndpoint: (ip, port) => this.proxy.isLocalEndpoint(ip, port),
      connectTimeoutMs: DEFAULTS.services.connectTimeoutMs,
      log: options.log.child({ component: 'relay' }),
    });
  }

  /** Starts the relay and applies the stored view, if any. A relay that cannot listen is logged, not fatal. */
  async start(): Promise<void> {
    try {
      this.relayPort = await this.relay.start();
      this.options.log.info({ port: this.relayPort, host: this.options.nodeIp ?? '0.0.0.0' }, 'service relay listening');
    } catch (err) {
      this.options.log.error({ port: this.options.relayPort, err: errorMessage(err) }, 'service relay cannot listen: Pods here are unreachable from other nodes\u2019 proxies (see --proxy-relay-port)');
    }
    const stored = this.options.store.loadServicesView();
    if (stored) this.accept(stored, false);
    await this.applying;
  }

  services(): readonly ViewService[] {
    return this.view?.services ?? [];
  }

  /** A message on the fleet Services topic. */
  onMessage(payload: Buffer, topic: string): void {
    let view: ServicesView;
    try {
      view = decodeServicesView(payload, topic);
    } catch (err) {
      this.options.log.error({ topic, err: errorMessage(err) }, 'ignored a services view that does not decode');
      return;
    }
    if (this.view && view.generation <= this.view.generation) return;
    this.accept(view, true);
  }

  /**
   * Whether this node serves Ingress (its desired state says so): starts or stops the ingress
   * proxy. Level-triggered: called with every desired state; a proxy that could not listen is
   * tried again with the next call.
   */
  serveIngress(serve: boolean): void {
    if (serve && !this.ingress) this.ingress = this.startIngress();
    if (!serve && this.ingress) {
      const stopping = this.ingress;
      this.ingress = undefined;
      void stopping.then((proxy) => proxy?.close()).then(() => this.options.log.info('ingress proxy stopped'));
    }
  }

  async stop(): Promise<void> {
    await this.applying;
    const ingress = await this.ingress;
    await Promise.all([this.proxy.close(), this.relay.close(), ingress?.close()]);
  }

  private async startIngress(): Promise<IngressProxy | undefined> {
    const { IngressProxy } = await import('./ingress-proxy.js');
    const proxy = new IngressProxy({
      host: this.options.nodeIp ?? '0.0.0.0',
      httpPort: this.options.ingressPorts.http,
      httpsPort: this.options.ingressPorts.https,
      ingress: () => this.view?.ingress,
      secret: (namespace, name) => this.options.tlsSecret(namespace, name),
      connect: (namespace, service, port, clientIp) => this.proxy.connectService(namespace, service, port, clientIp),
      log: this.options.log.child({ component: 'ingress' }),
    });
    try {
      const ports = await proxy.start();
      this.options.log.info({ host: this.options.nodeIp ?? '0.0.0.0', ...ports }, 'ingress proxy listening');
      return proxy;
    } catch (err) {
      await proxy.close();
      this.options.log.error({ ports: this.options.ingressPorts, err: errorMessage(err) }, 'ingress proxy cannot listen; trying again with the next desired state');
      this.ingress = undefined;
      return undefined;
    }
  }

  private accept(view: ServicesView, save: boolean): void {
    if (save) {
      try {
        this.options.store.saveServicesView(view);
      } catch (err) {
        // Applied anyway: the proxy should follow the fleet now; the disk gets the next one.
        this.options.log.warn({ generation: view.generation, err: errorMessage(err) }, 'cannot store the services view');
      }
    }
    this.view = view;
    this.applying = this.applying.then(() => this.apply(view));
  }

  private async apply(view: ServicesView): Promise<void> {
    if (this.view !== view) return; // a newer one is queued behind
    if (this.routed !== view.serviceCidr) {
      try {
        await routeLocally(view.serviceCidr);
        this.routed = view.serviceCidr;
      } catch (err) {
        this.options.log.warn({ cidr: view.serviceCidr, err: errorMessage(err) }, 'cannot route the service CIDR to this host: clusterIPs will not answer here (NodePorts still do)');
      }
    }
    this.proxy.apply(view);
    const ports = view.services.reduce((n, s) => n + s.ports.length, 0);
    this.options.log.info({ generation: view.generation, services: view.services.length, ports, listeners: this.proxy.listening().length }, 'applied services view');
    this.options.onViewChanged();
  }
}
