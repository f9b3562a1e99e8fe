/**
 * A real hub API (createApiServer on a SqliteStore in a temp dir, no broker or controllers) on a
 * free port, and a reader for its watch streams, for the watch tests of the API and the CLI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { createLogger } from '../../../shared/log.js';
import { applyDefaults } from '../../../hub/api/defaults.js';
import { createApiServer, type ApiDependencies } from '../../../hub/api/server.js';
import { watchEvents, type WatchEvent } from '../../../hub/cli/watch-stream.js';
import { printTable } from '../../../hub/printers/registry.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { waitFor } from '../../helpers/wait.js';
import { pod, type PodOptions } from './fixtures.js';

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
  let store = reuse?.store;
  if (!store) {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-watch-'));
    store = new SqliteStore(join(dir, 'hub.db'));
    const opened = store;
    t.teardown(async () => {
      await opened.close();
      rmSync(dir, { recursive: true, force: true });
    });
    for (const name of ['default', 'edge']) await store.create(namespaces, applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  }
  const server = createApiServer({ store, logger: createLogger('hub', 'silent'), adminToken: ADMIN_TOKEN, joinToken: 'join', mqttPort: 1883, printTable, ...(watch ? { watch } : {}) });
  await new Promise<void>((resolve) => server.listen(reuse?.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(stop);
  const s = store;
  return {
    url: `http://127.0.0.1:${port}`,
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
