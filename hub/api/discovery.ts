/**
 * Kubernetes API discovery, what kubectl and client libraries read before anything else:
 *   GET /api                      APIVersions       (the core group's versions)
 *   GET /apis                     APIGroupList      (every other group, with its preferred version)
 *   GET /apis/{group}             APIGroup
 *   GET /api/v1, /apis/{g}/{v}    APIResourceList   (kinds, verbs, short names, categories, subresources)
 * Built from THE registry of kinds (shared/api/resources.ts), so that a kind added there is
 * discovered with no change here; only what is answered outside the object store (subresources,
 * access reviews, metrics.k8s.io) is described in this file, next to a pointer to its handler.
 * Field names and shapes are apimachinery's meta/v1 types (types.go: APIVersions, APIGroupList,
 * APIResourceList); the aggregated discovery of apidiscovery.k8s.io is not served, and kubectl
 * falls back to these documents when /api answers plain application/json.
 * Pure: the bodies are computed once from the registry; the router only picks one.
 */
import { SkiffError } from '../../shared/errors.js';
import { RESOURCES, apiVersionOf, groupResource, resolveResource, type ResourceType } from '../../shared/api/resources.js';

/** meta/v1 APIResource. `group`/`version` are set only where they differ from the list's (a subresource of another kind). */
export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface APIResourceList {
  kind: 'APIResourceList';
  /** kube-apiserver leaves it out for the legacy /api/v1 and sets "v1" for every /apis/{g}/{v}. */
  apiVersion?: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  kind: 'APIGroup';
  apiVersion: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: Array<Omit<APIGroup, 'kind' | 'apiVersion'>>;
}

export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: Array<{ clientCIDR: string; serverAddress: string }>;
}

/**
 * What every kind of RESOURCES is served with (hub/api/server.ts: GET one or a list, `?watch=true`,
 * POST, PUT, PATCH in its four types (hub/api/patch/), DELETE one). No deletecollection: DELETE
 * on a collection is refused. Sorted, as Kubernetes.
 */
export const RESOURCE_VERBS: readonly string[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * The kinds `kubectl get all` shows: Kubernetes puts these in the "all" category (pods, services,
 * deployments, replicasets, daemonsets, horizontalpodautoscalers; also kinds Skiff does not serve).
 */
const ALL_CATEGORY = new Set(['pods', 'services', 'deployments.apps', 'replicasets.apps', 'daemonsets.apps', 'horizontalpodautoscalers.autoscaling']);

function mustResolve(typed: string): ResourceType {
  const rt = resolveResource(typed);
  if (!rt) throw new Error(`discovery names a resource the registry does not have: ${typed}`);
  return rt;
}

interface SubresourceEntry {
  parent: ResourceType;
  subresource: string;
  /** The kind of the subresource's body, when it is not the parent's own kind. */
  kind: { group: string; version: string; kind: string };
  verbs: string[];
}

/** Subresources the hub answers, each with where it is handled. */
const SUBRESOURCES: readonly SubresourceEntry[] = [
  // hub/api/resource-routes.ts, hub/api/scale.ts: an autoscaling/v1 Scale (kubectl scale, autoscale).
  ...['deployments', 'replicasets'].map((plural) => ({ parent: mustResolve(plural), subresource: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] })),
  // hub/api/pod-logs.ts (kubectl logs), hub/api/pod-exec.ts and pod-portforward.ts (WebSocket upgrades).
  { parent: mustResolve('pods'), subresource: 'log', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
  { parent: mustResolve('pods'), subresource: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
  { parent: mustResolve('pods'), subresource: 'portforward', kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] },
  // hub/api/server.ts: POST pods/{name}/eviction deletes the Pod as its DeleteOptions say.
  { parent: mustResolve('pods'), subresource: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
  // hub/auth/gate.ts `answer`: TokenRequest, what `kubectl create token` sends.
  { parent: mustResolve('serviceaccounts'), subresource: 'token', kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] },
];

interface GroupVersionResources {
  group: string;
  version: string;
  resources: APIResource[];
}

/** Group versions answered outside the object store, each with where it is handled. */
const ACCESS_REVIEW_APIS: readonly GroupVersionResources[] = [
  // hub/auth/access-review.ts, through hub/auth/gate.ts `answer`.
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    resources: [{ name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] }],
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resources: [
      { name: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', namespaced: true, kind: 'LocalSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
      { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
    ],
  },
];

/**
 * hub/api/metrics-api.ts, as metrics-server describes it (singularName empty, read-only). Listed
 * only when the hub serves usage: `kubectl top` first looks for this group in /apis.
 */
const METRICS_API: GroupVersionResources = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  resources: [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ],
};

/** The APIResource of one registry kind. */
export function apiResourceOf(rt: ResourceType): APIResource {
  return {
    name: rt.plural,
    singularName: rt.singular,
    namespaced: rt.namespaced,
    kind: rt.kind,
    verbs: [...RESOURCE_VERBS],
    ...(rt.shortNames.length > 0 ? { shortNames: [...rt.shortNames] } : {}),
    ...(ALL_CATEGORY.has(groupResource(rt)) ? { categories: ['all'] } : {}),
  };
}

