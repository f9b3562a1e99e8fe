/**
 * Reads a watch response body: one meta/v1 WatchEvent (`{"type","object"}`) per line, as the
 * hub and kube-apiserver frame JSON watch streams. Chunks may split or join lines anyhow.
 */
import { SkiffError, errorMessage } from '../../shared/errors.js';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: { metadata?: { resourceVersion?: string }; [field: string]: unknown };
}

const TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * The events of one watch response. A body that breaks off (the hub went away) throws
 * SKIFF_ERR_UNREACHABLE, so that callers can tell it from a stream that made no sense.
 */
export async function* watchEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<WatchEvent> {
  const decoder = new TextDecoder();
  const chunks = body[Symbol.asyncIterator]();
  let pending = '';
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw new SkiffError('SKIFF_ERR_UNREACHABLE', `the watch stream broke off: ${errorMessage(err)}`, { cause: err });
      }
      if (next.done) break;
      pending += decoder.decode(next.value, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== '') yield parseEvent(line);
      }
    }
  } finally {
    // A reader that stops early (an error, a re-list) lets go of the response.
    await chunks.return?.();
  }
  pending += decoder.decode();
  if (pending.trim() !== '') yield parseEvent(pending.trim());
}

export function parseEvent(line: string): WatchEvent {
  let event: Partial<WatchEvent>;
  try {
    event = JSON.parse(line) as Partial<WatchEvent>;
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_BAD_MESSAGE', `the watch stream sent a line that is not JSON: ${line.slice(0, 200)}`, { cause: err });
  }
  if (typeof event !== 'object' || event === null || !TYPES.has(String(event.type)) || typeof event.object !== 'object' || event.object === null) {
    throw new SkiffError('SKIFF_ERR_BAD_MESSAGE', `the watch stream sent something that is not a watch event: ${line.slice(0, 200)}`);
  }
  return event as WatchEvent;
}
