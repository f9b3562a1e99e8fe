/**
 * The hub's API server (hub/api/server.ts) on a fresh SQLite store, listening on 127.0.0.1, for
 * tests that talk HTTP to it without a whole hub: one place for the listen, the teardown (closed
 * the way runHub closes it, connections first) and the dependencies every such test passes alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyDefaults } from '../../../hub/api/defaults.js';
import { ensureBootstrapPolicy } from '../../../hub/auth/bootstrap-policy.js';
import { createServiceAccountToken } from '../../../hub/auth/service-account-tokens.js';
import { createApiServer, type ApiDependencies } from '../../../hub/api/server.js';
import { printTable } from '../../../hub/printers/registry.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { createLogger } from '../../../shared/log.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A store in a temporary directory (`dir`, for the test's own files too), closed and removed in `t`'s teardown; `namespaces` are created in it. */
export async function tempApiStore(t: Teardown, namespaces: readonly string[] = []): Promise<{ store: SqliteStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-api-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const name of namespaces) await store.create(resolveResource('namespaces')!, applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  return { store, dir };
}

/** What the API answered a call: the status code, the JSON body (a Status on failure) and the `Warning` header. */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  warning: string | null;
}

export interface CallOptions {
  /** The body's media type (a patch type, say); application/json unless said. */
  contentType?: string;
  /** The bearer token; the admin token the API was started with unless said. */
  token?: string;
  /** More headers: impersonation, a User-Agent (as pairs for a header said twice). */
  headers?: Record<string, string> | Array<[string, string]>;
}

export interface ListeningApi {
  url: string;
  port: number;
  server: Server;
  /** Closes the server (idempotent; also done in teardown), leaving the store open. */
  stop(): Promise<void>;
  /** One request: `body`, when given, is sent as is if a string (YAML, a malformed body), else as JSON. */
  call(method: string, path: string, body?: unknown, options?: CallOptions): Promise<ApiAnswer>;
}

/**
 * Serves `deps.store` until `t`'s teardown (registered after the store's, so it runs first). Only
 * the store and the admin token are required; the rest defaults to a silent logger, join token
 * "join", MQTT port 1883 and the real Table printers. `port` reuses a port (a "restarted" server).
 */
export async function listenApi(
  t: Teardown,
  deps: Partial<ApiDependencies> & Pick<ApiDependencies, 'store' | 'adminToken'>,
  port = 0,
): Promise<ListeningApi> {
  const server = createApiServer({ logger: createLogger('hub', 'silent'), joinToken: 'join', mqttPort: 1883, printTable, ...deps });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(stop);
  const url = `http://127.0.0.1:${bound}`;
  const call = async (method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<ApiAnswer> => {
    const headers = new Headers(options.headers);
    headers.set('authorization', `Bearer ${options.token ?? deps.adminToken}`);
    if (body !== undefined) headers.set('content-type', options.contentType ?? 'application/json');
    const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, warning: res.headers.get('warning') };
  };
  return { url, port: bound, server, stop, call };
}

/**
 * A ServiceAccount default/viewer bound to the ClusterRole `view` in its namespace (the bootstrap
 * policy is ensured; the namespace must exist), and a token of it.
 */
export async function viewerServiceAccountToken(store: SqliteStore): Promise<string> {
  await ensureBootstrapPolicy(store);
  await store.create(resolveResource('serviceaccounts')!, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'viewer', namespace: 'default' } });
  await store.create(resolveResource('rolebindings')!, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'viewer-view', namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: 'default' }],
  });
  const issued = (await createServiceAccountToken(store, 'default', 'viewer', {}, new Date())) as { status: { token: string } };
  return issued.status.token;
}
