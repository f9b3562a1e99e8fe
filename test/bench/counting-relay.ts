/**
 * A TCP relay that keeps every chunk it forwards, with its direction and arrival time, so a
 * benchmark can count the bytes an agent's link carries (issue #10, target 8) and decode them
 * afterwards (wire-frames.ts). The chunks are kept whole: an agent's link carries a few kB a
 * minute, and keeping them is what lets one window be read as TCP chunks, TLS records or MQTT
 * packets alike. test/helpers/throttled-forwarder.ts paces instead of counting, so it is not
 * reused here.
 *
 * On loopback a chunk is what one write() of the sender put on the socket (MSS 65483); on a real
 * link a chunk larger than one segment's payload is several segments (wire-frames.ts estimates).
 */
import { createConnection, createServer, type Socket } from 'node:net';

/** up: client (the agent) to target (the hub); down: the other way. */
export type Direction = 'up' | 'down';

export interface RelayedChunk {
  atMs: number;
  direction: Direction;
  bytes: Buffer;
  /** Which accepted connection it belongs to (1, 2, ...): a reconnect starts a new byte stream. */
  connection: number;
}

export interface CountingRelay {
  /** Every chunk forwarded so far, in arrival order. */
  readonly chunks: readonly RelayedChunk[];
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startCountingRelay(options: {
  listen: { host: string; port: number };
  target: { host: string; port: number };
  now?: () => number;
}): Promise<CountingRelay> {
  const now = options.now ?? (() => performance.now());
  const chunks: RelayedChunk[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    const connection = ++connections;
    const upstream = createConnection(options.target.port, options.target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Either side failing ends the pair, as a dropped link would: the agent reconnects itself.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const relay = (from: Socket, to: Socket, direction: Direction): void => {
      from.on('data', (bytes: Buffer) => {
        chunks.push({ atMs: now(), direction, bytes, connection });
        // Backpressure as pipe() would: the link never buffers more than the receiver takes.
        if (!to.write(bytes)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      from.on('end', () => to.end());
    };
    relay(client, upstream, 'up');
    relay(upstream, client, 'down');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, resolve);
  });
  return {
    chunks,
    get connections() {
      return connections;
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
