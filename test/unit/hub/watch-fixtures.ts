/**
 * A real hub API (createApiServer on a SqliteStore in a temp dir, no broker or controllers) on a
 * free port, and a reader for its watch streams, for the watch tests of the API and the CLI.
 */
import type { Server } from 'node:http';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { createApiServer, type ApiDependencies } from '../../../hub/api/server.js';
import { watchEvents, type WatchEvent } from '../../../hub/cli/watch-stream.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { waitFor } from '../../helpers/wait.js';
import { pod, type PodOptions } from './fixtures.js';
import { listenApi, tempApiStore } from './api-server-rig.js';

export const ADMIN_TOKEN = 'admin-token';
export const pods = resolveResource('pods')!;
const namespaces = resolveResource('namespaces')!;

export interface TestApi {
  url: string;
  port: number;
  store: SqliteStore;
  server: Server;
  /** Creates a Pod in the store (as a controller would) and returns it as stored. */
  addPod(name: string, options?: PodOptions): Promise<KubeObject>;
  /** Rewrites a Pod's labels. */
  relabel(name: string, labels: Record<string, string>, namespace?: string): Promise<KubeObject>;
  /** Closes the server the way runHub does (connections first), leaving the store open. */
  stop(): Promise<void>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function startApi(t: Teardown, watch?: ApiDependencies['watch'], reuse?: { store: SqliteStore; port: number }): Promise<TestApi> {
  const store = reuse?.store ?? (await tempApiStore(t, ['default', 'edge'])).store;
  const { url, port, server, stop } = await listenApi(t, { store, adminToken: ADMIN_TOKEN, ...(watch ? { watch } : {}) }, reuse?.port);
  const s = store;
  return {
    url,
    port,
    store: s,
    server,
    addPod: (name, options) => s.create(pods, pod(name, options)),
    async relabel(name, labels, namespace = 'default') {
      const current = (await s.get(pods, namespace, name))!;
      return s.update(pods, { ...current, metadata: { ...current.metadata, labels } });
    },
    stop,
  };
}

/** Reads one watch response in the background; tests wait for what they expect. */
export class WatchReader {
  readonly events: WatchEvent[] = [];
  ended = false;
  failure: unknown;
  private constructor(
    readonly status: number,
    readonly contentType: string | null,
    private readonly controller: AbortController,
  ) {}

  static async open(api: { url: string }, path: string, options: { accept?: string; token?: string } = {}): Promise<WatchReader> {
    const controller = new AbortController();
    const response = await fetch(`${api.url}${path}`, {
      headers: { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`, accept: options.accept ?? 'application/json' },
      signal: controller.signal,
    });
    const reader = new WatchReader(response.status, response.headers.get('content-type'), controller);
    if (!response.ok) {
      reader.failure = await response.json();
      reader.ended = true;
      return reader;
    }
    void (async () => {
      try {
        for await (const event of watchEvents(response.body!)) reader.events.push(event);
      } catch (err) {
        reader.failure = err;
      }
      reader.ended = true;
    })();
    return reader;
  }

  /** The events so far once there are at least `count`. */
  async take(count: number): Promise<WatchEvent[]> {
    return waitFor(`${count} watch events`, () => this.events.length >= count && this.events.slice(0, count), { intervalMs: 5, timeoutMs: 10_000 });
  }

  async end(): Promise<void> {
    await waitFor('the watch to end', () => this.ended, { intervalMs: 5, timeoutMs: 10_000 });
  }

  close(): void {
    this.controller.abort();
  }
}

/** "ADDED web-1@5": an event in one line, for comparing sequences. */
export function brief(event: WatchEvent): string {
  const object = event.object as { kind?: string; metadata?: { name?: string; resourceVersion?: string }; rows?: Array<{ cells: unknown[] }> };
  const name = object.kind === 'Table' ? String(object.rows?.[0]?.cells[0]) : object.metadata?.name;
  return `${event.type} ${name ?? ''}@${object.metadata?.resourceVersion}`;
}
