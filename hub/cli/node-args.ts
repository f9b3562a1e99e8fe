/**
 * The node arguments of cordon, uncordon, drain and taint: `NAME`, `node/NAME` or (taint)
 * `node NAME`, with the type spelled any way kubectl accepts (node, nodes, no).
 */
import { resolveResource } from '../../shared/api/resources.js';
import { SkiffError } from '../../shared/errors.js';

const nodes = resolveResource('nodes')!;

/** cordon/uncordon/drain NODE...: bare names, or node/NAME. */
export function parseNodeNames(args: readonly string[], verb: string): string[] {
  if (args.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', `USAGE: ${verb} NODE [flags]`);
  return args.map((arg) => {
    const slash = arg.indexOf('/');
    if (slash < 0) return arg;
    const type = arg.slice(0, slash);
    const name = arg.slice(slash + 1);
    if (slash === 0 || name === '' || name.includes('/')) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `arguments in resource/name form must have a single resource and name, got "${arg}"`);
    }
    if (resolveResource(type) !== nodes) throw new SkiffError('SKIFF_ERR_CONFIG', `expected resource of type node, got "${type}"`);
    return name;
  });
}

/** taint's resource words: `node NAME...` or `node/NAME...`. */
export function parseTaintNodes(resources: readonly string[]): string[] {
  const [first, ...rest] = resources;
  if (first === undefined) throw new SkiffError('SKIFF_ERR_CONFIG', 'one or more resources must be specified as <resource> <name>');
  if (first.includes('/')) return parseNodeNames(resources, 'taint');
  if (resolveResource(first) !== nodes) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid resource type ${first}, only node types are supported`);
  if (rest.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'one or more resources must be specified as <resource> <name>');
  return rest;
}
