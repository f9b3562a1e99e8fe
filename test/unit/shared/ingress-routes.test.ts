/**
 * The Ingress routing core (shared/services/ingress-routes.ts): compileIngressRoutes flattens
 * Ingresses into routes, matchIngressRoute answers a request with Kubernetes' semantics, the
 * examples table of concepts/services-networking/ingress ("Examples", "Hostname wildcards")
 * included row by row.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../../helpers/repo.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { parseManifestText } from '../../../shared/manifest/parse.js';
import {
  compileIngressRoutes,
  matchIngressRoute,
  matchIngressTls,
  normalizeRequestHost,
  normalizeRequestPath,
  type IngressRoute,
} from '../../../shared/services/ingress-routes.js';

interface PathSpec {
  path?: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  service: string;
  port?: number | string;
}

interface IngressOptions {
  namespace?: string;
  created?: string;
  hosts?: Record<string, PathSpec[]>;
  defaultBackend?: string;
  tls?: Array<{ hosts?: string[]; secretName?: string }>;
}

const backend = (service: string, port: number | string = 80): object => ({ service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } });

/** An Ingress; the host '' of `hosts` is a rule without a host. */
function ingress(name: string, options: IngressOptions = {}): KubeObject {
  const rules = Object.entries(options.hosts ?? {}).map(([host, paths]) => ({
    ...(host === '' ? {} : { host }),
    http: { paths: paths.map((p) => ({ ...(p.path === undefined ? {} : { path: p.path }), pathType: p.pathType, backend: backend(p.service, p.port) })) },
  }));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: options.namespace ?? 'default', creationTimestamp: options.created ?? '2024-01-01T00:00:00Z' },
    spec: {
      ...(rules.length > 0 ? { rules } : {}),
      ...(options.defaultBackend ? { defaultBackend: backend(options.defaultBackend) } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    },
  };
}

const prefix = (path: string, service: string): PathSpec => ({ path, pathType: 'Prefix', service });
const exact = (path: string, service: string): PathSpec => ({ path, pathType: 'Exact', service });

/** The Service a request reaches, or undefined. */
function serviceFor(ingresses: KubeObject[], host: string | undefined, target: string): string | undefined {
  return matchIngressRoute(compileIngressRoutes(ingresses).routes, host, target)?.service;
}

t.test('compile: one route per path, ImplementationSpecific served as Prefix, the Service port by number or name', async (t) => {
  const compiled = compileIngressRoutes([
    ingress('shop', {
      namespace: 'prod',
      hosts: {
        'Shop.Example.com': [prefix('/api', 'api'), { pathType: 'ImplementationSpecific', service: 'web', port: 'http' }],
        '': [exact('/healthz', 'health')],
      },
    }),
  ]);
  t.same(compiled.routes, [
    { host: 'shop.example.com', path: '/api', pathType: 'Prefix', namespace: 'prod', service: 'api', port: 80, ingress: 'prod/shop' },
    { host: 'shop.example.com', path: '/', pathType: 'Prefix', namespace: 'prod', service: 'web', port: 'http', ingress: 'prod/shop' },
    { host: '', path: '/healthz', pathType: 'Exact', namespace: 'prod', service: 'health', port: 80, ingress: 'prod/shop' },
  ]);
  t.same(compiled.defaultBackends, []);
  t.same(compiled.shadowed, []);
  t.same(compileIngressRoutes([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }]).routes, [], 'other kinds are ignored');
  const undated = (name: string, service: string): KubeObject => {
    const object = ingress(name, { hosts: { 'a.example': [prefix('/', service)] } });
    delete object.metadata.creationTimestamp;
    return object;
  };
  t.equal(compileIngressRoutes([undated('b', 'from-b'), undated('a', 'from-a')]).routes[0]?.service, 'from-a', 'without timestamps: by namespace/name');
});

