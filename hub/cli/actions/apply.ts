/**
 * `skiff apply -f ...`: validate everything, then create, configure or leave each object. With
 * --wait, then wait until each Deployment and DaemonSet applied has rolled out, printing
 * `rollout status`'s lines and its Pods' image pull progress (issue #9).
 */
import type { KubeObject } from '../../../shared/api/object.js';
import { qualifiedKind, resourcePath } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError } from '../../../shared/errors.js';
import type { ValidDocument } from '../../../shared/manifest/parse.js';
import { ApiStatusError, HubUnreachableError, isApiStatusError } from '../api-errors.js';
import { decideApply, normalizeManifest } from '../apply-plan.js';
import type { CliContext } from '../context.js';
import type { HubClient } from '../hub-client.js';
import { loadManifestsOrThrow } from '../manifest-files.js';
import { parseDurationMs } from '../../../shared/duration.js';
import { hasRollout, waitForRollout, type RolloutTarget } from './rollout.js';

export interface ApplyOptions {
  filename: string[];
  namespace?: string;
  /** Wait for the rollouts of the Deployments and DaemonSets applied. */
  wait?: boolean;
  /** How long --wait waits for each ("0": forever). */
  timeout?: string;
}

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/** Someone else wrote between our GET and PUT: read again and retry, as kubectl apply does. */
const MAX_ATTEMPTS = 5;

export async function runApply(options: ApplyOptions, ctx: CliContext): Promise<void> {
  if (options.filename.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'must specify -f FILE, -f DIR or -f -');
  const timeoutMs = options.wait ? parseDurationMs(options.timeout ?? '0', '--timeout') : 0;
  const documents = await loadManifestsOrThrow(options.filename, () => ctx.io.readStdin(), 'apply');
  const client = await ctx.connect();
  const rollouts: RolloutTarget[] = [];
  for (const doc of documents) {
    try {
      const outcome = await applyOne(client, doc, options.namespace ?? DEFAULTS.namespace);
      ctx.io.stdout(`${qualifiedKind(doc.resource)}/${doc.object.metadata.name} ${outcome}\n`);
      if (options.wait && hasRollout(doc.resource)) rollouts.push(rolloutTarget(doc, options.namespace ?? DEFAULTS.namespace));
    } catch (err) {
      // An unreachable hub fails every object the same way: say it once.
      if (err instanceof HubUnreachableError) throw err;
      ctx.report(withSource(err, doc));
    }
  }
  for (const target of rollouts) await waitForRollout(client, target, timeoutMs, ctx);
}

function rolloutTarget(doc: ValidDocument, defaultNamespace: string): RolloutTarget {
  // Deployments and DaemonSets are namespaced, and a valid document has a name.
  const namespace = doc.object.metadata.namespace ?? defaultNamespace;
  const name = doc.object.metadata.name ?? '';
  return { name, namespace, path: resourcePath(doc.resource, namespace, name), resource: doc.resource };
}

/**
 * kubectl's AddSourceToErr: a refusal from the server names the file it came from (and, as
 * Skiff's local validation does, the document), so a user applying a directory knows which one.
 */
function withSource(err: unknown, doc: ValidDocument): unknown {
  if (!(err instanceof ApiStatusError)) return err;
  return new ApiStatusError(err.httpStatus, { ...err.status, message: `error when applying "${doc.source}" (document ${doc.index}): ${err.status.message ?? err.message}` });
}

export async function applyOne(client: HubClient, doc: ValidDocument, defaultNamespace: string): Promise<ApplyOutcome> {
  const manifest = normalizeManifest(doc.object, doc.resource, defaultNamespace);
  const namespace = manifest.metadata.namespace;
  const path = resourcePath(doc.resource, namespace, manifest.metadata.name);
  for (let attempt = 1; ; attempt++) {
    const live = await client.getIfExists<KubeObject>(path);
    const decision = decideApply(manifest, live);
    try {
      switch (decision.action) {
        case 'unchanged':
          return 'unchanged';
        case 'create':
          await client.request('POST', resourcePath(doc.resource, namespace), { body: decision.body });
          return 'created';
        case 'configure':
          await client.request('PUT', path, { body: decision.body });
          return 'configured';
      }
    } catch (err) {
      const raced = isApiStatusError(err, 'Conflict') || isApiStatusError(err, 'AlreadyExists');
      if (!raced || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}
