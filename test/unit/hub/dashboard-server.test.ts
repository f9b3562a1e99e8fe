/**
 * The dashboard's file server (hub/dashboard/serve-dashboard.ts): content types, the strict CSP
 * and cache headers on every file, 404 for anything not in the client's flat directory or not
 * reachable from the browser's entry modules (no spelling of `..` gets out), and the `GET /`
 * redirect for browsers only, kubectl's `GET /` unchanged.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import {
  BROWSER_ENTRY_MODULES,
  DASHBOARD_CSP,
  browserModules,
  defaultDashboardFiles,
  importsOf,
  isDashboardRequest,
  serveDashboard,
  type DashboardFiles,
} from '../../../hub/dashboard/serve-dashboard.js';
import { repoRoot } from '../../helpers/repo.js';
import { listenApi, tempApiStore } from './api-server-rig.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A client directory and a compiled root with a module graph: rollout-logic -> errors, annotations; secret.js unreachable. */
function fixture(t: Teardown): DashboardFiles & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-dashboard-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const assetsDir = join(dir, 'assets');
  const compiledRoot = join(dir, 'dist');
  mkdirSync(join(assetsDir, 'folder.js'), { recursive: true });
  writeFileSync(join(assetsDir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(assetsDir, 'app.js'), "import './api.js';\n");
  writeFileSync(join(assetsDir, 'dashboard.css'), 'body{}');
  writeFileSync(join(assetsDir, 'icon.svg'), '<svg/>');
  writeFileSync(join(assetsDir, '.hidden.js'), 'secret');
  writeFileSync(join(dir, 'outside.js'), 'outside');
  mkdirSync(join(compiledRoot, 'hub', 'cli'), { recursive: true });
  mkdirSync(join(compiledRoot, 'shared', 'api'), { recursive: true });
  writeFileSync(join(compiledRoot, 'hub', 'cli', 'rollout-logic.js'), "import { SkiffError } from '../../shared/errors.js';\nimport { A } from '../../shared/api/annotations.js';\n");
  writeFileSync(join(compiledRoot, 'shared', 'errors.js'), 'export class SkiffError extends Error {}\n');
  writeFileSync(join(compiledRoot, 'shared', 'api', 'annotations.js'), 'export const A = 1;\n');
  writeFileSync(join(compiledRoot, 'hub', 'secret.js'), 'export const token = 1;\n');
  return { dir, assetsDir, compiledRoot };
}

