/**
 * The routing core of Ingress (issue #8), pure and shared: the hub can show what will be routed,
 * and the agent's proxy (which imports this file, so no zod here: types only from shared/api)
 * answers each request with it.
 *
 * compileIngressRoutes flattens every Ingress into routes once per change; matchIngressRoute is
 * the per-request half, and only walks lists sorted in advance (no regular expression, no sort).
 * Semantics are Kubernetes' (concepts/services-networking/ingress, "Path types", "Hostname
 * wildcards" and the examples table there), and where Kubernetes leaves it to the controller,
 * ingress-nginx's:
 * - host: compared case-insensitively, without the port; `*.foo.com` covers exactly one more label;
 *   an exact host beats a wildcard, which beats the rules without a host; a tier is left for the
 *   next only when none of its paths matches, and the default backends come last;
 * - path: Prefix matches element-wise on '/' (a trailing slash in the rule is ignored), Exact as
 *   written; the longest path wins, Exact before Prefix at equal length; ImplementationSpecific is
 *   served as Prefix; the query string is no part of the path;
 * - conflicts: for an identical host, path and type, the oldest Ingress wins (creationTimestamp,
 *   then namespace/name), as ingress-nginx does; the losers are returned as `shadowed`.
 * The request path is normalised as nginx does before matching (percent-decoding, `//`, `.` and
 * `..`), so that `/public/../admin` is not routed as `/public`.
 * `ingressClassName` is not looked at: Skiff has one ingress implementation, which serves all.
 */
import { DEFAULTS } from '../defaults.js';
import type { KubeObject } from '../api/object.js';
import type { Ingress, IngressBackend } from '../api/schema/ingress.js';

export interface IngressRoute {
  /** Lowercase host or `*.suffix` wildcard; '' = any host. */
  host: string;
  /** As the rule wrote it ('/' for an ImplementationSpecific rule without a path). */
  path: string;
  pathType: 'Exact' | 'Prefix';
  namespace: string;
  service: string;
  /** The Service port: its number, or its name. */
  port: number | string;
  /** namespace/name of the Ingress, for logs. */
  ingress: string;
  /** Set on the route an Ingress's `spec.defaultBackend` becomes: it matches only when no rule does. */
  defaultBackend?: true;
}

export interface IngressTls {
  /** Lowercase host or `*.suffix` wildcard; '' when the TLS entry lists no hosts. */
  host: string;
  namespace: string;
  secretName: string;
}

export interface CompiledIngressRoutes {
  /** Every rule's route, then the default backend: what matchIngressRoute takes. */
  routes: IngressRoute[];
  /** One certificate per host, the oldest Ingress's; entries without a secretName are left out. */
  tls: IngressTls[];
  /** The default backend in force (the oldest Ingress's), also the last of `routes`; empty when none. */
  defaultBackends: IngressRoute[];
  /** Routes and default backends that lost to an older Ingress's identical one, for events and logs. */
  shadowed: IngressRoute[];
}

/** Oldest first, then by namespace/name: the order in which conflicting Ingresses win. */
function byAge(a: Ingress, b: Ingress): number {
  const time = (i: Ingress): number => {
    const parsed = Date.parse(i.metadata.creationTimestamp ?? '');
    return Number.isNaN(parsed) ? Number.POSITIVE_INFINITY : parsed;
  };
  const timeA = time(a);
  const timeB = time(b);
  if (timeA !== timeB) return timeA < timeB ? -1 : 1;
  const keyA = ingressKey(a);
  const keyB = ingressKey(b);
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}

function ingressKey(ingress: Ingress): string {
  return `${ingress.metadata.namespace ?? DEFAULTS.namespace}/${ingress.metadata.name ?? ''}`;
}

/** The Service a backend names, or undefined for one the API would have refused. */
function serviceOf(backend: IngressBackend | undefined): { service: string; port: number | string } | undefined {
  const service = backend?.service;
  const port = service?.port?.number || service?.port?.name;
  if (!service?.name || port === undefined || port === '') return undefined;
  return { service: service.name, port };
}

const SLASH = 0x2f;

/** The path a Prefix rule compares with: no trailing slash, '' for '/'. */
function prefixKey(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === SLASH) end--;
  return path.slice(0, end);
}

