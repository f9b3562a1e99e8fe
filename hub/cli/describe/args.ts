/**
 * What follows `describe`: `TYPE [NAME_PREFIX...]`, `TYPE[,TYPE]` or `TYPE/NAME...`, with types
 * resolved as kubectl resolves them, limited to the kinds Skiff can describe.
 */
import { apiVersionOf, type ResourceType } from '../../../shared/api/resources.js';
import { SkiffError } from '../../../shared/errors.js';
import { resolveType } from '../resource-args.js';

/** The kinds with a describer (describe/pod.ts, deployment.ts, node.ts, config-map.ts, secret.ts, service.ts, ingress.ts). */
export const DESCRIBABLE_KINDS = ['Pod', 'Deployment', 'Node', 'ConfigMap', 'Secret', 'Service', 'Ingress'] as const;
export type DescribableKind = (typeof DESCRIBABLE_KINDS)[number];

export interface DescribeRequest {
  resource: ResourceType;
  /** Empty: every object of the type. */
  names: string[];
}

function describable(typed: string): ResourceType {
  const resource = resolveType(typed);
  if (!(DESCRIBABLE_KINDS as readonly string[]).includes(resource.kind)) {
    // kubectl's words when it has no describer for a kind: "apps/v1, Kind=ReplicaSet".
    throw new SkiffError('SKIFF_ERR_CONFIG', `no description has been implemented for ${apiVersionOf(resource)}, Kind=${resource.kind}`);
  }
  return resource;
}

export function parseDescribeArgs(args: readonly string[]): DescribeRequest[] {
  if (args.length === 0) {
    throw new SkiffError('SKIFF_ERR_CONFIG', 'You must specify the type of resource to describe. Valid resource types: pods (pod, po), deployments (deployment, deploy), nodes (node, no), services (service, svc), ingresses (ingress, ing), configmaps (configmap, cm), secrets (secret)');
  }
  if (args[0]!.includes('/')) {
    const requests: DescribeRequest[] = [];
    for (const arg of args) {
      const slash = arg.indexOf('/');
      if (slash <= 0 || slash === arg.length - 1) {
        throw new SkiffError('SKIFF_ERR_CONFIG', `arguments in resource/name form must have a single resource and name, got "${arg}" (e.g. 'skiff describe pod/web' or 'skiff describe pods web')`);
      }
      const resource = describable(arg.slice(0, slash));
      const existing = requests.find((r) => r.resource === resource);
      if (existing) existing.names.push(arg.slice(slash + 1));
      else requests.push({ resource, names: [arg.slice(slash + 1)] });
    }
    return requests;
  }
  const [types, ...names] = args as [string, ...string[]];
  if (names.some((n) => n.includes('/'))) {
    throw new SkiffError(
      'SKIFF_ERR_CONFIG',
      "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'skiff describe pod/web' instead of 'skiff describe pod pod/web')",
    );
  }
  const resources: ResourceType[] = [];
  for (const typed of types.split(',').filter((t) => t !== '')) {
    const resource = describable(typed);
    if (!resources.includes(resource)) resources.push(resource);
  }
  return resources.map((resource) => ({ resource, names: [...names] }));
}