t.test('compile: a defaultBackend is the last route, host "" and "/" Prefix, and only the oldest is in force', async (t) => {
  const compiled = compileIngressRoutes([
    ingress('newer', { created: '2024-02-01T00:00:00Z', defaultBackend: 'fallback-b', hosts: { 'a.example': [prefix('/', 'a')] } }),
    ingress('older', { created: '2024-01-01T00:00:00Z', defaultBackend: 'fallback-a' }),
  ]);
  const fallback: IngressRoute = { host: '', path: '/', pathType: 'Prefix', namespace: 'default', service: 'fallback-a', port: 80, ingress: 'default/older', defaultBackend: true };
  t.same(compiled.defaultBackends, [fallback]);
  t.same(compiled.routes.at(-1), fallback);
  t.same(compiled.shadowed.map((r) => [r.ingress, r.service, r.defaultBackend]), [['default/newer', 'fallback-b', true]]);
});

t.test('compile: for an identical host, path and type the oldest Ingress wins, then namespace/name', async (t) => {
  const compiled = compileIngressRoutes([
    ingress('c', { created: '2024-03-01T00:00:00Z', hosts: { 'a.example': [prefix('/api/', 'from-c')] } }),
    ingress('b', { created: '2024-01-01T00:00:00Z', hosts: { 'a.example': [prefix('/api', 'from-b')] } }),
    ingress('a', { created: '2024-01-01T00:00:00Z', namespace: 'zz', hosts: { 'a.example': [prefix('/api', 'from-zz-a')] } }),
    ingress('d', { created: '2024-02-01T00:00:00Z', hosts: { 'a.example': [exact('/api', 'exact-d')] } }),
  ]);
  t.same(compiled.routes.map((r) => r.ingress), ['default/b', 'default/d'], 'Prefix /api/ is Prefix /api: one of them; Exact /api is another route');
  t.same(compiled.shadowed.map((r) => r.ingress), ['zz/a', 'default/c']);
  t.equal(matchIngressRoute(compiled.routes, 'a.example', '/api')?.service, 'exact-d');
  t.equal(matchIngressRoute(compiled.routes, 'a.example', '/api/x')?.service, 'from-b');
  const all = [ingress('c', { created: '2024-03-01T00:00:00Z', hosts: { 'a.example': [prefix('/api', 'from-c')] } }), ingress('b', { created: '2024-01-01T00:00:00Z', hosts: { 'a.example': [prefix('/api', 'from-b')] } })];
  t.equal(serviceFor(all, 'a.example', '/api/x'), 'from-b');
  t.equal(serviceFor([...all].reverse(), 'a.example', '/api/x'), 'from-b', 'whatever the input order');
});

t.test('compile: tls, one certificate per host (the oldest Ingress), entries without secretName left out', async (t) => {
  const compiled = compileIngressRoutes([
    ingress('new', { created: '2024-02-01T00:00:00Z', namespace: 'b', defaultBackend: 'x', tls: [{ hosts: ['a.example'], secretName: 'new-cert' }, { hosts: ['c.example'] }] }),
    ingress('old', { created: '2024-01-01T00:00:00Z', namespace: 'a', defaultBackend: 'x', tls: [{ hosts: ['A.example', '*.wild.example'], secretName: 'old-cert' }, { secretName: 'catch-all' }] }),
  ]);
  t.same(compiled.tls, [
    { host: 'a.example', namespace: 'a', secretName: 'old-cert' },
    { host: '*.wild.example', namespace: 'a', secretName: 'old-cert' },
    { host: '', namespace: 'a', secretName: 'catch-all' },
  ]);
  t.equal(matchIngressTls(compiled.tls, 'a.example')?.secretName, 'old-cert');
  t.equal(matchIngressTls(compiled.tls, 'x.wild.example')?.secretName, 'old-cert');
  t.equal(matchIngressTls(compiled.tls, 'y.x.wild.example')?.secretName, 'catch-all', 'a wildcard covers one label');
  t.equal(matchIngressTls(compiled.tls, undefined)?.secretName, 'catch-all', 'no SNI');
  t.equal(matchIngressTls([{ host: 'a.example', namespace: 'a', secretName: 's' }], 'b.example'), undefined);
});

