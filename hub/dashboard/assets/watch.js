// @ts-check
/**
 * Live lists for the dashboard, the way client-go's informers keep them: list once, then watch
 * from the list's resourceVersion; a stream that ends is resumed from the last resourceVersion
 * seen; a 410 Expired (the hub's watch cache has moved past it) means list again. The watch is
 * asked for as server-sent events (`Accept: text/event-stream`, hub/api/watch.ts) and read with
 * fetch, because EventSource cannot send the Authorization header RBAC needs.
 */
import { ApiError } from './api.js';

/**
 * Splits SSE text into the data of each complete event (the WHATWG framing: events end at a
 * blank line, `data:` lines join with "\n", comments and other fields are ignored) and the
 * unfinished rest to prepend to the next chunk.
 * @param {string} buffer
 * @returns {{ data: string[], rest: string }}
 */
export function parseServerSentEvents(buffer) {
  const text = buffer.replace(/\r\n?/g, '\n');
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  const data = [];
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
    if (lines.length > 0) data.push(lines.join('\n'));
  }
  return { data, rest };
}

/**
 * `path` with `params` added to its query.
 * @param {string} path
 * @param {Record<string, string>} params
 */
export function withQuery(path, params) {
  const query = new URLSearchParams(params).toString();
  return query === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

/**
 * @param {{ metadata: { namespace?: string, name?: string } }} object
 */
export function objectKey(object) {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

/**
 * @typedef {{ onChange(items: any[]): void, onStatus?(error: unknown | undefined): void, retryMs?: number, maxRetryMs?: number, sleep?(ms: number, signal: AbortSignal): Promise<void> }} InformerOptions
 */

/** @type {(ms: number, signal: AbortSignal) => Promise<void>} */
const defaultSleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });

export class Informer {
  /**
   * @param {import('./api.js').Api} api
   * @param {string} path a collection's API path (no query)
   * @param {InformerOptions} options onChange gets every object after each change; onStatus the
   *   failure that interrupted the list or watch (undefined once it works again)
   */
  constructor(api, path, options) {
    this.api = api;
    this.path = path;
    this.options = options;
    /** @type {Map<string, any>} */
    this.objects = new Map();
    /** @type {string | undefined} the last resourceVersion seen; undefined: list first */
    this.resourceVersion = undefined;
    this.controller = new AbortController();
    /** How many times the collection was listed (a 410 relists). */
    this.lists = 0;
    /** @type {Promise<void> | undefined} */
    this.running = undefined;
  }

  /** Starts listing and watching until stop(). */
  start() {
    this.running ??= this.run();
    return this;
  }

  stop() {
    this.controller.abort();
  }

  items() {
    return [...this.objects.values()];
  }

  async run() {
    const signal = this.controller.signal;
    const sleep = this.options.sleep ?? defaultSleep;
    let delay = this.options.retryMs ?? 1000;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.list(signal);
        this.options.onStatus?.(undefined);
        await this.watch(signal);
        delay = this.options.retryMs ?? 1000;
      } catch (err) {
        if (signal.aborted) return;
        this.options.onStatus?.(err);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.options.maxRetryMs ?? 30_000);
      }
    }
  }

  /** @param {AbortSignal} signal */
  async list(signal) {
    const res = await this.api.send('GET', this.path, { signal });
    const list = await res.json();
    this.lists++;
    this.objects = new Map((list.items ?? []).map((/** @type {any} */ o) => [objectKey(o), o]));
    this.resourceVersion = list.metadata?.resourceVersion ?? '0';
    this.options.onChange(this.items());
  }

  /**
   * One watch request, until its stream ends.
   * @param {AbortSignal} signal
   */
  async watch(signal) {
    const path = withQuery(this.path, { watch: 'true', allowWatchBookmarks: 'true', resourceVersion: this.resourceVersion ?? '' });
    const res = await this.api.send('GET', path, { accept: 'text/event-stream', signal });
    const reader = /** @type {ReadableStream<Uint8Array>} */ (res.body).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const parsed = parseServerSentEvents(buffer + decoder.decode(value, { stream: true }));
      buffer = parsed.rest;
      for (const data of parsed.data) {
        if (!this.apply(JSON.parse(data))) {
          await reader.cancel();
          return;
        }
      }
    }
  }

  /**
   * Applies one watch event; false when the watch must stop (a 410 then also forgets the
   * resourceVersion so that the next round lists again).
   * @param {{ type: string, object: any }} event
   */
  apply(event) {
    if (event.type === 'ERROR') {
      if (event.object?.code === 410) {
        this.resourceVersion = undefined;
        return false;
      }
      throw new ApiError(event.object?.code ?? 500, event.object?.reason ?? 'Error', event.object?.message ?? 'watch failed');
    }
    this.resourceVersion = event.object?.metadata?.resourceVersion ?? this.resourceVersion;
    if (event.type === 'BOOKMARK') return true;
    if (event.type === 'DELETED') this.objects.delete(objectKey(event.object));
    else this.objects.set(objectKey(event.object), event.object);
    this.options.onChange(this.items());
    return true;
  }
}
