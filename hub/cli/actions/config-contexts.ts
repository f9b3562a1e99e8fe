/**
 * `skiff config get-contexts | current-context | use-context | set-context | delete-context`:
 * kubectl's contexts for a client config that names several hubs. The file is the one every
 * command reads (--config, $SKIFF_CONFIG, ~/.skiff/config); the hub is never contacted. The rules
 * are in config-contexts-edit.ts, the file handling in config-contexts-file.ts.
 */
import { readFile } from 'node:fs/promises';
import { SkiffError, errorMessage } from '../../../shared/errors.js';
import { CLIENT_CONTEXT_ENV } from '../../../shared/defaults.js';
import {
  currentContextOf,
  findContext,
  locateClientConfig,
  noCurrentContextError,
  parseClientContexts,
  requestedContext,
  type ClientContexts,
  type ConnectionFlags,
} from '../client-config-loader.js';
import type { CliContext } from '../context.js';
import { writeLines } from '../io.js';
import { contextsTable, deleteContext, setContext, useContext, type ContextEdit, type HubFields } from './config-contexts-edit.js';
import { readContextsFile, writeContextsFile } from './config-contexts-file.js';

export interface GetContextsOptions extends ConnectionFlags {
  output?: string;
}

export interface SetContextOptions extends ConnectionFlags {
  certificateAuthority?: string;
  from?: string;
}

/** The context commands use now: --context or $SKIFF_CONTEXT when set, else the file's current one. */
function effectiveContext(config: ClientContexts, options: ConnectionFlags, ctx: CliContext, path: string): string | undefined {
  const requested = requestedContext(options, ctx.io.env);
  if (requested === undefined) return currentContextOf(config)?.name;
  return findContext(config, requested, path).name;
}

export async function runGetContexts(names: string[], options: GetContextsOptions, ctx: CliContext): Promise<void> {
  if (options.output !== undefined && options.output !== 'name') {
    throw new SkiffError('SKIFF_ERR_CONFIG', `unable to match a printer suitable for the output format "${options.output}", allowed formats are: name`);
  }
  const location = locateClientConfig(options, ctx.io.env, ctx.io.homedir);
  const config = await readContextsFile(location, false);
  if (options.output === 'name') {
    const shown = names.length === 0 ? config.contexts : names.map((name) => findContext(config, name, location.path));
    writeLines(ctx.io.stdout, shown.map((c) => c.name));
    return;
  }
  writeLines(ctx.io.stdout, contextsTable(config, effectiveContext(config, options, ctx, location.path), names, location.path));
}

export async function runCurrentContext(options: ConnectionFlags, ctx: CliContext): Promise<void> {
  const location = locateClientConfig(options, ctx.io.env, ctx.io.homedir);
  const config = await readContextsFile(location, false);
  const name = effectiveContext(config, options, ctx, location.path);
  if (name === undefined) throw noCurrentContextError(location.path);
  ctx.io.stdout(`${name}\n`);
}

export async function runUseContext(name: string, options: ConnectionFlags, ctx: CliContext): Promise<void> {
  const location = locateClientConfig(options, ctx.io.env, ctx.io.homedir);
  const config = await readContextsFile(location, false);
  const edit = useContext(config, name, location.path);
  // A single-hub file (admin.config) already has its one hub current: it stays as the hub wrote it.
  const unchanged = config.form === 'single';
  finish(edit, location.path, ctx, unchanged);
  const fromEnv = ctx.io.env[CLIENT_CONTEXT_ENV];
  if (fromEnv && fromEnv !== name) ctx.io.stderr(`${ctx.colours.stderr.label(`warning: $${CLIENT_CONTEXT_ENV}=${fromEnv} still picks the context in this shell`)}\n`);
}

export async function runSetContext(name: string, options: SetContextOptions, ctx: CliContext): Promise<void> {
  const location = locateClientConfig(options, ctx.io.env, ctx.io.homedir);
  const config = await readContextsFile(location, true);
  const fields: HubFields = {
    server: options.server,
    token: options.token,
    certificateAuthorityData: options.certificateAuthority === undefined ? undefined : await caDataFrom(options.certificateAuthority),
    insecureSkipTlsVerify: options.insecureSkipTlsVerify === true ? true : undefined,
  };
  const imported = options.from === undefined ? undefined : await importedHub(options.from);
  finish(setContext(config, name, fields, location.path, imported), location.path, ctx, false);
}

export async function runDeleteContext(name: string, options: ConnectionFlags, ctx: CliContext): Promise<void> {
  const location = locateClientConfig(options, ctx.io.env, ctx.io.homedir);
  const config = await readContextsFile(location, false);
  finish(deleteContext(config, name, location.path), location.path, ctx, false);
}

function finish(edit: ContextEdit, path: string, ctx: CliContext, unchanged: boolean): void {
  if (!unchanged) writeContextsFile(path, edit.config);
  writeLines(ctx.io.stderr, edit.warnings.map((line) => ctx.colours.stderr.label(line)));
  writeLines(ctx.io.stdout, edit.messages);
}

/** The current hub of another client config (the hub's admin.config, say), without its name. */
async function importedHub(path: string): Promise<HubFields> {
  const config = parseClientContexts(await readNamedFile(path, 'client config'), path);
  const current = currentContextOf(config);
  if (current === undefined) throw noCurrentContextError(path);
  const { name: _name, ...hub } = current;
  return hub;
}

/** kubectl's --certificate-authority with --embed-certs: the PEM goes into the file as base64. */
async function caDataFrom(path: string): Promise<string> {
  const pem = await readNamedFile(path, 'certificate authority');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new SkiffError('SKIFF_ERR_CONFIG', `certificate authority ${path} holds no PEM certificate`);
  return Buffer.from(pem).toString('base64');
}

async function readNamedFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err);
    throw new SkiffError('SKIFF_ERR_CONFIG', `cannot read ${what} ${path}: ${why}`, { cause: err });
  }
}