// concepts/services-networking/ingress, "Examples": kind, rule paths, request path, match.
const DOCS_EXAMPLES: Array<[string, PathSpec[], string, boolean]> = [
  ['Prefix', [prefix('/', 'svc')], '/', true],
  ['Prefix', [prefix('/', 'svc')], '/anything/at/all', true],
  ['Exact', [exact('/foo', 'svc')], '/foo', true],
  ['Exact', [exact('/foo', 'svc')], '/bar', false],
  ['Exact', [exact('/foo', 'svc')], '/foo/', false],
  ['Exact', [exact('/foo/', 'svc')], '/foo', false],
  ['Prefix', [prefix('/foo', 'svc')], '/foo', true],
  ['Prefix', [prefix('/foo', 'svc')], '/foo/', true],
  ['Prefix', [prefix('/foo/', 'svc')], '/foo', true],
  ['Prefix', [prefix('/foo/', 'svc')], '/foo/', true],
  ['Prefix', [prefix('/aaa/bb', 'svc')], '/aaa/bbb', false],
  ['Prefix', [prefix('/aaa/bbb', 'svc')], '/aaa/bbb', true],
  ['Prefix', [prefix('/aaa/bbb/', 'svc')], '/aaa/bbb', true], // ignores trailing slash
  ['Prefix', [prefix('/aaa/bbb', 'svc')], '/aaa/bbb/', true], // matches trailing slash
  ['Prefix', [prefix('/aaa/bbb', 'svc')], '/aaa/bbb/ccc', true], // matches subpath
  ['Prefix', [prefix('/aaa/bbb', 'svc')], '/aaa/bbbxyz', false], // does not match string prefix
  ['Prefix', [prefix('/', 'root'), prefix('/aaa', 'svc')], '/aaa/ccc', true], // matches /aaa prefix
  ['Prefix', [prefix('/', 'root'), prefix('/aaa', 'aaa'), prefix('/aaa/bbb', 'svc')], '/aaa/bbb', true], // matches /aaa/bbb prefix
  ['Prefix', [prefix('/', 'svc'), prefix('/aaa', 'aaa'), prefix('/aaa/bbb', 'bbb')], '/ccc', true], // matches / prefix
  ['Prefix', [prefix('/aaa', 'svc')], '/ccc', false], // uses default backend
  ['Mixed', [prefix('/foo', 'prefix'), exact('/foo', 'svc')], '/foo', true], // prefers Exact
];

t.test('the examples table of the Kubernetes documentation, row by row', async (t) => {
  for (const [kind, paths, request, matches] of DOCS_EXAMPLES) {
    const rules = paths.map((p) => `${p.pathType} ${p.path}`).join(', ');
    t.equal(serviceFor([ingress('ex', { hosts: { '': paths } })], 'any.example', request), matches ? 'svc' : undefined, `${kind} [${rules}] ${request}: ${matches ? 'match' : 'no match'}`);
    // The row with no match falls to the default backend, when there is one.
    t.equal(serviceFor([ingress('ex', { hosts: { '': paths }, defaultBackend: 'default' })], 'any.example', request), matches ? 'svc' : 'default');
  }
});

