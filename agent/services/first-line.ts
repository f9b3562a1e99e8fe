/**
 * Reads the relay protocol's one line off a socket (relay-protocol.ts, bounded by MAX_LINE_BYTES)
 * and pauses it: the caller gets the line and whatever bytes came after it in the same reads,
 * which belong to the connection's payload and must be passed on. Both ends of a relayed
 * connection use it: the relay for the request, the proxy for the answer.
 */
import type { Socket } from 'node:net';
import { takeLine } from './relay-protocol.js';

export function readFirstLine(socket: Socket, done: (result: { line: string; rest: Buffer } | Error) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    let taken: ReturnType<typeof takeLine>;
    try {
      taken = takeLine(buffered);
    } catch (err) {
      socket.off('data', onData);
      return done(err as Error);
    }
    if (!taken) return;
    socket.off('data', onData);
    socket.pause();
    done(taken);
  };
  socket.on('data', onData);
}
