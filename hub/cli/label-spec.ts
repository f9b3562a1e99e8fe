/**
 * `skiff label`'s arguments and the change it makes, as kubectl 1.32's label command
 * (k8s.io/kubectl/pkg/cmd/label): `k=v` sets, `k-` removes, an existing different value needs
 * --overwrite, and the result line says labeled, unlabeled or not labeled.
 */
import type { ResourceType } from '../../shared/api/resources.js';
import { SkiffError } from '../../shared/errors.js';
import { labelValueErrors } from './k8s-validation.js';
import { resolveType } from './resource-args.js';

export interface LabelChanges {
  set: Record<string, string>;
  remove: string[];
}

/**
 * cmdutil.GetResourcesAndPairs: resources first, then `k=v` / `k-` pairs; a resource after a pair
 * is an error. `pairType` is "label" or "taint" (taint's own split differs slightly, see taint-spec).
 */
export function splitResourcesAndPairs(args: readonly string[], pairType: string): { resources: string[]; pairs: string[] } {
  const resources: string[] = [];
  const pairs: string[] = [];
  for (const arg of args) {
    const isPair = (arg.includes('=') && !arg.startsWith('=')) || (arg.endsWith('-') && arg !== '-');
    if (isPair) pairs.push(arg);
    else if (pairs.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `all resources must be specified before ${pairType} changes: ${arg}`);
    else resources.push(arg);
  }
  return { resources, pairs };
}

/** label.parseLabels. */
export function parseLabelChanges(specs: readonly string[]): LabelChanges {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const spec of specs) {
    if (spec.includes('=')) {
      const parts = spec.split('=');
      if (parts.length !== 2) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid label spec: ${spec}`);
      const errs = labelValueErrors(parts[1]!);
      if (errs.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid label value: "${spec}": ${errs.join(';')}`);
      set[parts[0]!] = parts[1]!;
    } else if (spec.endsWith('-')) {
      remove.push(spec.slice(0, -1));
    } else {
      throw new SkiffError('SKIFF_ERR_CONFIG', `unknown label spec: ${spec}`);
    }
  }
  if (remove.some((key) => key in set)) throw new SkiffError('SKIFF_ERR_CONFIG', 'can not both modify and remove a label in the same command');
  if (Object.keys(set).length === 0 && remove.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'at least one label update is required');
  return { set, remove };
}

export type LabelOutcome = 'labeled' | 'unlabeled' | 'not labeled';

export interface LabelResult {
  labels: Record<string, string>;
  outcome: LabelOutcome;
  /** Keys asked to be removed that were not there; kubectl prints `label "k" not found.` for each. */
  notFound: string[];
}

/** label.labelFunc plus updateDataChangeMsg; throws (changing nothing) when --overwrite is needed. */
export function applyLabelChanges(current: Readonly<Record<string, string>> | undefined, changes: LabelChanges, overwrite: boolean): LabelResult {
  const before = { ...current };
  if (!overwrite) {
    const clashes = Object.entries(changes.set)
      .filter(([key, value]) => key in before && before[key] !== value)
      .map(([key]) => `'${key}' already has a value (${before[key]}), and --overwrite is false`);
    if (clashes.length === 1) throw new SkiffError('SKIFF_ERR_CONFIG', clashes[0]!);
    // utilerrors.NewAggregate's text for several errors.
    if (clashes.length > 1) throw new SkiffError('SKIFF_ERR_CONFIG', `[${clashes.join(', ')}]`);
  }
  const notFound = changes.remove.filter((key) => !(key in before));
  const labels = { ...before, ...changes.set };
  for (const key of changes.remove) delete labels[key];
  return { labels, outcome: outcomeOf(before, labels, overwrite), notFound };
}

/**
 * updateDataChangeMsg compares the serialized objects: any difference is "labeled", and a shorter
 * object without --overwrite is "unlabeled". Only the labels differ, so comparing them is the same.
 */
function outcomeOf(before: Record<string, string>, after: Record<string, string>, overwrite: boolean): LabelOutcome {
  const oldJson = JSON.stringify(sorted(before));
  const newJson = JSON.stringify(sorted(after));
  if (oldJson === newJson) return 'not labeled';
  if (!overwrite && newJson.length < oldJson.length) return 'unlabeled';
  return 'labeled';
}

function sorted(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface LabelTarget {
  resource: ResourceType;
  name: string;
}

/** label's resource words: `TYPE NAME...` or `TYPE/NAME...`, any type the CLI resolves. */
export function parseLabelTargets(resources: readonly string[]): LabelTarget[] {
  const [first, ...rest] = resources;
  if (first === undefined) throw new SkiffError('SKIFF_ERR_CONFIG', 'one or more resources must be specified as <resource> <name> or <resource>/<name>');
  if (first.includes('/')) {
    return resources.map((arg) => {
      const slash = arg.indexOf('/');
      if (slash <= 0 || slash === arg.length - 1 || arg.indexOf('/', slash + 1) >= 0) {
        throw new SkiffError('SKIFF_ERR_CONFIG', `arguments in resource/name form must have a single resource and name, got "${arg}"`);
      }
      return { resource: resolveType(arg.slice(0, slash)), name: arg.slice(slash + 1) };
    });
  }
  const resource = resolveType(first);
  if (rest.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', `resource(s) were provided, but no name was specified (e.g. skiff label ${resource.singular} NAME k=v)`);
  if (rest.some((n) => n.includes('/'))) {
    throw new SkiffError('SKIFF_ERR_CONFIG', 'there is no need to specify a resource type as a separate argument when passing arguments in resource/name form');
  }
  return rest.map((name) => ({ resource, name }));
}