t.test('longest path wins whatever the rule order; Exact beats Prefix only at equal length', async (t) => {
  const paths = [prefix('/a', 'a'), prefix('/a/b/c', 'abc'), exact('/a/b', 'exact-ab'), prefix('/a/b', 'ab')];
  const ing = [ingress('x', { hosts: { 'h.example': paths } })];
  t.equal(serviceFor(ing, 'h.example', '/a/b/c/d'), 'abc');
  t.equal(serviceFor(ing, 'h.example', '/a/b'), 'exact-ab');
  t.equal(serviceFor(ing, 'h.example', '/a/b/'), 'ab', 'Exact /a/b is not /a/b/');
  t.equal(serviceFor(ing, 'h.example', '/a/x'), 'a');
  t.equal(serviceFor([ingress('x', { hosts: { 'h.example': [exact('/a', 'short-exact'), prefix('/a/b', 'long-prefix')] } })], 'h.example', '/a/b'), 'long-prefix');
  // Across Ingresses, the same host's rules are merged before the longest path is chosen.
  const split = [ingress('one', { hosts: { 'h.example': [prefix('/', 'root')] } }), ingress('two', { hosts: { 'h.example': [prefix('/api', 'api')] } })];
  t.equal(serviceFor(split, 'h.example', '/api/v1'), 'api');
});

t.test('the query string and fragment are no part of the path', async (t) => {
  const ing = [ingress('x', { hosts: { '': [exact('/foo', 'svc')] } })];
  t.equal(serviceFor(ing, 'h', '/foo?bar=/baz'), 'svc');
  t.equal(serviceFor(ing, 'h', '/foo#x'), 'svc');
  t.equal(serviceFor(ing, 'h', '/foo/?a'), undefined);
});

// concepts/services-networking/ingress, "Hostname wildcards".
t.test('hosts: the docs wildcard table, case and port ignored, exact host before wildcard', async (t) => {
  const ing = [ingress('x', { hosts: { 'foo.bar.com': [prefix('/', 'exact-host')], '*.foo.com': [prefix('/', 'wildcard')] } })];
  t.equal(serviceFor(ing, 'bar.foo.com', '/'), 'wildcard', 'matches based on shared suffix');
  t.equal(serviceFor(ing, 'baz.bar.foo.com', '/'), undefined, 'no match, wildcard only covers a single DNS label');
  t.equal(serviceFor(ing, 'foo.com', '/'), undefined, 'no match, wildcard only covers a single DNS label');
  t.equal(serviceFor(ing, 'FOO.Bar.COM:8080', '/x'), 'exact-host', 'case-insensitive, without the port');
  t.equal(serviceFor(ing, 'foo.bar.com.', '/x'), 'exact-host', 'a fully qualified name with its final dot');
  t.equal(serviceFor(ing, 'other.example', '/'), undefined);
  t.equal(serviceFor(ing, undefined, '/'), undefined, 'no Host header: host rules do not match');
  const both = [ingress('x', { hosts: { '*.foo.com': [prefix('/', 'wildcard')], 'bar.foo.com': [prefix('/', 'exact-host')] } })];
  t.equal(serviceFor(both, 'bar.foo.com', '/'), 'exact-host', 'an exact host rule beats a wildcard whatever the order');
  t.equal(serviceFor(both, 'qux.foo.com', '/'), 'wildcard');
});

t.test('a host tier gives way to the next only when none of its paths matches; the default backend is last', async (t) => {
  const ing = [
    ingress('x', {
      hosts: {
        'foo.bar.com': [prefix('/bar', 'service1')],
        '*.bar.com': [prefix('/wild', 'wild')],
        '': [prefix('/foo', 'service2'), prefix('/bar/baz', 'no-host-deeper')],
      },
      defaultBackend: 'fallback',
    }),
  ];
  t.equal(serviceFor(ing, 'foo.bar.com', '/bar/x'), 'service1');
  t.equal(serviceFor(ing, 'foo.bar.com', '/bar/baz'), 'service1', 'a matching host rule wins over a longer host-less path');
  t.equal(serviceFor(ing, 'foo.bar.com', '/wild'), 'wild', 'the exact host has no such path: the wildcard');
  t.equal(serviceFor(ing, 'foo.bar.com', '/foo'), 'service2', 'neither host rule has it: the rules without a host');
  t.equal(serviceFor(ing, 'other.example', '/foo'), 'service2', 'a rule without a host serves every host');
  t.equal(serviceFor(ing, 'foo.bar.com', '/nothing'), 'fallback');
  t.equal(serviceFor(ing, '10.0.0.5:80', '/nothing'), 'fallback', 'an IP in the Host header only reaches host-less rules');
  t.same(matchIngressRoute(compileIngressRoutes(ing).routes, 'a', '/x')?.defaultBackend, true);
});

