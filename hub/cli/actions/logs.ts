/**
 * `skiff logs`: a Pod container's output through the API's pods/{name}/log (what kubectl logs
 * reads), streamed to stdout as it arrives. `TYPE/NAME` of a workload picks one of its Pods as
 * kubectl does (Running and Ready first) and says which on stderr when there are several.
 */
import { resolveResource, resourcePath } from '../../../shared/api/resources.js';
import { formatSelector } from '../../../shared/api/labels.js';
import type { LabelSelector } from '../../../shared/api/labels.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { parseDurationMs } from '../../../shared/duration.js';
import { SkiffError } from '../../../shared/errors.js';
import type { CliContext } from '../context.js';
import type { HubClient } from '../hub-client.js';

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

interface PodLike {
  metadata: { name: string; creationTimestamp?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

/** Workload kinds whose Pods `logs TYPE/NAME` (and port-forward) pick from (kubectl's attachablePodForObject). */
const WORKLOADS = new Set(['deployments', 'replicasets', 'daemonsets']);

function integerFlag(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${text}" for "${flag}" flag: expected a whole number of at least ${min}`);
  return value;
}

/** kubectl's ordering for picking a Pod: Ready before not, Running before others, then oldest. */
function byAttachability(a: PodLike, b: PodLike): number {
  const ready = (p: PodLike): number => (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 0 : 1);
  const running = (p: PodLike): number => (p.status?.phase === 'Running' ? 0 : 1);
  return ready(a) - ready(b) || running(a) - running(b) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name);
}

export async function podNameFor(target: string, namespace: string, client: HubClient, ctx: CliContext): Promise<string> {
  const slash = target.indexOf('/');
  if (slash < 0) return target;
  const type = resolveResource(target.slice(0, slash));
  const name = target.slice(slash + 1);
  if (!type || name === '') throw new SkiffError('SKIFF_ERR_CONFIG', `error: arguments in resource/name form must have a single resource and name: ${JSON.stringify(target)}`);
  if (type.plural === 'pods') return name;
  if (!WORKLOADS.has(type.plural)) throw new SkiffError('SKIFF_ERR_CONFIG', `cannot get the logs from ${type.plural}: only pods, deployments, replicasets and daemonsets`);
  const workload = await client.get<{ spec?: { selector?: LabelSelector } }>(resourcePath(type, namespace, name));
  const selector = formatSelector(workload.spec?.selector);
  if (selector === '<none>') throw new SkiffError('SKIFF_ERR_CONFIG', `${type.singular}/${name} has no selector`);
  const pods = (await client.get<{ items: PodLike[] }>(resourcePath(resolveResource('pods')!, namespace), { query: { labelSelector: selector } })).items;
  if (pods.length === 0) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `error: timed out waiting for the condition: no pods of ${type.singular}/${name} found`);
  const chosen = [...pods].sort(byAttachability)[0]!;
  if (pods.length > 1) ctx.io.stderr(`Found ${pods.length} pods, using pod/${chosen.metadata.name}\n`);
  return chosen.metadata.name;
}

export async function runLogs(target: string, options: LogsOptions, ctx: CliContext): Promise<void> {
  const tailLines = integerFlag(options.tail, '--tail', -1);
  const limitBytes = integerFlag(options.limitBytes, '--limit-bytes', 1);
  const sinceMs = options.since !== undefined ? parseDurationMs(options.since, '--since') : undefined;
  if (sinceMs !== undefined && options.sinceTime !== undefined) throw new SkiffError('SKIFF_ERR_CONFIG', 'at most one of --since or --since-time may be given');
  if (options.sinceTime !== undefined && Number.isNaN(Date.parse(options.sinceTime))) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${options.sinceTime}" for "--since-time" flag: an RFC 3339 time is expected`);
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const client = await ctx.connect();
  const pod = await podNameFor(target, namespace, client, ctx);
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
