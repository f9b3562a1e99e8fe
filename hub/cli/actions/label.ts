/**
 * `skiff label TYPE NAME... k=v... k-...` (or TYPE/NAME...): GET, change metadata.labels, PUT,
 * in kubectl 1.32's words; the rules are in ../label-spec.ts. Objects are labelled one at a
 * time and the first failure stops the command, as kubectl's visitor does.
 */
import type { KubeObject } from '../../../shared/api/object.js';
import { qualifiedKind, resourcePath } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import type { CliContext } from '../context.js';
import { applyLabelChanges, parseLabelChanges, parseLabelTargets, splitResourcesAndPairs, type LabelResult } from '../label-spec.js';
import { updateObject } from '../update-object.js';

export interface LabelOptions {
  namespace?: string;
  overwrite: boolean;
}

export async function runLabel(args: string[], options: LabelOptions, ctx: CliContext): Promise<void> {
  const { resources, pairs } = splitResourcesAndPairs(args, 'label');
  const targets = parseLabelTargets(resources);
  const changes = parseLabelChanges(pairs);
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const client = await ctx.connect();
  for (const { resource, name } of targets) {
    let result: LabelResult | undefined;
    const path = resourcePath(resource, resource.namespaced ? namespace : undefined, name);
    await updateObject<KubeObject>(client, path, (object) => {
      result = applyLabelChanges(object.metadata.labels, changes, options.overwrite);
      if (result.outcome === 'not labeled') return undefined;
      // An empty map is left out, as Go's omitempty does.
      if (Object.keys(result.labels).length === 0) delete object.metadata.labels;
      else object.metadata.labels = result.labels;
      return object;
    });
    for (const key of result!.notFound) ctx.io.stdout(`label "${key}" not found.\n`);
    ctx.io.stdout(`${qualifiedKind(resource)}/${name} ${result!.outcome}\n`);
  }
}
