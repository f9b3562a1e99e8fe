/**
 * What a request asks to do, in the terms authorizers decide on: Kubernetes' RequestInfo
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go). Pure; the path is taken apart by
 * hub/api/paths.ts `splitApiPath`, the function the router uses too, which reads segments only and
 * never the resource registry, so that paths Skiff answers elsewhere (metrics.k8s.io) and paths it
 * does not serve at all are authorized by the same rules.
 */
import { splitApiPath } from '../api/paths.js';

export type RequestAttributes =
  | {
      kind: 'resource';
      verb: string;
      apiGroup: string;
      apiVersion: string;
      resource: string;
      subresource: string;
      namespace: string;
      name: string;
    }
  | { kind: 'non-resource'; verb: string; path: string };

const HTTP_VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', GET: 'get', HEAD: 'get', DELETE: 'delete' };

export function requestAttributes(method: string, url: URL): RequestAttributes {
  const httpVerb = HTTP_VERBS[method.toUpperCase()] ?? method.toLowerCase();
  const parts = splitApiPath(url.pathname);
  // Not an API path (or a malformed %-escape): decided on as the raw path.
  if (!parts) return { kind: 'non-resource', verb: httpVerb, path: url.pathname };
  const { group: apiGroup, version: apiVersion, resource, subresource = '' } = parts;
  // As RequestInfo, a Namespace's own paths (/namespaces/NAME[/status]) are in that namespace.
  const namespace = parts.namespace ?? (resource === 'namespaces' ? (parts.name ?? '') : '');
  let verb = httpVerb;
  let name = parts.name ?? '';
  if (name === '') {
    if (verb === 'get') verb = isWatch(url.searchParams) ? 'watch' : 'list';
    else if (verb === 'delete') verb = 'deletecollection';
    // As RequestInfo: a list or watch of one object by `fieldSelector=metadata.name=X` is about X,
    // so that a rule with resourceNames (or a node watching its own Node) can allow it.
    if (verb === 'list' || verb === 'watch') name = selectedName(url.searchParams.get('fieldSelector'));
  }
  // As kube-apiserver 1.31+ (AuthorizePodWebsocketUpgradeCreatePermission): a WebSocket exec,
  // attach or port-forward is a GET, and needs `create` on the subresource as the SPDY POST does.
  if (verb === 'get' && apiGroup === '' && resource === 'pods' && POD_STREAM_SUBRESOURCES.has(subresource)) verb = 'create';
  return { kind: 'resource', verb, apiGroup, apiVersion, resource, subresource, namespace, name };
}

const POD_STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

function selectedName(fieldSelector: string | null): string {
  if (!fieldSelector) return '';
  for (const term of fieldSelector.split(',')) {
    const match = /^metadata\.name(?:=|==)(.*)$/.exec(term.trim());
    if (match) return match[1]!;
  }
  return '';
}

function isWatch(params: URLSearchParams): boolean {
  const value = params.get('watch');
  return value === 'true' || value === '1';
}

/** Writes are what the audit log records in full: everything that is not a read. */
export function isReadOnly(attributes: RequestAttributes): boolean {
  return ['get', 'list', 'watch'].includes(attributes.verb);
}
