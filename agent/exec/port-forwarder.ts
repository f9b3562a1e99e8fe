/**
 * Port-forward connections (`skiff port-forward`, the API's pods/{name}/portforward): a TCP
 * connection from this node to a port of one of its Pods, at the Pod's IP (its sandbox's; the
 * node's own address for a hostNetwork Pod), its bytes carried over MQTT: in as `stdin` requests
 * (eof half-closes), out as chunks on channel 1, the last chunk when the Pod side closes. As
 * kubelet's, only Pods of this node and only while their sandbox runs.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { MESSAGE_SCHEMA } from '../../shared/mqtt/messages.js';
import { MAX_CHUNK_BYTES, type PortForwardRequest, type StdinRequest, type StreamChunk } from '../../shared/mqtt/node-requests.js';

/** Connections one agent forwards at once. */
export const MAX_FORWARDED_CONNECTIONS = 64;
const CONNECT_TIMEOUT_MS = 5_000;

export interface PortForwarderDeps {
  node: string;
  /** The Pod's IP on this node, or undefined when it has no running sandbox here. */
  podIp(uid: string): Promise<string | undefined>;
  publish(chunk: StreamChunk): Promise<void>;
  log: Logger;
}

interface Connection {
  socket?: Socket;
  early: StdinRequest[];
  cancelled: boolean;
}

export class PortForwarder {
  private readonly connections = new Map<string, Connection>();

  constructor(private readonly deps: PortForwarderDeps) {}

  start(request: PortForwardRequest): void {
    if (this.connections.has(request.id)) return;
    if (this.connections.size >= MAX_FORWARDED_CONNECTIONS) {
      void this.deps
        .publish(this.chunk(request.id, 0, { end: true, error: `node ${this.deps.node} is already forwarding ${MAX_FORWARDED_CONNECTIONS} connections` }))
        .catch((err: unknown) => this.deps.log.debug({ stream: request.id, err: errorMessage(err) }, 'port-forward refusal not delivered'));
      return;
    }
    const connection: Connection = { early: [], cancelled: false };
    this.connections.set(request.id, connection);
    void this.run(request, connection);
  }

  stdin(request: StdinRequest): void {
    const connection = this.connections.get(request.id);
    if (!connection) return;
    if (!connection.socket) connection.early.push(request);
    else write(connection.socket, request);
  }

  cancel(id: string): void {
    const connection = this.connections.get(id);
    if (!connection) return;
    connection.cancelled = true;
    connection.socket?.destroy();
  }

  stop(): void {
    for (const id of this.connections.keys()) this.cancel(id);
  }

  private chunk(id: string, seq: number, fields: Partial<Pick<StreamChunk, 'data' | 'channel' | 'end' | 'error'>>): StreamChunk {
    return { schema: MESSAGE_SCHEMA, node: this.deps.node, id, seq, ...fields };
  }

  private async run(request: PortForwardRequest, connection: Connection): Promise<void> {
    const { id, pod, port } = request;
    let seq = 0;
    let sending: Promise<void> = Promise.resolve();
    const send = (fields: Partial<Pick<StreamChunk, 'data' | 'channel' | 'end' | 'error'>>): Promise<void> => {
      const chunk = this.chunk(id, seq++, fields);
      sending = sending.then(() =>
        this.deps.publish(chunk).catch(() => {
          connection.socket?.destroy(); // nobody hears the rest
        }),
      );
      return sending;
    };
    try {
      const ip = await this.deps.podIp(pod.uid);
      if (!ip) throw new Error(`pod ${pod.namespace}/${pod.name} has no running sandbox on node ${this.deps.node}`);
      const socket = await new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: ip, port, allowHalfOpen: true, noDelay: true });
        const timer = setTimeout(() => s.destroy(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
        s.once('connect', () => {
          clearTimeout(timer);
          resolve(s);
        });
        s.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      }).catch((err: unknown) => {
        // kubelet's words, which kubectl prints.
        throw new Error(`error forwarding port ${port} to pod ${pod.uid}, uid : failed to connect to ${ip}:${port}: ${errorMessage(err)}`);
      });
      connection.socket = socket;
      if (connection.cancelled) socket.destroy();
      for (const early of connection.early.splice(0)) write(socket, early);
      await new Promise<void>((resolve) => {
        socket.on('data', (data: Buffer) => {
          for (let at = 0; at < data.length; at += MAX_CHUNK_BYTES) void send({ channel: 1, data: data.subarray(at, at + MAX_CHUNK_BYTES).toString('base64') });
        });
        socket.on('end', resolve);
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      });
      socket.end();
      await send({ end: true });
    } catch (err) {
      this.deps.log.debug({ stream: id, pod: `${pod.namespace}/${pod.name}`, port, err: errorMessage(err) }, 'port-forward failed');
      await send({ end: true, error: errorMessage(err) });
    } finally {
      this.connections.delete(id);
    }
  }
}

function write(socket: Socket, request: StdinRequest): void {
  if (socket.destroyed || socket.writableEnded) return;
  if (request.data) socket.write(Buffer.from(request.data, 'base64'));
  if (request.eof) socket.end();
}
