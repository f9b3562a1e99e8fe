/**
 * Opens a connection to one endpoint: directly when the Pod is on this node (or outside the fleet),
 * else through the relay of the Pod's node (relay-protocol.ts), which answers whether it reached
 * the Pod. Resolves with a paused socket ready to splice, or rejects within timeoutMs: the proxy
 * then tries the next endpoint.
 */
import { connect, type Socket } from 'node:net';
import type { RelayAddress, ViewEndpoint } from '../../shared/mqtt/services-view.js';
import { readFirstLine } from './first-line.js';
import { relayRequestLine } from './relay-protocol.js';

export interface EndpointTarget {
  endpoint: ViewEndpoint;
  /** The relay of the endpoint's node; absent: connect to the endpoint itself. */
  via?: RelayAddress;
  token: string;
}

export interface ConnectOptions {
  timeoutMs: number;
  /** --node-ip: the source address towards relays, so that several agents on one host stay apart. */
  localAddress?: string;
}

export function connectEndpoint(target: EndpointTarget, options: ConnectOptions): Promise<Socket> {
  const { endpoint, via } = target;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: via ? via.host : endpoint.ip,
      port: via ? via.port : endpoint.port,
      allowHalfOpen: true,
      noDelay: true,
      ...(via && options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
    });
    const where = via ? `${endpoint.ip}:${endpoint.port} via relay ${via.host}:${via.port}` : `${endpoint.ip}:${endpoint.port}`;
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`${where}: ${err.message}`, { cause: err }));
    };
    const done = (): void => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.off('end', closedEarly);
      socket.pause();
      resolve(socket);
    };
    const closedEarly = (): void => fail(new Error('relay closed the connection before answering'));
    const timer = setTimeout(() => fail(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    socket.once('error', fail);
    socket.once('connect', () => {
      if (!via) return done();
      socket.write(relayRequestLine({ token: target.token, ip: endpoint.ip, port: endpoint.port }));
      socket.once('end', closedEarly);
      readFirstLine(socket, (taken) => {
        if (taken instanceof Error) return fail(taken);
        if (taken.line !== 'OK') return fail(new Error(taken.line.startsWith('ERR ') ? `relay refused: ${taken.line.slice(4)}` : 'relay sent no answer line'));
        if (taken.rest.length > 0) socket.unshift(taken.rest);
        done();
      });
    });
  });
}
