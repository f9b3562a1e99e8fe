/**
 * `skiff cordon|uncordon NODE...`: set or clear spec.unschedulable, in kubectl 1.32's words
 * (k8s.io/kubectl/pkg/cmd/drain RunCordonOrUncordon): `node/NAME cordoned`, or
 * `node/NAME already cordoned` when nothing changes (and no write is sent).
 */
import { resolveResource, resourcePath } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { CliContext } from '../context.js';
import type { HubClient } from '../hub-client.js';
import { parseNodeNames } from '../node-args.js';
import { updateObject } from '../update-object.js';

const nodes = resolveResource('nodes')!;

interface NodeLike extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: unknown[] };
}

export function nodePath(name: string): string {
  return resourcePath(nodes, undefined, name);
}

/** Makes one node (un)schedulable and prints kubectl's line; API errors propagate. */
export async function setUnschedulable(client: HubClient, name: string, desired: boolean, ctx: CliContext): Promise<void> {
  const verb = desired ? 'cordon' : 'uncordon';
  const { changed } = await updateObject<NodeLike>(client, nodePath(name), (node) => {
    if ((node.spec?.unschedulable ?? false) === desired) return undefined;
    node.spec ??= {};
    // kubectl's patch removes the field when uncordoning (false is its omitted zero value).
    if (desired) node.spec.unschedulable = true;
    else delete node.spec.unschedulable;
    return node;
  });
  ctx.io.stdout(`node/${name} ${changed ? '' : 'already '}${verb}ed\n`);
}

export async function runCordon(args: string[], ctx: CliContext, desired: boolean): Promise<void> {
  const names = parseNodeNames(args, desired ? 'cordon' : 'uncordon');
  const client = await ctx.connect();
  for (const name of names) {
    try {
      await setUnschedulable(client, name, desired, ctx);
    } catch (err) {
      // One missing node does not stop the others; the exit code remembers it.
      ctx.report(err);
    }
  }
}
