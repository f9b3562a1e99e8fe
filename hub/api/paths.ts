/**
 * Parses Kubernetes REST paths:
 *   /api/v1/{plural}[/{name}]                              (cluster-scoped, or all namespaces)
 *   /api/v1/namespaces/{ns}/{plural}[/{name}[/{sub}]]
 *   /apis/{group}/{version}/...                            (same shapes)
 */
import { resourceByGroupPlural, type ResourceType } from '../../shared/api/resources.js';

export interface ResourceRoute {
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const NAMESPACE_SUBRESOURCES = ['status', 'finalize'];

export type RouteResult = { ok: true; route: ResourceRoute } | { ok: false; reason: 'not-an-api-path' | 'unknown-resource' };

export function parseResourcePath(pathname: string): RouteResult {
  let segments: string[];
  try {
    segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return { ok: false, reason: 'not-an-api-path' }; // a malformed %-escape: not a path we serve
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  } else {
    return { ok: false, reason: 'not-an-api-path' };
  }
  let namespace: string | undefined;
  // /namespaces/{name}/status and /finalize are subresources of the Namespace itself.
  const namespaceSubresource = rest[0] === 'namespaces' && rest.length === 3 && NAMESPACE_SUBRESOURCES.includes(rest[2]!);
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (plural === undefined || extra.length > 0) return { ok: false, reason: 'unknown-resource' };
  const resource = resourceByGroupPlural(group, version, plural);
  if (!resource || (namespace !== undefined && !resource.namespaced)) return { ok: false, reason: 'unknown-resource' };
  return {
    ok: true,
    route: { resource, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) },
  };
}
