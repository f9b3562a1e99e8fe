/**
 * `skiff port-forward pod/NAME [LOCAL:]REMOTE...`: listens on LOCAL (on --address, 127.0.0.1 by
 * default) and carries each accepted connection to REMOTE of the Pod through the API's
 * pods/{name}/portforward WebSocket (hub/api/pod-portforward.ts), one WebSocket per connection.
 * Prints kubectl's "Forwarding from ..." lines and runs until interrupted. deployment/NAME and
 * the other workloads pick one of their Pods as `skiff logs` does.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { resolveResource, resourcePath } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError, errorMessage } from '../../../shared/errors.js';
import type { CliContext } from '../context.js';
import { podNameFor } from '../attachable-pod.js';

export interface PortForwardOptions {
  namespace?: string;
  address?: string;
}

const PROTOCOL = 'v4.channel.k8s.io';
const DATA = 0;
const ERROR = 1;

/** "8080", "8080:80" or ":80" (a free local port), as kubectl parses them. */
export function parsePortMapping(text: string): { local: number; remote: number } {
  const [localText, remoteText] = text.includes(':') ? text.split(':', 2) : [text, text];
  const port = (value: string | undefined, what: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value ?? '') || n > 65535 || (what === 'remote' && n < 1)) throw new SkiffError('SKIFF_ERR_CONFIG', `error: ${what} port "${value}" in "${text}" is not a valid port number`);
    return n;
  };
  return { local: localText === '' ? 0 : port(localText, 'local'), remote: port(remoteText, 'remote') };
}

export async function runPortForward(target: string, mappings: string[], options: PortForwardOptions, ctx: CliContext): Promise<void> {
  if (mappings.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'error: TYPE/NAME and list of ports are required for port-forward');
  const ports = mappings.map(parsePortMapping);
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const address = options.address ?? '127.0.0.1';
  const client = await ctx.connect();
  const pod = await podNameFor(target, namespace, client, ctx, 'port-forward');
  await client.get(resourcePath(resolveResource('pods')!, namespace, pod)); // NotFound before listening
  const path = `${resourcePath(resolveResource('pods')!, namespace, pod)}/portforward`;
  const servers: Server[] = [];
  for (const { local, remote } of ports) {
    const server = createServer({ allowHalfOpen: true }, (socket) => void forward(socket, remote));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new SkiffError('SKIFF_ERR_CONFIG', `unable to listen on port ${local}: ${errorMessage(err)}`)));
      server.listen({ host: address, port: local }, () => resolve());
    });
    const bound = (server.address() as { port: number }).port;
    ctx.io.stdout(`Forwarding from ${address}:${bound} -> ${remote}\n`);
    servers.push(server);
  }

  async function forward(socket: Socket, remote: number): Promise<void> {
    socket.pause();
    socket.on('error', () => undefined);
    ctx.io.stdout(`Handling connection for ${remote}\n`);
    let ws;
    try {
      ws = await client.websocket(path, new URLSearchParams({ ports: String(remote) }), [PROTOCOL]);
    } catch (err) {
      ctx.io.stderr(`error: ${errorMessage(err)}\n`);
      socket.destroy();
      return;
    }
    const prefixSeen = new Set<number>();
    ws.on('message', (message: Buffer) => {
      if (message.length === 0) return;
      const channel = message[0]!;
      let body = message.subarray(1);
      // The first message of each channel is the port, two bytes: not payload.
      if (!prefixSeen.has(channel)) {
        prefixSeen.add(channel);
        body = body.subarray(2);
      }
      if (body.length === 0) return;
      if (channel === DATA) socket.write(body);
      else if (channel === ERROR) ctx.io.stderr(`E ${new Date().toISOString()} portforward: an error occurred forwarding ${remote}: ${body.toString()}\n`);
    });
    ws.on('close', () => socket.end());
    ws.on('error', () => socket.destroy());
    socket.on('data', (data: Buffer) => ws.send(Buffer.concat([Buffer.from([DATA]), data])));
    socket.on('end', () => ws.close(1000));
    socket.on('close', () => ws.close(1000));
    socket.resume();
  }

  await ctx.io.waitForSignal();
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
}
