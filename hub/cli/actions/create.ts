/**
 * `skiff create configmap|secret generic|secret docker-registry NAME ...`: builds the object from
 * the flags (hub/cli/create-sources.ts), then creates it, or with --dry-run=client only prints it,
 * as kubectl create does. Every flag is checked before anything is sent.
 */
import type { KubeObject } from '../../../shared/api/object.js';
import { DNS1123_SUBDOMAIN } from '../../../shared/api/names.js';
import { qualifiedKind, resolveResource, resourcePath, type ResourceType } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError } from '../../../shared/errors.js';
import type { CliContext } from '../context.js';
import { configMapData, dockerConfigJson, parseLiteral, readEnvFile, readFileSource, secretData, type SourceEntry } from '../create-sources.js';
import { formatJson, formatYaml, parseOutputFormat } from '../output-format.js';

const configMaps = resolveResource('configmaps')!;
const secrets = resolveResource('secrets')!;

/** kubectl's default registry for docker-registry secrets. */
const DEFAULT_DOCKER_SERVER = 'https://index.docker.io/v1/';

export interface CreateCommonOptions {
  dryRun?: string;
  output?: string;
  namespace?: string;
}

export interface CreateFromSourcesOptions extends CreateCommonOptions {
  fromLiteral: string[];
  fromFile: string[];
  fromEnvFile: string[];
  /** secret generic only. */
  type?: string;
}

export interface CreateDockerRegistryOptions extends CreateCommonOptions {
  dockerServer?: string;
  dockerUsername?: string;
  dockerPassword?: string;
  dockerEmail?: string;
}

/** `--dry-run` as kubectl reads it: true for client, false for none; server is refused. */
export function parseDryRun(value: string | undefined): boolean {
  const dryRun = value ?? 'none';
  if (!['none', 'client', 'server'].includes(dryRun)) throw new SkiffError('SKIFF_ERR_CONFIG', `Invalid dry-run value (${dryRun}). Must be "none", "server", or "client".`);
  if (dryRun === 'server') throw new SkiffError('SKIFF_ERR_CONFIG', '--dry-run=server is not supported by Skiff; use --dry-run=client');
  return dryRun === 'client';
}

/** The one NAME every `create` subcommand takes. */
export function requireName(args: readonly string[]): string {
  if (args.length !== 1) throw new SkiffError('SKIFF_ERR_CONFIG', `exactly one NAME is required, got ${args.length}`);
  const name = args[0]!;
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid name "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
  }
  return name;
}

/** Entries in kubectl's order: files, then literals, then env files. */
export function entriesFrom(options: Pick<CreateFromSourcesOptions, 'fromLiteral' | 'fromFile' | 'fromEnvFile'>): SourceEntry[] {
  return [...options.fromFile.flatMap(readFileSource), ...options.fromLiteral.map(parseLiteral), ...options.fromEnvFile.flatMap(readEnvFile)];
}

export function configMapFor(name: string, namespace: string, options: CreateFromSourcesOptions): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, ...configMapData(name, entriesFrom(options)) };
}

export function genericSecretFor(name: string, namespace: string, options: CreateFromSourcesOptions): KubeObject {
  const data = secretData(name, entriesFrom(options));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    ...(Object.keys(data).length > 0 ? { data } : {}),
    // As kubectl: no --type, no type field; the API defaults it to Opaque.
    ...(options.type !== undefined ? { type: options.type } : {}),
  };
}

export function dockerRegistrySecretFor(name: string, namespace: string, options: CreateDockerRegistryOptions): KubeObject {
  const missing = (['dockerUsername', 'dockerPassword'] as const).filter((key) => !options[key]).map((key) => (key === 'dockerUsername' ? '--docker-username' : '--docker-password'));
  if (missing.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `missing required flag(s): ${missing.join(', ')}`);
  const json = dockerConfigJson(options.dockerServer ?? DEFAULT_DOCKER_SERVER, options.dockerUsername!, options.dockerPassword!, options.dockerEmail);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    data: { '.dockerconfigjson': Buffer.from(json, 'utf8').toString('base64') },
    type: 'kubernetes.io/dockerconfigjson',
  };
}

/** POSTs the object (or, with --dry-run=client, only shows it) and prints it as kubectl create does. */
export async function createAndPrint(resource: ResourceType, object: KubeObject, options: { output?: string }, dryRun: boolean, ctx: CliContext): Promise<void> {
  const output = parseOutputFormat(options.output);
  if (output === 'wide') throw new SkiffError('SKIFF_ERR_CONFIG', 'unable to match a printer suitable for the output format "wide", allowed formats are: json,name,yaml');
  const result = dryRun ? object : await (await ctx.connect()).request<KubeObject>('POST', resourcePath(resource, object.metadata.namespace), { body: object });
  const display = `${qualifiedKind(resource)}/${result.metadata.name}`;
  if (output === 'json') ctx.io.stdout(formatJson(result));
  else if (output === 'yaml') ctx.io.stdout(formatYaml(result));
  else if (output === 'name') ctx.io.stdout(`${display}\n`);
  else ctx.io.stdout(`${display} created${dryRun ? ' (dry run)' : ''}\n`);
}

/** Flag checks shared by every subcommand, before any file is read. */
function common(args: readonly string[], options: CreateCommonOptions): { name: string; namespace: string; dryRun: boolean } {
  const output = parseOutputFormat(options.output);
  if (output === 'wide') throw new SkiffError('SKIFF_ERR_CONFIG', 'unable to match a printer suitable for the output format "wide", allowed formats are: json,name,yaml');
  return { dryRun: parseDryRun(options.dryRun), name: requireName(args), namespace: options.namespace ?? DEFAULTS.namespace };
}

export async function runCreateConfigMap(args: string[], options: CreateFromSourcesOptions, ctx: CliContext): Promise<void> {
  const { name, namespace, dryRun } = common(args, options);
  await createAndPrint(configMaps, configMapFor(name, namespace, options), options, dryRun, ctx);
}

export async function runCreateSecretGeneric(args: string[], options: CreateFromSourcesOptions, ctx: CliContext): Promise<void> {
  const { name, namespace, dryRun } = common(args, options);
  await createAndPrint(secrets, genericSecretFor(name, namespace, options), options, dryRun, ctx);
}

export async function runCreateSecretDockerRegistry(args: string[], options: CreateDockerRegistryOptions, ctx: CliContext): Promise<void> {
  const { name, namespace, dryRun } = common(args, options);
  await createAndPrint(secrets, dockerRegistrySecretFor(name, namespace, options), options, dryRun, ctx);
}