function subresourceOf(entry: SubresourceEntry): APIResource {
  const { parent, kind } = entry;
  const sameGroupVersion = kind.group === parent.group && kind.version === parent.version;
  return {
    name: `${parent.plural}/${entry.subresource}`,
    singularName: '', // as kube-apiserver: subresources have none
    namespaced: parent.namespaced,
    ...(sameGroupVersion ? {} : { group: kind.group, version: kind.version }),
    kind: kind.kind,
    verbs: [...entry.verbs],
  };
}

export interface DiscoveryOptions {
  /** Whether metrics.k8s.io is served (the API has a MetricsService). */
  metrics: boolean;
}

/** Every discovery document, computed once. */
export interface Discovery {
  /** Core versions, in registry order. */
  coreVersions: string[];
  /** Named groups, in registry order (then the groups served outside the store). */
  groups: APIGroup[];
  /** By groupVersion ("v1", "apps/v1"). */
  resourceLists: Map<string, APIResourceList>;
}

export function buildDiscovery(options: DiscoveryOptions): Discovery {
  const byGroupVersion = new Map<string, GroupVersionResources>();
  const add = (group: string, version: string, resource: APIResource): void => {
    const key = group === '' ? version : `${group}/${version}`;
    let entry = byGroupVersion.get(key);
    if (!entry) byGroupVersion.set(key, (entry = { group, version, resources: [] }));
    entry.resources.push(resource);
  };
  for (const rt of RESOURCES) {
    add(rt.group, rt.version, apiResourceOf(rt));
    // hub/api/resource-routes.ts: every kind's `status` reads the object and writes only its status.
    add(rt.group, rt.version, subresourceOf({ parent: rt, subresource: 'status', kind: rt, verbs: ['get', 'patch', 'update'] }));
    for (const sub of SUBRESOURCES.filter((s) => s.parent === rt)) add(rt.group, rt.version, subresourceOf(sub));
  }
  for (const api of [...ACCESS_REVIEW_APIS, ...(options.metrics ? [METRICS_API] : [])]) {
    for (const resource of api.resources) add(api.group, api.version, resource);
  }

  const resourceLists = new Map<string, APIResourceList>();
  const coreVersions: string[] = [];
  const groupVersions = new Map<string, GroupVersionForDiscovery[]>();
  for (const [groupVersion, entry] of byGroupVersion) {
    resourceLists.set(groupVersion, {
      kind: 'APIResourceList',
      ...(entry.group === '' ? {} : { apiVersion: 'v1' as const }),
      groupVersion,
      // kube-apiserver lists a group version's resources by name, subresources after their parent.
      resources: [...entry.resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    });
    if (entry.group === '') coreVersions.push(entry.version);
    else groupVersions.set(entry.group, [...(groupVersions.get(entry.group) ?? []), { groupVersion, version: entry.version }]);
  }
  const groups: APIGroup[] = [...groupVersions].map(([name, versions]) => ({
    kind: 'APIGroup',
    apiVersion: 'v1',
    name,
    versions,
    // One version per group so far: it is the preferred one.
    preferredVersion: versions[0]!,
  }));
  return { coreVersions, groups, resourceLists };
}

export function apiVersionsBody(discovery: Discovery, serverAddress: string): APIVersions {
  return { kind: 'APIVersions', versions: [...discovery.coreVersions], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupListBody(discovery: Discovery): APIGroupList {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: discovery.groups.map(({ name, versions, preferredVersion }) => ({ name, versions, preferredVersion })) };
}

/** The APIResourceList of one registry kind's group version (what `apiVersionOf` names). */
export function resourceListFor(discovery: Discovery, rt: ResourceType): APIResourceList | undefined {
  return discovery.resourceLists.get(apiVersionOf(rt));
}

/**
 * Is `pathname` one of the discovery documents' paths: /api, /api/{v}, /apis, /apis/{g}, /apis/{g}/{v}
 * (a trailing slash allowed)? Longer paths are resources, routed elsewhere.
 */
export function isDiscoveryPath(pathname: string): boolean {
  const segments = pathname.split('/').filter((s) => s !== '');
  return (segments[0] === 'api' && segments.length <= 2) || (segments[0] === 'apis' && segments.length <= 3);
}

/**
 * The document at a discovery path. A group or version the hub does not serve is a 404 with
 * kube-apiserver's message; any method but GET is a 405.
 */
export function discoveryBody(discovery: Discovery, method: string, pathname: string, serverAddress: string): object {
  if (method !== 'GET') throw new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', `the server does not allow this method on the requested resource (${method})`);
  const [root, first, second] = pathname.split('/').filter((s) => s !== '');
  let body: object | undefined;
  if (root === 'api') body = first === undefined ? apiVersionsBody(discovery, serverAddress) : discovery.resourceLists.get(first);
  else if (first === undefined) body = apiGroupListBody(discovery);
  else if (second === undefined) body = discovery.groups.find((g) => g.name === first);
  else body = discovery.resourceLists.get(`${first}/${second}`);
  if (body === undefined) throw new SkiffError('SKIFF_ERR_NOT_FOUND', 'the server could not find the requested resource');
  return body;
}
