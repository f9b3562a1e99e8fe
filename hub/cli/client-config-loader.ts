/**
 * Finds and reads the admin's client config the way kubectl finds a kubeconfig:
 * `--config FILE`, else $SKIFF_CONFIG, else ~/.skiff/config; `--server` and `--token` override
 * what the file says, and when both are given no file is needed at all. The file's CA
 * (certificateAuthorityData) is the one an https hub must chain to; --insecure-skip-tls-verify
 * trusts any certificate, as kubectl's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SkiffError, errorMessage } from '../../shared/errors.js';
import { CLIENT_CONFIG_DEFAULT_PATH, CLIENT_CONFIG_ENV } from '../../shared/defaults.js';
import { zodFieldErrors } from '../../shared/api/validate.js';
import { clientConfigSchema } from '../client-config.js';

export interface ConnectionFlags {
  config?: string;
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

export function locateClientConfig(flags: ConnectionFlags, env: Readonly<Record<string, string | undefined>>, homedir: string): ConfigLocation {
  if (flags.config) return { path: flags.config, explicit: true };
  const fromEnv = env[CLIENT_CONFIG_ENV];
  if (fromEnv) return { path: fromEnv, explicit: true };
  return { path: join(homedir, CLIENT_CONFIG_DEFAULT_PATH), explicit: false };
}

export async function loadConnection(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
  homedir: string,
  read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): Promise<Connection> {
  const location = locateClientConfig(flags, env, homedir);
  const flagsSuffice = Boolean(flags.server && flags.token);
  let text: string | undefined;
  try {
    text = await read(location.path);
  } catch (err) {
    if (location.explicit || !flagsSuffice) {
      const why = (err as { code?: unknown }).code === 'ENOENT' ? 'no such file' : errorMessage(err);
      throw new SkiffError(
        'SKIFF_ERR_CONFIG',
        `cannot read client config ${location.path}: ${why} (use --config FILE, $${CLIENT_CONFIG_ENV}, or --server and --token)`,
        { cause: err },
      );
    }
  }
  const fromFile = text === undefined ? undefined : parseClientConfig(text, location.path);
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

/** YAML or JSON (YAML is a superset); every schema violation is reported at once. */
export function parseClientConfig(text: string, path: string): Connection {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid client config ${path}: ${errorMessage(err).split('\n')[0]}`, { cause: err });
  }
  const parsed = clientConfigSchema.safeParse(value);
  if (!parsed.success) {
    const problems = zodFieldErrors(parsed.error).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid client config ${path}: ${problems.join('; ')}`);
  }
  const { server, token, certificateAuthorityData, insecureSkipTlsVerify } = parsed.data;
  return {
    server,
    token,
    ...(certificateAuthorityData !== undefined ? { caPem: Buffer.from(certificateAuthorityData, 'base64').toString('utf8') } : {}),
    ...(insecureSkipTlsVerify === true ? { insecureSkipTlsVerify } : {}),
  };
}
