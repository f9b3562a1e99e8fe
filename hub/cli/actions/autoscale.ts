/**
 * `skiff autoscale (deployment|replicaset) NAME --max=N [--min=N] [--cpu-percent=N] [--name=HPA]
 * [--dry-run=client] [-o yaml|json|name]`: creates an autoscaling/v2 HorizontalPodAutoscaler for an
 * existing Deployment or ReplicaSet, as kubectl autoscale does. Flag checks are pure (parseAutoscaleFlags,
 * hpaFor) and come first; the target must exist before anything is created.
 */
import type { KubeObject } from '../../../shared/api/object.js';
import { DNS1123_SUBDOMAIN } from '../../../shared/api/names.js';
import { groupResource, qualifiedKind, resolveResource, resourcePath, type ResourceType } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError } from '../../../shared/errors.js';
import type { CliContext } from '../context.js';
import { formatJson, formatYaml, parseOutputFormat } from '../output-format.js';
import { resolveType } from '../resource-args.js';

const deployments = resolveResource('deployments')!;
const replicaSets = resolveResource('replicasets')!;
const hpas = resolveResource('horizontalpodautoscalers')!;
const SCALABLE: readonly ResourceType[] = [deployments, replicaSets];

export interface AutoscaleOptions {
  min?: string;
  max?: string;
  cpuPercent?: string;
  name?: string;
  dryRun?: string;
  output?: string;
  namespace?: string;
}

export interface AutoscaleFlags {
  /** Unset: the API's default (1). */
  min?: number;
  max: number;
  /** Unset: the API's default metric (CPU at 80% of request). */
  cpuPercent?: number;
  name?: string;
  dryRun: boolean;
}

/** An int32 flag as pflag parses it (`strconv.ParseInt` wording on bad input). */
function intFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(text.trim())) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${text}" for "${flag}" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  const n = Number(text);
  if (n < -(2 ** 31) || n >= 2 ** 31) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${text}" for "${flag}" flag: strconv.ParseInt: parsing "${text}": value out of range`);
  return n;
}

/** kubectl's AutoscaleOptions.Validate, plus the API's bounds checked before anything is sent. */
export function parseAutoscaleFlags(options: AutoscaleOptions): AutoscaleFlags {
  const min = intFlag(options.min, '--min');
  const max = intFlag(options.max, '--max');
  const cpuPercent = intFlag(options.cpuPercent, '--cpu-percent');
  if (max === undefined || max < 1) throw new SkiffError('SKIFF_ERR_CONFIG', `--max=MAXPODS is required and must be at least 1, max: ${max ?? -1}`);
  if (min !== undefined && min < 1) throw new SkiffError('SKIFF_ERR_CONFIG', `--min=MINPODS must be at least 1, min: ${min}`);
  if (min !== undefined && max < min) throw new SkiffError('SKIFF_ERR_CONFIG', `--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`);
  if (cpuPercent !== undefined && cpuPercent < 1) throw new SkiffError('SKIFF_ERR_CONFIG', `--cpu-percent must be at least 1 (a percentage of the CPU request), got ${cpuPercent}`);
  const dryRun = options.dryRun ?? 'none';
  if (!['none', 'client', 'server'].includes(dryRun)) throw new SkiffError('SKIFF_ERR_CONFIG', `Invalid dry-run value (${dryRun}). Must be "none", "server", or "client".`);
  if (dryRun === 'server') throw new SkiffError('SKIFF_ERR_CONFIG', '--dry-run=server is not supported by Skiff; use --dry-run=client');
  if (options.name !== undefined && (!DNS1123_SUBDOMAIN.test(options.name) || options.name.length > 253)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid value "${options.name}" for "--name" flag: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
  }
  return {
    ...(min !== undefined ? { min } : {}),
    max,
    ...(cpuPercent !== undefined ? { cpuPercent } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    dryRun: dryRun === 'client',
  };
}

/** `deployment/NAME` or `deployment NAME`: the Deployment or ReplicaSet to autoscale. */
export function parseAutoscaleTarget(args: readonly string[]): { resource: ResourceType; name: string } {
  const [first, second, ...extra] = args;
  if (first === undefined) throw new SkiffError('SKIFF_ERR_CONFIG', 'required resource not specified: skiff autoscale deployment/NAME --max=MAXPODS');
  let typed: string;
  let name: string;
  if (first.includes('/')) {
    const slash = first.indexOf('/');
    if (slash <= 0 || slash === first.length - 1) throw new SkiffError('SKIFF_ERR_CONFIG', `arguments in resource/name form must have a single resource and name, got "${first}"`);
    [typed, name] = [first.slice(0, slash), first.slice(slash + 1)];
    if (second !== undefined) throw new SkiffError('SKIFF_ERR_CONFIG', `skiff autoscale takes one deployment or replicaset, got extra arguments: ${[second, ...extra].join(' ')}`);
  } else {
    if (second === undefined) throw new SkiffError('SKIFF_ERR_CONFIG', 'resource(s) were provided, but no name was specified (e.g. skiff autoscale deployment/web --max=3)');
    if (extra.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `skiff autoscale takes one deployment or replicaset, got extra arguments: ${extra.join(' ')}`);
    [typed, name] = [first, second];
  }
  const resource = resolveType(typed);
  if (!SCALABLE.includes(resource)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `cannot autoscale a ${resource.kind}: skiff autoscale supports ${SCALABLE.map((r) => groupResource(r)).join(' and ')} only`);
  }
  return { resource, name };
}

/** The HorizontalPodAutoscaler kubectl autoscale generates (as autoscaling/v2). */
export function hpaFor(target: { resource: ResourceType; name: string }, flags: AutoscaleFlags, namespace: string): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: flags.name ?? target.name, namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: target.resource.kind, name: target.name },
      ...(flags.min !== undefined ? { minReplicas: flags.min } : {}),
      maxReplicas: flags.max,
      ...(flags.cpuPercent !== undefined
        ? { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: flags.cpuPercent } } }] }
        : {}),
    },
  };
}

export async function runAutoscale(args: string[], options: AutoscaleOptions, ctx: CliContext): Promise<void> {
  const output = parseOutputFormat(options.output);
  if (output === 'wide') throw new SkiffError('SKIFF_ERR_CONFIG', 'unable to match a printer suitable for the output format "wide", allowed formats are: json,name,yaml');
  const flags = parseAutoscaleFlags(options);
  const target = parseAutoscaleTarget(args);
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const client = await ctx.connect();
  // NotFound names the target: deployments.apps "web" not found.
  await client.get(resourcePath(target.resource, namespace, target.name));
  const hpa = hpaFor(target, flags, namespace);
  const result = flags.dryRun ? hpa : await client.request<KubeObject>('POST', resourcePath(hpas, namespace), { body: hpa });
  const display = `${qualifiedKind(hpas)}/${result.metadata.name}`;
  if (output === 'json') ctx.io.stdout(formatJson(result));
  else if (output === 'yaml') ctx.io.stdout(formatYaml(result));
  else if (output === 'name') ctx.io.stdout(`${display}\n`);
  else ctx.io.stdout(`${display} autoscaled${flags.dryRun ? ' (dry run)' : ''}\n`);
}
