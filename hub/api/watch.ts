/**
 * `GET <collection>?watch=true`: Kubernetes' watch protocol over plain HTTP, as kube-apiserver
 * serves it (k8s.io/apiserver/pkg/endpoints/handlers/watch.go): status 200, `Content-Type:
 * application/json`, a chunked body of one meta/v1 WatchEvent per line, `{"type","object"}`.
 *
 * - resourceVersion N: the changes after N (from the watch cache), then live ones; N older than
 *   the cache remembers answers one ERROR event holding a 410 Expired Status, as the apiserver
 *   does once a request is past authentication (cacher.go: "errors must fail with a watch event
 *   of type ERROR, rather than a directly returned error").
 * - resourceVersion "" or "0": a synthetic ADDED for every object in scope now, then changes.
 * - labelSelector / fieldSelector (fieldSelector=metadata.name=X watches one object), with the
 *   apiserver's transitions: starting to match is ADDED, ceasing to match is DELETED.
 * - `Accept: ...;as=Table;g=meta.k8s.io`: each event's object is a one-row Table; only the first
 *   carries columnDefinitions (the apiserver sets NoHeaders after the first event).
 * - allowWatchBookmarks=true: a BOOKMARK with the newest revision every bookmarkIntervalMs.
 * - `Accept: text/event-stream` (the web dashboard, docs/dashboard.md): the same events framed as
 *   server-sent events, one `data: <WatchEvent>` per event, `Content-Type: text/event-stream`.
 * - The stream ends at timeoutSeconds (default: random in [30, 60) min, the apiserver's
 *   --min-request-timeout rule), when the client goes away, or when the hub shuts down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import { SkiffError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Store } from '../store/store.js';
import { statusFromError } from './status.js';
import type { CachedChange, WatchCache } from './watch-cache.js';
import { bookmarkObject, eventForWatcher, initialEvents, type ObjectWatchEvent, type WatchEvent, type WatchScope } from './watch-events.js';

export interface WatchSettings {
  /** How often a watch that allows bookmarks gets one (kube-apiserver: about once a minute). */
  bookmarkIntervalMs: number;
  /** A watch without timeoutSeconds ends after a random time in [this, 2 x this) (--min-request-timeout). */
  minRequestTimeoutSeconds: number;
  /** A client that leaves this much unread is dropped (it resumes from its last resourceVersion). */
  maxBufferedBytes: number;
  /** In [0, 1): spreads the default timeouts so that watchers do not all come back at once. */
  random: () => number;
}

export const DEFAULT_WATCH_SETTINGS: WatchSettings = {
  bookmarkIntervalMs: 60_000,
  minRequestTimeoutSeconds: 1_800,
  maxBufferedBytes: 16 * 1024 * 1024,
  random: Math.random,
};

/** A Table for one object; `columnDefinitions` is null on every event after the first, as Go encodes a nil slice. */
export type OneRowTablePrinter = (resource: ResourceType, object: KubeObject, now: Date) => Record<string, unknown>;

export interface WatchRequest {
  /** undefined: start with the current state ("" and "0"). */
  resourceVersion: number | undefined;
  timeoutMs: number;
  allowBookmarks: boolean;
}

/** Server-sent events framing instead of newline-delimited JSON (same events, same order). */
export function wantsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').includes('text/event-stream');
}

/** `watch=true` or `watch=1` (Go's strconv.ParseBool accepts both, and t, T, TRUE, True). */
export function isWatchRequest(query: URLSearchParams): boolean {
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(query.get('watch') ?? '');
}

export function parseWatchRequest(query: URLSearchParams, settings: Pick<WatchSettings, 'minRequestTimeoutSeconds' | 'random'>): WatchRequest {
  const rv = query.get('resourceVersion') ?? '';
  if (rv !== '' && !/^\d+$/.test(rv)) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `invalid resource version: ${JSON.stringify(rv)}`);
  const timeout = query.get('timeoutSeconds') ?? '';
  if (timeout !== '' && !/^\d+$/.test(timeout)) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `invalid timeoutSeconds: ${JSON.stringify(timeout)}`);
  const seconds = Number(timeout) > 0 ? Number(timeout) : settings.minRequestTimeoutSeconds * (1 + settings.random());
  return {
    resourceVersion: rv === '' || rv === '0' ? undefined : Number(rv),
    timeoutMs: seconds * 1000,
    allowBookmarks: query.get('allowWatchBookmarks') === 'true',
  };
}

/** The objects in scope and the revision they were read at. */
async function snapshot(store: Store, scope: WatchScope): Promise<{ objects: KubeObject[]; revision: number }> {
  // A list is consistent at revision R when the revision did not move while it was read. With
  // no luck after a few tries, starting from the earlier revision can show a change twice,
  // never miss one.
  for (let attempt = 1; ; attempt++) {
    const before = await store.revision();
    const objects = await store.list(scope.resource, scope.namespace);
    const after = await store.revision();
    if (before === after || attempt === 3) return { objects, revision: before };
  }
}