t.test('the request path is normalised before matching, as nginx does', async (t) => {
  const table: Array<[string, string | undefined]> = [
    ['/', '/'],
    ['/a/b', '/a/b'],
    ['/a/b?x=1', '/a/b'],
    ['/a//b', '/a/b'],
    ['/a/./b', '/a/b'],
    ['/a/b/../c', '/a/c'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/a/', '/a/'],
    ['/a/..', '/'],
    ['/%61pi', '/api'],
    ['/a%2Fb', '/a/b'],
    ['/a%2f..%2fb', '/b'],
    ['/.well-known/x', '/.well-known/x'],
    ['/..', undefined],
    ['/a/../../b', undefined],
    ['/%zz', undefined],
    ['a/b', undefined],
    ['*', undefined],
    ['', undefined],
  ];
  for (const [target, normalised] of table) t.equal(normalizeRequestPath(target), normalised, JSON.stringify(target));
  const ing = [ingress('x', { hosts: { '': [prefix('/public', 'public'), prefix('/admin', 'admin')] } })];
  t.equal(serviceFor(ing, 'h', '/public/../admin/users'), 'admin', 'not routed by its first element');
  t.equal(serviceFor(ing, 'h', '/public/%2e%2e/admin'), 'admin');
  t.equal(serviceFor(ing, 'h', '/public/../../admin'), undefined, 'above the root: refused');
});

t.test('normalizeRequestHost: lowercase, no port, no final dot', async (t) => {
  const table: Array<[string | undefined, string]> = [
    ['Example.COM', 'example.com'],
    ['example.com:8443', 'example.com'],
    ['example.com.', 'example.com'],
    ['[::1]:8080', '[::1]'],
    ['::1', '::1'],
    ['10.0.0.1:80', '10.0.0.1'],
    ['', ''],
    [undefined, ''],
  ];
  for (const [header, host] of table) t.equal(normalizeRequestHost(header), host, String(header));
});

t.test('matching reuses the index of a routes array and agrees with a fresh one', async (t) => {
  const compiled = compileIngressRoutes([ingress('x', { hosts: { 'a.example': [prefix('/a', 'a')], '': [prefix('/', 'root')] } })]);
  for (let i = 0; i < 3; i++) t.equal(matchIngressRoute(compiled.routes, 'a.example', '/a/1')?.service, 'a');
  t.equal(matchIngressRoute([...compiled.routes], 'a.example', '/b')?.service, 'root', 'a copy is indexed on its own');
  t.equal(matchIngressRoute([], 'a.example', '/'), undefined, 'no routes, no match');
});

t.test('docs/examples/ingress.yaml routes as its comment says', async (t) => {
  const text = readFileSync(join(repoRoot(), 'docs', 'examples', 'ingress.yaml'), 'utf8');
  const objects = parseManifestText(text, 'ingress.yaml').documents.map((d) => d.object as KubeObject);
  const { routes, tls } = compileIngressRoutes(objects);
  const table: Array<[string, string, string | undefined]> = [
    ['shop.example.com', '/api/orders', 'api'],
    ['shop.example.com', '/apix', 'web'],
    ['shop.example.com', '/', 'web'],
    ['blog.example.com', '/api/feed?page=2', 'api'],
    ['blog.example.com', '/api/feed/2', 'web'],
    ['blog.example.com', '/anything', 'web'],
    ['other.example.com', '/', undefined],
  ];
  for (const [host, target, service] of table) t.equal(matchIngressRoute(routes, host, target)?.service, service, `${host}${target}`);
  t.same(tls.map((entry) => [entry.host, entry.secretName]), [['shop.example.com', 'example-tls'], ['blog.example.com', 'example-tls']]);
});
