/**
 * Finds and reads the admin's client config the way kubectl finds a kubeconfig:
 * `--config FILE`, else $SKIFF_CONFIG, else ~/.skiff/config. The file holds one hub or several
 * named contexts (hub/client-config.ts); `--context NAME`, else $SKIFF_CONTEXT, else the file's
 * current context picks one. `--server` and `--token` override what the context says, and when
 * both are given (and no context is named) no file is needed at all. The context's CA
 * (certificateAuthorityData) is the one an https hub must chain to; --insecure-skip-tls-verify
 * trusts any certificate, as kubectl's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SkiffError, errorMessage } from '../../shared/errors.js';
import { CLIENT_CONFIG_DEFAULT_PATH, CLIENT_CONFIG_ENV, CLIENT_CONTEXT_ENV } from '../../shared/defaults.js';
import { zodFieldErrors } from '../../shared/api/validate.js';
import {
  clientConfigSchema,
  clientContextsConfigSchema,
  isContextsForm,
  SINGLE_HUB_CONTEXT_NAME,
  type ClientContext,
} from '../client-config.js';


export interface ConnectionFlags {
  config?: string;
  context?: string;
  server?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
}

export interface Connection {
  server: string;
  token: string;
  /** PEM of the CA the hub's certificate must chain to (decoded certificateAuthorityData). */
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
}

export interface ConfigLocation {
  path: string;
  /** Named by the user (flag or env): a missing file is then an error even if flags cover it. */
  explicit: boolean;
}

/** What a client config file says, whichever form it is in. */
export interface ClientContexts {
  /** `single`: the hub's single-hub form, read as one context named SINGLE_HUB_CONTEXT_NAME. */
  form: 'single' | 'contexts';
  contexts: ClientContext[];
  currentContext?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function locateClientConfig(flags: ConnectionFlags, env: Env, homedir: string): ConfigLocation {
  if (flags.config) return { path: flags.config, explicit: true };
  const fromEnv = env[CLIENT_CONFIG_ENV];
  if (fromEnv) return { path: fromEnv, explicit: true };
  return { path: join(homedir, CLIENT_CONFIG_DEFAULT_PATH), explicit: false };
}

/** --context, else $SKIFF_CONTEXT; undefined: the file's current context. */
export function requestedContext(flags: ConnectionFlags, env: Env): string | undefined {
  return flags.context || env[CLIENT_CONTEXT_ENV] || undefined;
}

export async function loadConnection(
  flags: ConnectionFlags,
  env: Env,
  homedir: string,
  read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): Promise<Connection> {
  const location = locateClientConfig(flags, env, homedir);
  const contextName = requestedContext(flags, env);
  const flagsGiveHub = Boolean(flags.server && flags.token);
  let text: string | undefined;
  try {
    text = await read(location.path);
  } catch (err) {
    // A named context lives in a file, so the file must be there even when the flags name a hub.
    if (location.explicit || contextName !== undefined || !flagsGiveHub) {
      const why = (err as { code?: unknown }).code === 'ENOENT' ? 'no such file' : errorMessage(err);
      throw new SkiffError(
        'SKIFF_ERR_CONFIG',
        `cannot read client config ${location.path}: ${why} (use --config FILE, $${CLIENT_CONFIG_ENV}, or --server and --token)`,
        { cause: err },
      );
    }
  }
  const fromFile = text === undefined ? undefined : connectionOf(parseClientContexts(text, location.path), contextName, location.path, !flagsGiveHub);
  const server = flags.server ?? fromFile?.server;
  const token = flags.token ?? fromFile?.token;
  if (!server || !token) throw new SkiffError('SKIFF_ERR_CONFIG', 'no server or token configured (use --config FILE or --server and --token)');
  if (!URL.canParse(server)) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid server URL "${server}"`);
  const insecureSkipTlsVerify = flags.insecureSkipTlsVerify === true || fromFile?.insecureSkipTlsVerify === true;
  return {
    server,
    token,
    ...(fromFile?.caPem !== undefined ? { caPem: fromFile.caPem } : {}),
    ...(insecureSkipTlsVerify ? { insecureSkipTlsVerify } : {}),
  };
}

/**
 * The connection of the named context, else of the current one. `required`: a file without a
 * current context is an error (it is not when --server and --token name the hub anyway).
 */
function connectionOf(config: ClientContexts, name: string | undefined, path: string, required: boolean): Connection | undefined {
  const context = name === undefined ? currentContextOf(config) : findContext(config, name, path);
  if (context === undefined && required) throw noCurrentContextError(path);
  return context === undefined ? undefined : contextConnection(context);
}

export function currentContextOf(config: ClientContexts): ClientContext | undefined {
  return config.contexts.find((c) => c.name === config.currentContext);
}

/** kubectl: `context was not found for specified context: x`; here the file is named too. */
export function findContext(config: ClientContexts, name: string, path: string): ClientContext {
  const context = config.contexts.find((c) => c.name === name);
  if (context === undefined) throw new SkiffError('SKIFF_ERR_CONFIG', `context "${name}" not found in ${path}`);
  return context;
}

/** kubectl: `current-context is not set`. */
export function noCurrentContextError(path: string): SkiffError {
  return new SkiffError('SKIFF_ERR_CONFIG', `current-context is not set in ${path} (use skiff config use-context NAME, or --context NAME)`);
}

export function contextConnection(context: ClientContext): Connection {
  const { server, token, certificateAuthorityData, insecureSkipTlsVerify } = context;
  return {
    server,
    token,
    ...(certificateAuthorityData !== undefined ? { caPem: Buffer.from(certificateAuthorityData, 'base64').toString('utf8') } : {}),
    ...(insecureSkipTlsVerify === true ? { insecureSkipTlsVerify } : {}),
  };
}

/** The connection of a file's current context (the only one, for a single-hub file such as admin.config). */
export function parseClientConfig(text: string, path: string): Connection {
  const context = currentContextOf(parseClientContexts(text, path));
  if (context === undefined) throw noCurrentContextError(path);
  return contextConnection(context);
}

/** YAML or JSON (YAML is a superset), in either form; every schema violation is reported at once. */
export function parseClientContexts(text: string, path: string): ClientContexts {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid client config ${path}: ${errorMessage(err).split('\n')[0]}`, { cause: err });
  }
  if (isContextsForm(value)) {
    const parsed = clientContextsConfigSchema.safeParse(value);
    if (!parsed.success) throw invalidConfigError(path, parsed.error);
    const { contexts, currentContext } = parsed.data;
    return { form: 'contexts', contexts, ...(currentContext !== undefined ? { currentContext } : {}) };
  }
  const parsed = clientConfigSchema.safeParse(value);
  if (!parsed.success) throw invalidConfigError(path, parsed.error);
  const { apiVersion: _apiVersion, kind: _kind, ...hub } = parsed.data;
  return { form: 'single', contexts: [{ name: SINGLE_HUB_CONTEXT_NAME, ...hub }], currentContext: SINGLE_HUB_CONTEXT_NAME };
}

function invalidConfigError(path: string, error: Parameters<typeof zodFieldErrors>[0]): SkiffError {
  const problems = zodFieldErrors(error).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
  return new SkiffError('SKIFF_ERR_CONFIG', `invalid client config ${path}: ${problems.join('; ')}`);
}