export class WatchServer {
  constructor(
    private readonly store: Store,
    private readonly cache: WatchCache,
    private readonly printRow: OneRowTablePrinter,
    private readonly logger: Logger,
    private readonly settings: WatchSettings = DEFAULT_WATCH_SETTINGS,
  ) {}

  /** Serves one watch; resolves when its response is over. Throws (before any byte is sent) on bad parameters. */
  async serve(req: IncomingMessage, res: ServerResponse, scope: WatchScope, table: boolean): Promise<void> {
    const query = new URL(req.url ?? '/', 'http://hub.invalid').searchParams;
    const request = parseWatchRequest(query, this.settings);
    let initial: ObjectWatchEvent[] = [];
    let from: number;
    let current: number;
    if (request.resourceVersion === undefined) {
      const state = await snapshot(this.store, scope);
      initial = initialEvents(state.objects, scope);
      from = current = state.revision;
    } else {
      from = request.resourceVersion;
      current = await this.store.revision();
    }
    // From here to subscribe() nothing awaits: no change can fall between replay and live.
    const replay = this.cache.since(from, current);
    const sse = wantsEventStream(req.headers.accept);
    res.writeHead(200, { 'Content-Type': sse ? 'text/event-stream' : 'application/json', 'Cache-Control': 'no-cache, private' });
    if (!replay.ok) {
      res.end(frame({ type: 'ERROR', object: statusFromError(replay.error) }, sse));
      return;
    }
    // Clients wait for the headers before they read events: send them even when none follow yet.
    res.flushHeaders();
    const stream = new WatchStream(res, scope, table, this.printRow, sse);
    for (const event of initial) stream.send(event);
    let newest = Math.max(from, current);
    const deliver = (change: CachedChange): void => {
      // A change at or before `from` is in the initial list already, or before what the client
      // asked for. With SQLite none arrives; a PostgreSQL hub (issue #11) can read a list that
      // holds another hub's write before that write's change reaches its watch cache.
      if (change.revision <= from) return;
      newest = Math.max(newest, change.revision);
      const event = eventForWatcher(change, scope);
      if (event) stream.send(event);
    };
    for (const change of replay.changes) deliver(change);

    const log = this.logger.child({ component: 'watch', resource: scope.resource.plural, namespace: scope.namespace });
    return new Promise<void>((resolve) => {
      const unsubscribe = this.cache.subscribe(
        (change) => {
          // This runs inside the store's write path: a failing watcher must end itself, never
          // throw into the writer.
          try {
            deliver(change);
            if (res.writableLength > this.settings.maxBufferedBytes) {
              log.warn({ buffered: res.writableLength }, 'dropping a watch that does not read');
              res.destroy();
            }
          } catch (err) {
            log.error({ err }, 'watch failed');
            res.destroy();
          }
        },
        (from, to) => {
          // The hub missed changes (watch-cache.ts restartAfterGap): this watch cannot go on
          // without a hole; as an expired resourceVersion, the client lists again.
          log.warn({ from, to }, 'ending a watch: the hub missed changes');
          const expired = new SkiffError('SKIFF_ERR_EXPIRED', `too old resource version: ${newest} (${to - 1})`);
          res.end(frame({ type: 'ERROR', object: statusFromError(expired) }, sse));
        },
      );
      const timeout = setTimeout(() => res.end(), request.timeoutMs);
      const bookmarks = request.allowBookmarks
        ? setInterval(() => stream.write({ type: 'BOOKMARK', object: bookmarkObject(scope.resource, newest) }), this.settings.bookmarkIntervalMs)
        : undefined;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        unsubscribe();
        clearTimeout(timeout);
        clearInterval(bookmarks);
        resolve();
      };
      res.once('close', finish);
      // The client may have left while the snapshot was read: 'close' is then already past.
      if (res.closed || req.socket.destroyed) finish();
    });
  }
}

/** One event on the wire: a JSON line, or an SSE `data:` field (JSON has no raw newline to split it). */
export function frame(event: WatchEvent, sse: boolean): string {
  return sse ? `data: ${JSON.stringify(event)}\n\n` : `${JSON.stringify(event)}\n`;
}

/** Encodes events for one response: objects as they are, or one-row Tables. */
class WatchStream {
  private first = true;

  constructor(
    private readonly res: ServerResponse,
    private readonly scope: WatchScope,
    private readonly table: boolean,
    private readonly printRow: OneRowTablePrinter,
    private readonly sse: boolean,
  ) {}

  send(event: ObjectWatchEvent): void {
    if (!this.table) return this.write(event);
    const table = this.printRow(this.scope.resource, event.object, new Date());
    this.write({ type: event.type, object: this.first ? table : { ...table, columnDefinitions: null } });
    this.first = false;
  }

  write(event: WatchEvent): void {
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(frame(event, this.sse));
  }
}
