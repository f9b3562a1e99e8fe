/**
 * Joins two TCP connections both ways (the proxy's client and its endpoint), half-closes carried
 * across (allowHalfOpen on both: a client that shuts its writing side still gets the answer), and
 * an error on either side tears down both, so no socket outlives its partner.
 */
import type { Socket } from 'node:net';

export function splice(a: Socket, b: Socket): void {
  const kill = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', kill);
  b.on('error', kill);
  a.on('close', (hadError) => (hadError ? kill() : b.end()));
  b.on('close', (hadError) => (hadError ? kill() : a.end()));
  a.pipe(b);
  b.pipe(a);
}
