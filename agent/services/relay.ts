/**
 * The node's service relay: how another node's proxy reaches a Pod here, since Pod IPs live on
 * this node's container bridge and no other node can route to them (Skiff has no flat Pod
 * network). One TCP port (--proxy-relay-port, on --node-ip); each connection starts with one
 * request line (relay-protocol.ts) naming the endpoint. The relay serves only a caller presenting
 * the fleet's relay token and only endpoints that are this node's Pods behind some Service, so it
 * is no open door into the Pod network. Traffic is not encrypted, as kube-proxy's to Pods is not.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { readFirstLine } from './first-line.js';
import { parseRelayRequest } from './relay-protocol.js';
import { splice } from './splice.js';

export interface RelayOptions {
  host: string;
  port: number;
  /** The token callers must present (from the Services view); undefined: no view yet, serve nobody. */
  token(): string | undefined;
  /** Whether ip:port is an endpoint of this node. */
  isLocalEndpoint(ip: string, port: number): boolean;
  connectTimeoutMs: number;
  log: Logger;
}

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Relay {
  private server: Server | undefined;
  readonly stats = { relayed: 0, refused: 0 };

  constructor(private readonly options: RelayOptions) {}

  /** Listens; resolves with the port (the one asked for, or the one the kernel chose for 0). */
  start(): Promise<number> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) => this.serve(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.options.host, port: this.options.port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.options.log.warn({ err: errorMessage(err) }, 'relay server error'));
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : this.options.port);
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private serve(socket: Socket): void {
    const { log } = this.options;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const refuse = (reason: string): void => {
      this.stats.refused++;
      log.debug({ peer, reason }, 'relay refused a connection');
      socket.end(`ERR ${reason}\n`);
    };
    socket.setTimeout(this.options.connectTimeoutMs, () => refuse('no request in time'));
    socket.on('error', (err) => log.debug({ peer, err: errorMessage(err) }, 'relay client connection failed'));
    readFirstLine(socket, (taken) => {
      if (taken instanceof Error) return refuse(errorMessage(taken));
      socket.setTimeout(0);
      const request = parseRelayRequest(taken.line);
      if ('error' in request) return refuse(request.error);
      const token = this.options.token();
      if (token === undefined || !tokensEqual(request.token, token)) return refuse('bad token');
      if (!this.options.isLocalEndpoint(request.ip, request.port)) return refuse(`${request.ip}:${request.port} is not an endpoint on this node`);
      this.forward(socket, request.ip, request.port, taken.rest);
    });
  }

  private forward(socket: Socket, ip: string, port: number, early: Buffer): void {
    const upstream = connect({ host: ip, port, allowHalfOpen: true, noDelay: true });
    const timer = setTimeout(() => upstream.destroy(new Error(`no answer within ${this.options.connectTimeoutMs} ms`)), this.options.connectTimeoutMs);
    upstream.once('error', (err) => {
      clearTimeout(timer);
      this.stats.refused++;
      socket.end(`ERR ${(err as NodeJS.ErrnoException).code ?? err.message}\n`);
    });
    upstream.once('connect', () => {
      clearTimeout(timer);
      upstream.removeAllListeners('error');
      this.stats.relayed++;
      socket.write('OK\n');
      if (early.length > 0) upstream.write(early);
      splice(socket, upstream);
      socket.resume();
    });
  }
}