/** ImplementationSpecific is ours to define: Skiff serves it as Prefix (ingress-nginx does too, without regex annotations). */
const SERVED_AS: ReadonlyMap<string, IngressRoute['pathType']> = new Map([
  ['Exact', 'Exact'],
  ['Prefix', 'Prefix'],
  ['ImplementationSpecific', 'Prefix'],
]);

function conflictKey(route: IngressRoute): string {
  return `${route.host} ${route.pathType} ${route.pathType === 'Prefix' ? prefixKey(route.path) : route.path}`;
}

export function compileIngressRoutes(ingresses: readonly KubeObject[]): CompiledIngressRoutes {
  const ordered = ingresses.filter((o) => o.kind === 'Ingress').map((o) => o as unknown as Ingress).sort(byAge);
  const routes: IngressRoute[] = [];
  const defaults: IngressRoute[] = [];
  const shadowed: IngressRoute[] = [];
  const tls: IngressTls[] = [];
  const taken = new Set<string>();
  const certified = new Set<string>();
  for (const object of ordered) {
    const namespace = object.metadata.namespace ?? DEFAULTS.namespace;
    const ingress = ingressKey(object);
    for (const rule of object.spec.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      for (const path of rule.http?.paths ?? []) {
        const target = serviceOf(path.backend);
        const pathType = SERVED_AS.get(path.pathType ?? '');
        if (target === undefined || pathType === undefined) continue;
        const route: IngressRoute = { host, path: path.path || '/', pathType, namespace, ...target, ingress };
        const key = conflictKey(route);
        if (taken.has(key)) shadowed.push(route);
        else routes.push(route);
        taken.add(key);
      }
    }
    const fallback = serviceOf(object.spec.defaultBackend);
    if (fallback !== undefined) {
      const route: IngressRoute = { host: '', path: '/', pathType: 'Prefix', namespace, ...fallback, ingress, defaultBackend: true };
      if (defaults.length > 0) shadowed.push(route);
      else defaults.push(route);
    }
    for (const entry of object.spec.tls ?? []) {
      if (!entry.secretName) continue;
      const hosts = entry.hosts && entry.hosts.length > 0 ? entry.hosts : [''];
      for (const raw of hosts) {
        const host = raw.toLowerCase();
        if (certified.has(host)) continue;
        certified.add(host);
        tls.push({ host, namespace, secretName: entry.secretName });
      }
    }
  }
  return { routes: [...routes, ...defaults], tls, defaultBackends: defaults, shadowed };
}

interface CompiledRoute {
  route: IngressRoute;
  exact: boolean;
  /** Exact: the path as written; Prefix: prefixKey of it. */
  key: string;
}

interface RouteIndex {
  byHost: Map<string, CompiledRoute[]>;
  /** `*.foo.com` rules under 'foo.com'. */
  byWildcardSuffix: Map<string, CompiledRoute[]>;
  anyHost: CompiledRoute[];
  fallback: IngressRoute | undefined;
}

/** Longest path first, Exact before Prefix at equal length, then the compiled order (oldest first). */
function byPrecedence(a: CompiledRoute, b: CompiledRoute): number {
  if (a.key.length !== b.key.length) return b.key.length - a.key.length;
  if (a.exact !== b.exact) return a.exact ? -1 : 1;
  return 0;
}

function buildIndex(routes: readonly IngressRoute[]): RouteIndex {
  const index: RouteIndex = { byHost: new Map(), byWildcardSuffix: new Map(), anyHost: [], fallback: undefined };
  const add = (map: Map<string, CompiledRoute[]>, key: string, entry: CompiledRoute): void => {
    const list = map.get(key);
    if (list) list.push(entry);
    else map.set(key, [entry]);
  };
  for (const route of routes) {
    if (route.defaultBackend) {
      index.fallback ??= route;
      continue;
    }
    const exact = route.pathType === 'Exact';
    const entry: CompiledRoute = { route, exact, key: exact ? route.path : prefixKey(route.path) };
    const host = route.host.toLowerCase();
    if (host === '') index.anyHost.push(entry);
    else if (host.startsWith('*.')) add(index.byWildcardSuffix, host.slice(2), entry);
    else add(index.byHost, host, entry);
  }
  // Array.prototype.sort is stable: equal routes keep the compiled order, so the oldest wins.
  for (const list of [...index.byHost.values(), ...index.byWildcardSuffix.values(), index.anyHost]) list.sort(byPrecedence);
  return index;
}

