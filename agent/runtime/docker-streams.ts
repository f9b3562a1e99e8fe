/**
 * Docker's streaming answers, read the same way by both Docker clients (engine-api.ts,
 * dockerode-api.ts): events and pull progress come as newline-delimited JSON, exec output as a
 * multiplexed stream.
 */
import { StringDecoder } from 'node:string_decoder';
import type { PullProgress } from '../../shared/pull-progress-message.js';
import { EXEC_OUTPUT_LIMIT, type DockerEvent, type EventSubscription } from './docker-api.js';
import { PullProgressAggregator } from './pull-progress.js';

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
 * Reads a pull's stream to its end: resolves when the image is there, rejects with the engine's
 * message when the pull failed (the engine answers 200 and reports a failure as an {"error": ...}
 * line). `onProgress` gets the pull's summary after each line that may have changed it.
 */
export function followPull(stream: NodeJS.ReadableStream, onProgress?: (progress: PullProgress) => void): Promise<void> {
  const aggregator = new PullProgressAggregator();
  return new Promise<void>((resolve, reject) => {
    let failed: string | undefined;
    onJsonLines(stream, (line) => {
      if (typeof line.error === 'string') failed ??= line.error;
      else if (aggregator.add(line)) onProgress?.(aggregator.progress());
    });
    stream.on('end', () => (failed ? reject(new Error(failed)) : resolve()));
    stream.on('error', reject);
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

/**
 * Collects a non-TTY exec stream: frames of an 8-byte header (stream type, 3 zero bytes,
 * big-endian payload size) and payload, stdout and stderr interleaved. Keeps at most `limit`
 * bytes of payload; resolves when the stream ends (the command exited). After timeoutMs it
 * destroys the stream and rejects as kubelet words it: `command "..." timed out`.
 */
export function collectMultiplexed(
  stream: NodeJS.ReadableStream & { destroy(): void },
  options: { timeoutMs: number; command: readonly string[]; limit?: number },
): Promise<string> {
  const limit = options.limit ?? EXEC_OUTPUT_LIMIT;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`command ${JSON.stringify(options.command.join(' '))} timed out`));
    }, options.timeoutMs);
    const kept: Buffer[] = [];
    let keptBytes = 0;
    onMultiplexedFrames(stream, (payload) => {
      if (keptBytes >= limit) return;
      const part = payload.subarray(0, limit - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    });
    stream.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    stream.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(kept).toString('utf8'));
    });
  });
}

/**
 * Demultiplexes a non-TTY stream of the engine (logs, attach): frames of an 8-byte header (stream
 * type, 3 zero bytes, big-endian payload size) and payload. Calls onPayload for each frame's
 * bytes, in order, with its stream type (0 stdin, 1 stdout, 2 stderr).
 */
export function onMultiplexedFrames(stream: NodeJS.ReadableStream, onPayload: (payload: Buffer, streamType: number) => void): void {
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer | string) => {
    pending = Buffer.concat([pending, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      onPayload(Buffer.from(pending.subarray(8, 8 + size)), pending[0]!);
      pending = pending.subarray(8 + size);
    }
  });
}
