/**
 * Parses Kubernetes REST paths:
 *   /api/v1/{plural}[/{name}]                              (cluster-scoped, or all namespaces)
 *   /api/v1/namespaces/{ns}/{plural}[/{name}[/{sub}]]
 *   /apis/{group}/{version}/...                            (same shapes)
 * `splitApiPath` is the one place these shapes are taken apart, by segments alone (Kubernetes'
 * RequestInfoFactory); the authorizer's request attributes and the router's resource routes are
 * both read from it, so that what is authorized is what is served.
 */
import { resourceByGroupPlural, type ResourceType } from '../../shared/api/resources.js';
import type { KubeObject } from '../../shared/api/object.js';
import { hpaV1ToV2, hpaV2ToV1 } from './conversions/hpa-v1.js';

/** An API path taken apart, whether or not Skiff serves that resource. */
export interface ApiPathParts {
  group: string;
  version: string;
  /** The namespace segment scoping the resource (/namespaces/{ns}/{plural}...); absent for a Namespace's own path. */
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** Segments after the subresource: no resource path has any. */
  extra: string[];
}

/** Kubernetes' namespaceSubresources: /namespaces/{name}/status and /finalize are the Namespace's own. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * The parts of /api/{version}/... or /apis/{group}/{version}/..., else undefined (not an API
 * path, or a malformed %-escape). Pure; never throws.
 */
export function splitApiPath(pathname: string): ApiPathParts | undefined {
  let segments: string[];
  try {
    segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return undefined; // a malformed %-escape: not a path we serve
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
    return undefined;
  }
  let namespace: string | undefined;
  // As RequestInfo: a segment after /namespaces/{ns} that is not one of the Namespace's own subresources is a resource inside it.
  if (rest[0] === 'namespaces' && rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest as [string, ...string[]];
  return {
    group,
    version,
    ...(namespace !== undefined ? { namespace } : {}),
    resource,
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
    extra,
  };
}

/** A kind served in an older version than the one stored, converted on the way in and out. */
export interface VersionConversion {
  /** The version the client speaks ("v1" of autoscaling). */
  version: string;
  /** A request body in that version -> the stored version (still to be validated). */
  toStored(body: unknown): unknown;
  /** A stored object -> that version. */
  fromStored(object: KubeObject): KubeObject;
}

/** Older versions served by conversion: kubectl 1.32's `autoscale` POSTs autoscaling/v1. */
const CONVERTED_VERSIONS: ReadonlyArray<{ group: string; plural: string; storedVersion: string; conversion: VersionConversion }> = [
  { group: 'autoscaling', plural: 'horizontalpodautoscalers', storedVersion: 'v2', conversion: { version: 'v1', toStored: hpaV1ToV2, fromStored: hpaV2ToV1 } },
];

export interface ResourceRoute {
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Set when the path names an older version than the stored one (CONVERTED_VERSIONS). */
  conversion?: VersionConversion;
}

/** The stored resource of an older version's path, and how to convert to and from it. */
function convertedResource(group: string, version: string, plural: string): { resource: ResourceType; conversion: VersionConversion } | undefined {
  const entry = CONVERTED_VERSIONS.find((c) => c.group === group && c.plural === plural && c.conversion.version === version);
  const resource = entry ? resourceByGroupPlural(group, entry.storedVersion, plural) : undefined;
  return entry && resource ? { resource, conversion: entry.conversion } : undefined;
}

export type RouteResult = { ok: true; route: ResourceRoute } | { ok: false; reason: 'not-an-api-path' | 'unknown-resource' };

export function parseResourcePath(pathname: string): RouteResult {
  const parts = splitApiPath(pathname);
  if (!parts) return { ok: false, reason: 'not-an-api-path' };
  const { group, version, namespace, resource: plural, name, subresource, extra } = parts;
  if (extra.length > 0) return { ok: false, reason: 'unknown-resource' };
  const converted = convertedResource(group, version, plural);
  const resource = resourceByGroupPlural(group, version, plural) ?? converted?.resource;
  if (!resource || (namespace !== undefined && !resource.namespaced)) return { ok: false, reason: 'unknown-resource' };
  return {
    ok: true,
    route: {
      resource,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(subresource !== undefined ? { subresource } : {}),
      ...(converted ? { conversion: converted.conversion } : {}),
    },
  };
}
