/**
 * pods/{name}/portforward over WebSocket, in kubelet's WebSocket port-forward protocol
 * (v4.channel.k8s.io, what `skiff port-forward` and the Python client speak): `?ports=P` names
 * one port; the connection carries channel 0 (data) and 1 (errors) for it, every binary message
 * starting with its channel; the first message the server sends on each channel is the port,
 * two bytes little-endian. Each WebSocket is one TCP connection to the port, opened by the Pod's
 * agent (agent/exec/port-forwarder.ts) at the Pod's IP; when the Pod side closes, so does the
 * WebSocket. (kubectl 1.32's own port-forward tunnels SPDY instead: not served.)
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KubeObject } from '../../shared/api/object.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import { SkiffError } from '../../shared/errors.js';
import type { NodeStreams } from '../ingest/node-streams.js';

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';
const DATA = 0;
const ERROR = 1;

/** The one port the query asks for, checked as kubelet checks it. */
export function forwardedPort(query: URLSearchParams): number {
  const ports = (query.get('ports') ?? '').split(',').filter((p) => p !== '');
  if (ports.length !== 1) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'exactly one port must be given (?ports=N): one WebSocket per connection');
  const port = Number(ports[0]);
  if (!/^\d+$/.test(ports[0]!) || port < 1 || port > 65535) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `invalid port "${ports[0]}": must be a number from 1 to 65535`);
  return port;
}

const portBytes = (port: number): Buffer => Buffer.from([port & 0xff, port >> 8]);

export class PodPortForwardServer {
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has(PORT_FORWARD_PROTOCOL) ? PORT_FORWARD_PROTOCOL : false) });

  constructor(private readonly streams: Pick<NodeStreams, 'isConnected' | 'requestPortForward'>) {}

  accept(pod: KubeObject, query: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const port = forwardedPort(query);
    const node = ((pod.spec ?? {}) as PodSpec).nodeName;
    if (!node) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `pod ${pod.metadata.name} does not have a host assigned`);
    if (!this.streams.isConnected(node)) throw new SkiffError('SKIFF_ERR_UNREACHABLE', `node "${node}" is not connected to the hub: cannot forward to pod "${pod.metadata.name}"`);
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(PORT_FORWARD_PROTOCOL)) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `unable to upgrade connection: port-forward speaks ${PORT_FORWARD_PROTOCOL} only`);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.run(ws, pod, node, port));
  }

  close(): void {
    this.wss.close();
  }

  private run(ws: WebSocket, pod: KubeObject, node: string, port: number): void {
    let ended = false;
    ws.send(Buffer.concat([Buffer.from([DATA]), portBytes(port)]));
    ws.send(Buffer.concat([Buffer.from([ERROR]), portBytes(port)]));
    const stream = this.streams.requestPortForward(node, { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! }, port, {
      onData: (data) => ws.send(Buffer.concat([Buffer.from([DATA]), data])),
      onEnd: (error) => {
        ended = true;
        if (error !== undefined) ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(error)]));
        ws.close(1000);
      },
    });
    ws.on('message', (message: Buffer) => {
      if (message.length > 1 && message[0] === DATA) stream.stdin(message.subarray(1));
    });
    ws.on('close', () => {
      if (!ended) stream.cancel();
    });
    ws.on('error', () => stream.cancel());
  }
}