/** serveDashboard alone on a port, as the API server calls it. */
async function serve(t: Teardown, files: DashboardFiles): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    serveDashboard(files, req, res, url.pathname).catch((err: Error) => {
      res.writeHead(500).end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

t.test('files go out with their content type, the CSP, nosniff and revalidation', async (t) => {
  const base = await serve(t, fixture(t));
  for (const [path, type] of [
    ['/dashboard/', 'text/html; charset=utf-8'],
    ['/dashboard/index.html', 'text/html; charset=utf-8'],
    ['/dashboard/app.js', 'text/javascript; charset=utf-8'],
    ['/dashboard/dashboard.css', 'text/css; charset=utf-8'],
    ['/dashboard/icon.svg', 'image/svg+xml'],
    ['/dashboard/lib/hub/cli/rollout-logic.js', 'text/javascript; charset=utf-8'],
  ] as const) {
    const res = await fetch(base + path);
    t.equal(res.status, 200, path);
    t.equal(res.headers.get('content-type'), type, path);
    t.equal(res.headers.get('content-security-policy'), DASHBOARD_CSP, path);
    t.equal(res.headers.get('x-content-type-options'), 'nosniff');
    t.equal(res.headers.get('x-frame-options'), 'DENY');
    t.equal(res.headers.get('cache-control'), 'no-cache', 'revalidated on every load: never a page older than its hub');
    t.match(res.headers.get('etag'), /^W\/"[0-9a-f]{20}"$/);
  }
  t.match(DASHBOARD_CSP, /script-src 'self'; style-src 'self';/, 'no inline script or style');
  t.notMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval|\*/);
  t.equal(await (await fetch(`${base}/dashboard/app.js`)).text(), "import './api.js';\n");
});

t.test('an unchanged file answers 304 to its ETag; HEAD sends no body', async (t) => {
  const base = await serve(t, fixture(t));
  const first = await fetch(`${base}/dashboard/app.js`);
  const again = await fetch(`${base}/dashboard/app.js`, { headers: { 'if-none-match': first.headers.get('etag')! } });
  t.equal(again.status, 304);
  t.equal(await again.text(), '');
  const head = await fetch(`${base}/dashboard/app.js`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(head.headers.get('content-length'), String(Buffer.byteLength("import './api.js';\n")));
  t.equal(await head.text(), '');
});

t.test('only GET and HEAD', async (t) => {
  const base = await serve(t, fixture(t));
  const res = await fetch(`${base}/dashboard/app.js`, { method: 'POST', body: 'x' });
  t.equal(res.status, 405);
  t.equal(res.headers.get('allow'), 'GET, HEAD');
  t.equal(res.headers.get('content-security-policy'), DASHBOARD_CSP);
});

t.test('unknown files, hidden files, subdirectories and every spelling of .. are 404', async (t) => {
  const files = fixture(t);
  const base = await serve(t, files);
  for (const path of [
    '/dashboard/nope.js',
    '/dashboard/.hidden.js',
    '/dashboard/folder.js',
    '/dashboard/app',
    '/dashboard/app.exe',
    '/dashboard/..%2foutside.js',
    '/dashboard/%2e%2e%2foutside.js',
    '/dashboard/%2E%2E/outside.js',
    '/dashboard/..%5coutside.js',
    '/dashboard/sub/app.js',
    '/dashboard/%E0%A4%A',
    '/dashboard/app.js%00.css',
    '/dashboard/lib/hub/secret.js',
    '/dashboard/lib/hub/cli/../secret.js',
    '/dashboard/lib/..%2fhub/secret.js',
    '/dashboard/lib/',
    `/dashboard/lib/${join(files.compiledRoot, 'shared', 'errors.js')}`,
  ]) {
    const res = await fetch(base + path);
    t.equal(res.status, 404, path);
    t.equal(await res.text(), 'not found\n', path);
  }
});

t.test('the compiled modules served are the entry modules and what they import, nothing else', async (t) => {
  const base = await serve(t, fixture(t));
  for (const module of ['hub/cli/rollout-logic.js', 'shared/errors.js', 'shared/api/annotations.js']) {
    t.equal((await fetch(`${base}/dashboard/lib/${module}`)).status, 200, module);
  }
  t.same(BROWSER_ENTRY_MODULES, ['hub/cli/rollout-logic.js', 'shared/api/annotations.js']);
});

t.test('a file that cannot be read fails the request instead of passing for missing', async (t) => {
  const files = fixture(t);
  const base = await serve(t, files);
  const res = await fetch(`${base}/dashboard/${'a'.repeat(300)}.js`);
  t.equal(res.status, 500, 'ENAMETOOLONG is not a 404');
  t.match(await res.text(), /ENAMETOOLONG/);

  const broken = fixture(t);
  rmSync(join(broken.compiledRoot, 'hub', 'cli', 'rollout-logic.js'));
  mkdirSync(join(broken.compiledRoot, 'hub', 'cli', 'rollout-logic.js'));
  const brokenBase = await serve(t, broken);
  const first = await fetch(`${brokenBase}/dashboard/lib/shared/errors.js`);
  t.equal(first.status, 500, 'an entry module that is a directory');
  t.match(await first.text(), /EISDIR/);
  rmSync(join(broken.compiledRoot, 'hub', 'cli', 'rollout-logic.js'), { recursive: true });
  writeFileSync(join(broken.compiledRoot, 'hub', 'cli', 'rollout-logic.js'), "import '../../shared/errors.js';\n");
  t.equal((await fetch(`${brokenBase}/dashboard/lib/shared/errors.js`)).status, 200, 'a failed search is not remembered');
});

t.test('a missing client directory is 404, not a crash', async (t) => {
  const files = fixture(t);
  const base = await serve(t, { ...files, assetsDir: join(files.dir, 'outside.js') });
  t.equal((await fetch(`${base}/dashboard/`)).status, 404, 'ENOTDIR');
  const gone = await serve(t, { ...files, assetsDir: join(files.dir, 'none') });
  t.equal((await fetch(`${gone}/dashboard/app.js`)).status, 404, 'ENOENT');
});

t.test('importsOf: relative specifiers as paths under the root, bare ones as written', async (t) => {
  const source = [
    "import { a } from './a.js';",
    "import * as b from '../shared/b.js';",
    "export { c } from './sub/c.js';",
    "import './side-effect.js';",
    "import { readFile } from 'node:fs';",
    'export const d = "import x from \'./not-an-import.js\'";',
  ].join('\n');
  t.same(importsOf(source, 'hub/cli/x.js'), ['hub/cli/a.js', 'hub/shared/b.js', 'hub/cli/sub/c.js', 'hub/cli/side-effect.js', 'node:fs']);
});

t.test('browserModules follows imports from the entries, skips what is missing or outside the root', async (t) => {
  const files = fixture(t);
  writeFileSync(join(files.compiledRoot, 'shared', 'errors.js'), "import '../../outside.js';\nimport 'node:fs';\nimport './missing.js';\n");
  const found = await browserModules(files.compiledRoot);
  t.same([...found].sort(), ['hub/cli/rollout-logic.js', 'shared/api/annotations.js', 'shared/errors.js']);
  t.same([...(await browserModules(files.compiledRoot, ['nothing.js']))], [], 'no entry, no module');
});

t.test('the compiled modules the real dashboard imports run in a browser: relative imports only', async (t) => {
  // The suite runs from dist/ (npm run build first); the browser gets these files as they are there.
  const modules = await browserModules(join(repoRoot(), 'dist'));
  for (const entry of BROWSER_ENTRY_MODULES) t.ok(modules.has(entry), `${entry} is built`);
  const { readFile } = await import('node:fs/promises');
  for (const module of modules) {
    const bare = importsOf(await readFile(join(repoRoot(), 'dist', module), 'utf8'), module).filter((m) => !m.endsWith('.js') || m.startsWith('..'));
    t.same(bare, [], `${module} imports nothing a browser cannot load (node:*, packages)`);
  }
});

t.test('defaultDashboardFiles: the client beside the sources, or in the package from dist/', async (t) => {
  const root = repoRoot();
  t.same(defaultDashboardFiles(pathToFileURL(join(root, 'hub', 'dashboard', 'serve-dashboard.ts')).href), {
    assetsDir: join(root, 'hub', 'dashboard', 'assets'),
    compiledRoot: root,
  });
  t.same(defaultDashboardFiles(pathToFileURL(join(root, 'dist', 'hub', 'dashboard', 'serve-dashboard.js')).href), {
    assetsDir: join(root, 'hub', 'dashboard', 'assets'),
    compiledRoot: join(root, 'dist'),
  });
  t.ok(defaultDashboardFiles().assetsDir.endsWith(join('hub', 'dashboard', 'assets')));
});

t.test('isDashboardRequest: its paths, and GET / only for a browser', async (t) => {
  t.ok(isDashboardRequest('GET', '/', 'text/html,application/xhtml+xml,*/*;q=0.8'));
  t.notOk(isDashboardRequest('GET', '/', 'application/json'), "kubectl's GET / stays the API's");
  t.notOk(isDashboardRequest('GET', '/', undefined));
  t.notOk(isDashboardRequest('POST', '/', 'text/html'));
  t.ok(isDashboardRequest('GET', '/dashboard', undefined));
  t.ok(isDashboardRequest('GET', '/dashboard/app.js', undefined));
  t.ok(isDashboardRequest('DELETE', '/dashboard/app.js', undefined), 'answered (405) by the dashboard, not the API');
  t.notOk(isDashboardRequest('GET', '/dashboards', undefined));
  t.notOk(isDashboardRequest('GET', '/api/v1/pods', 'text/html'));
});

t.test('through the API server: public files, the browser redirect, kubectl unchanged', async (t) => {
  const { store } = await tempApiStore(t);
  const { url } = await listenApi(t, { store, adminToken: 'admin' });
  const page = await fetch(`${url}/dashboard/`);
  t.equal(page.status, 200, 'no token needed: the files hold no data');
  t.match(await page.text(), /<script type="module" src="app.js"><\/script>/);
  t.equal(page.headers.get('content-security-policy'), DASHBOARD_CSP);

  const browser = await fetch(`${url}/`, { headers: { accept: 'text/html,*/*' }, redirect: 'manual' });
  t.equal(browser.status, 302);
  t.equal(browser.headers.get('location'), '/dashboard/');
  const bare = await fetch(`${url}/dashboard`, { redirect: 'manual' });
  t.equal(bare.status, 302);
  t.equal(bare.headers.get('location'), '/dashboard/');

  const kubectl = await fetch(`${url}/`, { headers: { accept: 'application/json' } });
  t.equal(kubectl.status, 401, 'without a token, as before');
  const withToken = await fetch(`${url}/`, { headers: { accept: 'application/json', authorization: 'Bearer admin' } });
  t.equal(withToken.status, 404, 'with one, as before');
  t.equal(((await withToken.json()) as { kind: string }).kind, 'Status');
});
