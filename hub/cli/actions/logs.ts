/**
 * `skiff logs`: a Pod container's output through the API's pods/{name}/log (what kubectl logs
 * reads), streamed to stdout as it arrives. `TYPE/NAME` of a workload picks one of its Pods as
 * kubectl does (Running and Ready first) and says which on stderr when there are several.
 */
import { resolveResource, resourcePath } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { parseDurationMs } from '../../../shared/duration.js';
import { SkiffError } from '../../../shared/errors.js';
import type { CliContext } from '../context.js';
import { podNameFor } from '../attachable-pod.js';

export interface LogsOptions {
  namespace?: string;
  container?: string;
  follow?: boolean;
  previous?: boolean;
  timestamps?: boolean;
  tail?: string;
  since?: string;
  sinceTime?: string;
  limitBytes?: string;
}

function integerFlag(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${text}" for "${flag}" flag: expected a whole number of at least ${min}`);
  return value;
}

export async function runLogs(target: string, options: LogsOptions, ctx: CliContext): Promise<void> {
  const tailLines = integerFlag(options.tail, '--tail', -1);
  const limitBytes = integerFlag(options.limitBytes, '--limit-bytes', 1);
  const sinceMs = options.since !== undefined ? parseDurationMs(options.since, '--since') : undefined;
  if (sinceMs !== undefined && options.sinceTime !== undefined) throw new SkiffError('SKIFF_ERR_CONFIG', 'at most one of --since or --since-time may be given');
  if (options.sinceTime !== undefined && Number.isNaN(Date.parse(options.sinceTime))) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${options.sinceTime}" for "--since-time" flag: an RFC 3339 time is expected`);
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const client = await ctx.connect();
  const pod = await podNameFor(target, namespace, client, ctx, 'logs');
  const body = await client.stream(`${resourcePath(resolveResource('pods')!, namespace, pod)}/log`, {
    accept: '*/*',
    query: {
      container: options.container,
      follow: options.follow ? 'true' : undefined,
      previous: options.previous ? 'true' : undefined,
      timestamps: options.timestamps ? 'true' : undefined,
      tailLines: tailLines !== undefined && tailLines >= 0 ? String(tailLines) : undefined,
      sinceSeconds: sinceMs !== undefined ? String(Math.max(1, Math.ceil(sinceMs / 1000))) : undefined,
      sinceTime: options.sinceTime,
      limitBytes: limitBytes !== undefined ? String(limitBytes) : undefined,
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) ctx.io.stdout(decoder.decode(chunk, { stream: true }));
  const rest = decoder.decode();
  if (rest) ctx.io.stdout(rest);
}
