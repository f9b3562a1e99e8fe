/**
 * The web dashboard's files (issue #9, docs/dashboard.md), served by the hub under /dashboard/
 * without authentication: they hold no data. Everything the page shows it reads from the API
 * with the user's own bearer token, so RBAC applies to the dashboard exactly as to kubectl.
 *
 * Two sources, both fixed at start:
 * - the client (hub/dashboard/assets/: HTML, CSS, plain ES modules, no build step), one flat
 *   directory whose file names are the only ones served;
 * - compiled hub modules the browser imports under /dashboard/lib/: the pure rollout logic of
 *   `skiff rollout undo` (hub/cli/rollout-logic.ts) and the modules it imports, followed from
 *   those entry points and nothing else, so that the dashboard's undo is the CLI's code, not a copy.
 * Headers: a strict Content-Security-Policy ('self' only, no inline script or style), nosniff,
 * no framing, and `Cache-Control: no-cache` with an ETag: a browser revalidates (a 304 costs a
 * few bytes) and never runs a page older than the hub it talks to.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_PATH = '/dashboard/';
const LIB_PATH = `${DASHBOARD_PATH}lib/`;

/** 'self' only: the page's own modules, styles and API calls; nothing inline, nothing elsewhere. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** The compiled modules (paths under the compiled root) the browser imports; what they import is served too. */
export const BROWSER_ENTRY_MODULES: readonly string[] = ['hub/cli/rollout-logic.js', 'shared/api/annotations.js'];

/** `import ... from '...'`, `export ... from '...'` and `import '...'` in compiled ES modules. */
const IMPORT_SPECIFIER = /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;

/**
 * The modules one compiled module imports, as paths under the same root: relative specifiers
 * only (a bare one, such as `node:fs`, is returned as it is written, for the caller to refuse).
 */
export function importsOf(source: string, modulePath: string): string[] {
  return [...source.matchAll(IMPORT_SPECIFIER)].map(([, specifier]) =>
    specifier!.startsWith('.') ? posix.normalize(posix.join(posix.dirname(modulePath), specifier!)) : specifier!,
  );
}

/**
 * The entry modules and everything they import, transitively; a module that is not there (the
 * hub runs from its sources) is left out, and so is what only it would have brought.
 */
export async function browserModules(compiledRoot: string, entries: readonly string[] = BROWSER_ENTRY_MODULES): Promise<Set<string>> {
  const found = new Set<string>();
  const queue = [...entries];
  for (let module = queue.shift(); module !== undefined; module = queue.shift()) {
    if (found.has(module) || module.startsWith('..') || !module.endsWith('.js')) continue;
    const source = await readFile(join(compiledRoot, ...module.split('/')), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (source === undefined) continue;
    found.add(module);
    queue.push(...importsOf(source, module));
  }
  return found;
}

export interface DashboardFiles {
  /** The client's directory (index.html and its modules). */
  assetsDir: string;
  /** Where BROWSER_MODULES are found: dist/ when the hub runs compiled. */
  compiledRoot: string;
}

/**
 * Where the files are for this hub. Compiled (dist/hub/dashboard/), the client is in the
 * package's hub/dashboard/assets/ (tsc copies no .js from a TypeScript tree) and the modules in
 * dist/; from the sources (tsx) the client is beside this file and the compiled modules do not
 * exist, so /dashboard/lib/ answers 404 and the page says undo is unavailable.
 */
export function defaultDashboardFiles(moduleUrl: string = import.meta.url): DashboardFiles {
  const here = fileURLToPath(new URL('.', moduleUrl));
  const beside = join(here, 'assets');
  const inPackage = join(here, '..', '..', '..', 'hub', 'dashboard', 'assets');
  return { assetsDir: existsSync(join(beside, 'index.html')) ? beside : inPackage, compiledRoot: join(here, '..', '..') };
}

/** A request the dashboard answers: its files, or a browser's `GET /` (kubectl's `GET /` is left to the API). */
export function isDashboardRequest(method: string, pathname: string, accept: string | undefined): boolean {
  if (pathname === '/') return method === 'GET' && (accept ?? '').includes('text/html');
  return pathname === '/dashboard' || pathname.startsWith(DASHBOARD_PATH);
}

/**
 * The file behind a dashboard path, or undefined (404). Only one flat level of plain names is
 * served from the assets, and only allowlisted modules from the compiled root, so no spelling
 * of `..`, a hidden file or a subdirectory can reach anything else.
 */
export function resolveDashboardFile(files: DashboardFiles, pathname: string, modules: ReadonlySet<string>): string | undefined {
  if (!pathname.startsWith(DASHBOARD_PATH)) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(pathname.slice(DASHBOARD_PATH.length));
  } catch {
    return undefined; // malformed percent-encoding names no file
  }
  if (name === '') return join(files.assetsDir, 'index.html');
  if (pathname.startsWith(LIB_PATH)) {
    const module = name.slice('lib/'.length);
    return modules.has(module) ? join(files.compiledRoot, ...module.split('/')) : undefined;
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)+$/.test(name) || CONTENT_TYPES[extname(name)] === undefined) return undefined;
  return join(files.assetsDir, name);
}

function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': DASHBOARD_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  };
}

function plain(res: ServerResponse, code: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(code, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** Each compiled root's browser modules, found on the first request for one. */
const modulesByRoot = new Map<string, Promise<Set<string>>>();

/** Answers one request for which isDashboardRequest is true. */
export async function serveDashboard(files: DashboardFiles, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const method = req.method ?? 'GET';
  if (pathname === '/' || pathname === '/dashboard') {
    res.writeHead(302, { Location: DASHBOARD_PATH, 'Content-Length': 0 });
    res.end();
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') return plain(res, 405, `${method} is not allowed on the dashboard's files\n`, { Allow: 'GET, HEAD' });
  let modules: ReadonlySet<string> = new Set();
  if (pathname.startsWith(LIB_PATH)) {
    if (!modulesByRoot.has(files.compiledRoot)) {
      const finding = browserModules(files.compiledRoot);
      modulesByRoot.set(files.compiledRoot, finding);
      finding.catch(() => modulesByRoot.delete(files.compiledRoot)); // the request fails with the error; the next one tries again
    }
    modules = await modulesByRoot.get(files.compiledRoot)!;
  }
  const file = resolveDashboardFile(files, pathname, modules);
  const info = file === undefined ? undefined : await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (file === undefined || info === undefined || !info.isFile()) return plain(res, 404, 'not found\n');
  const etag = `W/"${createHash('sha1').update(`${file}:${info.size}:${info.mtimeMs}`).digest('hex').slice(0, 20)}"`;
  const headers = { ...securityHeaders(), 'Content-Type': CONTENT_TYPES[extname(file)]!, 'Cache-Control': 'no-cache', ETag: etag };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, { ...headers, 'Content-Length': body.length });
  res.end(method === 'HEAD' ? undefined : body);
}
