/**
 * A TCP forwarder on 127.0.0.1 that slows the answers of its target to a set rate, shared by all
 * connections (dockerd downloads three layers at once): a registry behind it serves a pull slowly
 * enough to watch its progress (issue #9), while dockerd still trusts it as a loopback registry.
 * Requests go upstream untouched; only the bytes coming back are paced.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface ThrottledForwarder {
  /** "127.0.0.1:PORT", to name images by. */
  host: string;
  close(): Promise<void>;
}

export async function startThrottledForwarder(target: { host: string; port: number }, bytesPerSecond: number): Promise<ThrottledForwarder> {
  const sockets = new Set<Socket>();
  // When the shared link is free again: each chunk books chunk/rate seconds of it.
  let linkFreeAtMs = 0;
  const server = createServer((client) => {
    const upstream = createConnection(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Either side failing ends the pair; dockerd retries or reports the pull's failure itself.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    client.on('end', () => upstream.end());
    upstream.on('data', (chunk: Buffer) => {
      const nowMs = Date.now();
      linkFreeAtMs = Math.max(nowMs, linkFreeAtMs) + (chunk.length * 1000) / bytesPerSecond;
      upstream.pause();
      setTimeout(() => {
        client.write(chunk);
        upstream.resume();
      }, linkFreeAtMs - nowMs);
    });
    upstream.on('end', () => {
      // Whatever is still being paced goes out first.
      setTimeout(() => client.end(), Math.max(0, linkFreeAtMs - Date.now()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
