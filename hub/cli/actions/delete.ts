/**
 * `skiff delete TYPE NAME... | TYPE/NAME... | -f FILE`: one DELETE per object, then (like
 * kubectl's default --wait) poll until each is really gone; a pod bound to a node lingers as
 * Terminating until its agent stopped it.
 */
import type { KubeList } from '../../../shared/api/object.js';
import { parseSelector } from '../../../shared/api/labels.js';
import { qualifiedKind, resourcePath, type ResourceType } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError, errorMessage } from '../../../shared/errors.js';
import { ApiStatusError, isApiStatusError } from '../api-errors.js';
import type { CliContext } from '../context.js';
import { parseDurationMs } from '../../../shared/duration.js';
import type { HubClient } from '../hub-client.js';
import { loadManifestsOrThrow } from '../manifest-files.js';
import { parseResourceArgs } from '../resource-args.js';
import { pollUntil } from '../wait-for.js';

export interface DeleteOptions {
  filename: string[];
  namespace?: string;
  selector?: string;
  all?: boolean;
  wait: boolean;
  timeout: string;
  ignoreNotFound: boolean;
}

export interface DeleteTarget {
  resource: ResourceType;
  namespace: string | undefined;
  name: string;
}

export async function runDelete(args: string[], options: DeleteOptions, ctx: CliContext): Promise<void> {
  const timeoutMs = parseDurationMs(options.timeout, '--timeout');
  if (options.filename.length > 0 && args.length > 0) {
    throw new SkiffError('SKIFF_ERR_CONFIG', 'resources to delete can be named by arguments or by -f, not both');
  }
  if (options.filename.length === 0 && args.length === 0) {
    throw new SkiffError('SKIFF_ERR_CONFIG', 'you must provide one or more resources by argument or filename');
  }
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const targets =
    options.filename.length > 0
      ? (await loadManifestsOrThrow(options.filename, () => ctx.io.readStdin(), 'delete'))
          .map((doc) => ({
            resource: doc.resource,
            namespace: doc.resource.namespaced ? (doc.object.metadata.namespace ?? namespace) : undefined,
            name: doc.object.metadata.name!,
          }))
          // Reverse of the order they were applied in (as `helm uninstall`): a file's objects go
          // before the Namespace it created, so they are not already gone with it (NotFound).
          .reverse()
      : await targetsFromArgs(args, options, namespace, ctx);

  const client = await ctx.connect();
  const deleted: DeleteTarget[] = [];
  for (const target of targets) {
    try {
      await client.request('DELETE', resourcePath(target.resource, target.namespace, target.name));
      ctx.io.stdout(`${qualifiedKind(target.resource)} "${target.name}" deleted\n`);
      deleted.push(target);
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      if (!(options.ignoreNotFound && isApiStatusError(err, 'NotFound'))) ctx.report(err);
    }
  }
  if (!options.wait) return;
  for (const target of deleted) {
    const path = resourcePath(target.resource, target.namespace, target.name);
    // --timeout=0: wait as long as it takes.
    const gone = await pollUntil(async () => (await client.getIfExists(path)) === undefined, { timeoutMs: timeoutMs === 0 ? Infinity : timeoutMs });
    if (!gone) ctx.report(new SkiffError('SKIFF_ERR_INTERNAL', `timed out waiting for the condition on ${target.resource.plural}/${target.name}`));
  }
}

async function targetsFromArgs(args: string[], options: DeleteOptions, namespace: string, ctx: CliContext): Promise<DeleteTarget[]> {
  const requests = parseResourceArgs(args, 'delete');
  const named = requests.some((r) => r.names.length > 0);
  if (named && (options.selector !== undefined || options.all)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', 'names cannot be provided when a selector or --all is specified');
  }
  if (!named && options.selector === undefined && !options.all) {
    throw new SkiffError('SKIFF_ERR_CONFIG', 'resource(s) were provided, but no name was specified (give names, -l SELECTOR or --all)');
  }
  const targets: DeleteTarget[] = [];
  for (const { resource, names } of requests) {
    const ns = resource.namespaced ? namespace : undefined;
    const chosen = named ? names : await namesMatching(await ctx.connect(), resource, ns, options.selector);
    targets.push(...chosen.map((name) => ({ resource, namespace: ns, name })));
  }
  return targets;
}

async function namesMatching(client: HubClient, resource: ResourceType, namespace: string | undefined, selector: string | undefined): Promise<string[]> {
  if (selector !== undefined) {
    try {
      parseSelector(selector);
    } catch (err) {
      throw new SkiffError('SKIFF_ERR_CONFIG', errorMessage(err), { cause: err });
    }
  }
  const list = await client.get<KubeList>(resourcePath(resource, namespace), { query: { labelSelector: selector } });
  return (list.items ?? []).map((o) => o.metadata.name).filter((n): n is string => typeof n === 'string');
}
