/**
 * What follows `get` or `delete`: `TYPE[,TYPE] [NAME...]` or `TYPE/NAME [TYPE/NAME...]`, with
 * types resolved as kubectl does (plural, singular, short name, kind, optionally `.group`).
 */
import { RESOURCES, resolveResource, type ResourceType } from '../../shared/api/resources.js';
import { SkiffError } from '../../shared/errors.js';

export interface ResourceRequest {
  resource: ResourceType;
  /** Empty: every object of the type (a list). */
  names: string[];
}

export function resolveType(typed: string): ResourceType {
  const resource = resolveResource(typed);
  if (!resource) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `the server doesn't have a resource type "${typed}"`);
  return resource;
}

export function parseResourceArgs(args: string[], verb: 'get' | 'delete'): ResourceRequest[] {
  if (args.length === 0) {
    const types = RESOURCES.map((rt) => `${rt.plural} (${[rt.singular, ...rt.shortNames].join(', ')})`).join(', ');
    throw new SkiffError('SKIFF_ERR_CONFIG', `you must specify the type of resource to ${verb}. Valid resource types: ${types}`);
  }
  if (args[0]!.includes('/')) {
    const requests: ResourceRequest[] = [];
    for (const arg of args) {
      const slash = arg.indexOf('/');
      if (slash <= 0 || slash === arg.length - 1) {
        throw new SkiffError(
          'SKIFF_ERR_CONFIG',
          `arguments in resource/name form must have a single resource and name, got "${arg}" (e.g. 'skiff ${verb} pod/web' or 'skiff ${verb} pods web')`,
        );
      }
      const resource = resolveType(arg.slice(0, slash));
      const name = arg.slice(slash + 1);
      const existing = requests.find((r) => r.resource === resource);
      if (existing) existing.names.push(name);
      else requests.push({ resource, names: [name] });
    }
    return requests;
  }
  const [types, ...names] = args as [string, ...string[]];
  if (names.some((n) => n.includes('/'))) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'skiff ${verb} pod/web' instead of 'skiff ${verb} pod pod/web')`);
  }
  const resources: ResourceType[] = [];
  for (const typed of types.split(',').filter((t) => t !== '')) {
    const resource = resolveType(typed);
    if (!resources.includes(resource)) resources.push(resource);
  }
  return resources.map((resource) => ({ resource, names: [...names] }));
}
