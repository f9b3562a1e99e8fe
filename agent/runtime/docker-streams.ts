/**
 * Docker's streaming answers, read the same way by both Docker clients (engine-api.ts,
 * dockerode-api.ts): events and pull progress come as newline-delimited JSON.
 */
import { StringDecoder } from 'node:string_decoder';
import type { DockerEvent, EventSubscription } from './docker-api.js';

/** Delivers each JSON object as its line completes, whatever the chunking (split UTF-8 included). */
export function onJsonLines(stream: NodeJS.ReadableStream, onLine: (value: Record<string, unknown>) => void): void {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  stream.on('data', (chunk: Buffer | string) => {
    buffer += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // a malformed line carries nothing to act on; the next resync covers it
      }
      if (typeof value === 'object' && value !== null) onLine(value as Record<string, unknown>);
    }
  });
}

/**
 * Turns an open `/events` stream into a subscription: each event mapped to a DockerEvent, and
 * `onEnd` called exactly once when the stream ends, fails or closes (dockerd restarting), but not
 * after the subscriber closed it.
 */
export function eventSubscription(
  stream: NodeJS.ReadableStream & { destroy(): void },
  onEvent: (event: DockerEvent) => void,
  onEnd: (err?: Error) => void,
): EventSubscription {
  let ended = false;
  const end = (err?: Error): void => {
    if (ended) return;
    ended = true;
    onEnd(err);
  };
  onJsonLines(stream, (line) => {
    const actor = line.Actor as { ID?: string } | undefined;
    onEvent({ action: String(line.Action ?? line.status ?? ''), id: String(actor?.ID ?? line.id ?? '') });
  });
  stream.on('error', (err: Error) => end(err));
  stream.on('end', () => end());
  stream.on('close', () => end());
  return {
    close: () => {
      ended = true;
      stream.destroy();
    },
  };
}
