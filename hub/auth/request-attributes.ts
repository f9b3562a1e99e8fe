/**
 * What a request asks to do, in the terms authorizers decide on: Kubernetes' RequestInfo
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go). Pure; independent of the resource
 * registry so that paths Skiff answers elsewhere (metrics.k8s.io) and paths it does not serve at
 * all are authorized by the same rules.
 */
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

/** Kubernetes' namespaceSubresources: /namespaces/NAME/status is the Namespace's own subresource. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const HTTP_VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', GET: 'get', HEAD: 'get', DELETE: 'delete' };

export function requestAttributes(method: string, url: URL): RequestAttributes {
  const httpVerb = HTTP_VERBS[method.toUpperCase()] ?? method.toLowerCase();
  let segments: string[];
  try {
    segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    // A malformed %-escape: not an API path; decided on as the raw path.
    return { kind: 'non-resource', verb: httpVerb, path: url.pathname };
  }
  let apiGroup: string;
  let apiVersion: string;
  let parts: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    apiGroup = '';
    apiVersion = segments[1]!;
    parts = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    apiGroup = segments[1]!;
    apiVersion = segments[2]!;
    parts = segments.slice(3);
  } else {
    return { kind: 'non-resource', verb: httpVerb, path: url.pathname };
  }
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1]!;
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
  }
  const [resource = '', pathName = '', subresource = ''] = parts;
  let verb = httpVerb;
  let name = pathName;
  if (name === '') {
    if (verb === 'get') verb = isWatch(url.searchParams) ? 'watch' : 'list';
    else if (verb === 'delete') verb = 'deletecollection';
    // As RequestInfo: a list or watch of one object by `fieldSelector=metadata.name=X` is about X,
    // so that a rule with resourceNames (or a node watching its own Node) can allow it.
    if (verb === 'list' || verb === 'watch') name = selectedName(url.searchParams.get('fieldSelector'));
  }
  return { kind: 'resource', verb, apiGroup, apiVersion, resource, subresource, namespace, name };
}

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
