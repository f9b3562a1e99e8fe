/**
 * `skiff taint node NAME... key=value:Effect... key:Effect-... key-...`: GET, change
 * spec.taints, PUT, in kubectl 1.32's words; the rules are in ../taint-spec.ts.
 */
import type { KubeObject } from '../../../shared/api/object.js';
import type { CliContext } from '../context.js';
import { parseTaintNodes } from '../node-args.js';
import { applyTaintChanges, parseTaintChanges, splitTaintArgs, type Taint, type TaintOutcome } from '../taint-spec.js';
import { updateObject } from '../update-object.js';
import { nodePath } from './cordon.js';

export interface TaintOptions {
  overwrite: boolean;
}

interface NodeLike extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
}

export async function runTaint(args: string[], options: TaintOptions, ctx: CliContext): Promise<void> {
  const { resources, taints } = splitTaintArgs(args);
  const names = parseTaintNodes(resources);
  const changes = parseTaintChanges(taints);
  const client = await ctx.connect();
  for (const name of names) {
    let outcome: TaintOutcome | undefined;
    await updateObject<NodeLike>(client, nodePath(name), (node) => {
      const result = applyTaintChanges(node.spec?.taints, changes, options.overwrite, name);
      outcome = result.outcome;
      node.spec ??= {};
      // An empty list is left out, as Go's omitempty does.
      if (result.taints.length === 0) delete node.spec.taints;
      else node.spec.taints = result.taints;
      return node;
    });
    ctx.io.stdout(`node/${name} ${outcome}\n`);
  }
}