const INDEXES = new WeakMap<readonly IngressRoute[], RouteIndex>();

/** The index of a routes array, built on first use and kept as long as the array lives (treat it as immutable). */
function indexOf(routes: readonly IngressRoute[]): RouteIndex {
  let index = INDEXES.get(routes);
  if (index === undefined) {
    index = buildIndex(routes);
    INDEXES.set(routes, index);
  }
  return index;
}

function pathMatches(entry: CompiledRoute, path: string): boolean {
  if (entry.exact) return path === entry.key;
  // Element-wise: '/foo' covers '/foo', '/foo/' and '/foo/bar', not '/foobar'; '' (rule '/') covers all.
  return path.startsWith(entry.key) && (path.length === entry.key.length || path.charCodeAt(entry.key.length) === SLASH);
}

function firstMatch(list: readonly CompiledRoute[] | undefined, path: string): IngressRoute | undefined {
  if (list === undefined) return undefined;
  for (const entry of list) if (pathMatches(entry, path)) return entry.route;
  return undefined;
}

/**
 * The Host header's host: lowercase, without the port or a final dot ('[::1]:80' -> '[::1]').
 * '' when the request named no host.
 */
export function normalizeRequestHost(hostHeader: string | undefined): string {
  let host = (hostHeader ?? '').trim().toLowerCase();
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close > 0) host = host.slice(0, close + 1);
  } else {
    const colon = host.indexOf(':');
    // A bare IPv6 address has several colons and no port to strip.
    if (colon >= 0 && host.indexOf(':', colon + 1) < 0) host = host.slice(0, colon);
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/**
 * The request target's path as nginx matches it ($uri): no query string or fragment,
 * percent-decoded, slashes merged, `.` and `..` resolved, a trailing slash kept. Undefined for
 * what nginx answers 400 to (not an absolute path, bad percent-encoding, `..` above the root).
 */
export function normalizeRequestPath(target: string): string | undefined {
  let end = target.length;
  const query = target.indexOf('?');
  if (query >= 0) end = query;
  const fragment = target.indexOf('#');
  if (fragment >= 0 && fragment < end) end = fragment;
  let path = target.slice(0, end);
  if (path.charCodeAt(0) !== SLASH) return undefined;
  // The common case needs no work.
  if (!path.includes('%') && !path.includes('//') && !path.includes('/.')) return path;
  if (path.includes('%')) {
    try {
      path = decodeURIComponent(path);
    } catch {
      return undefined; // malformed percent-encoding: a 400, as nginx answers
    }
  }
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      if (last) out.push('');
    } else if (segment === '.' || (segment === '' && !last)) {
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  }
  return `/${out.join('/')}`;
}

/**
 * The route for a request: `host` is the Host header (port and case do not matter), `target` the
 * request target (its query string is ignored). Undefined when nothing matches, no default
 * backend included, or when the path is malformed (see normalizeRequestPath): the proxy answers
 * 404, or 400, itself.
 */
export function matchIngressRoute(routes: readonly IngressRoute[], host: string | undefined, target: string): IngressRoute | undefined {
  const path = normalizeRequestPath(target);
  if (path === undefined) return undefined;
  const index = indexOf(routes);
  const name = normalizeRequestHost(host);
  if (name !== '') {
    const exact = firstMatch(index.byHost.get(name), path);
    if (exact) return exact;
    const dot = name.indexOf('.');
    if (dot > 0) {
      const wildcard = firstMatch(index.byWildcardSuffix.get(name.slice(dot + 1)), path);
      if (wildcard) return wildcard;
    }
  }
  return firstMatch(index.anyHost, path) ?? index.fallback;
}

/**
 * The certificate for a TLS server name (SNI): the host's own, else its wildcard's, else the one
 * of a TLS entry without hosts. Undefined when none applies.
 */
export function matchIngressTls(tls: readonly IngressTls[], serverName: string | undefined): IngressTls | undefined {
  const name = normalizeRequestHost(serverName);
  const dot = name.indexOf('.');
  const wildcard = dot > 0 ? `*.${name.slice(dot + 1)}` : undefined;
  return tls.find((t) => name !== '' && t.host === name) ?? tls.find((t) => wildcard !== undefined && t.host === wildcard) ?? tls.find((t) => t.host === '');
}
