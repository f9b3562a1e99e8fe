/**
 * First-start identity of a hub: the join token agents present and the admin's token, each in
 * its own 0600 file in the data dir, plus the admin's client config. Later starts read them back,
 * so restarting a hub on the same data dir keeps every credential.
 *
 * DATA/join-token holds the full k3s-style token `K10<CA hash>::<server credential>`
 * (shared/join-token.ts) so that what an operator copies lets the agent pin the hub's CA. A file
 * from an older hub (a bare credential) or one naming another CA is rewritten at start; the
 * credential itself never changes.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { HUB_FILES } from '../../shared/defaults.js';
import { formatJoinToken, parseJoinToken } from '../../shared/join-token.js';
import type { ClientConfig } from '../client-config.js';
import { buildKubeconfig, kubeconfigYaml } from '../kubeconfig.js';
import { randomToken } from './secrets.js';

export interface HubIdentity {
  /** What DATA/join-token holds: the K10 token, or the bare credential when there is no CA. */
  joinToken: string;
  /** The server credential inside the join token: what the hub checks at join. */
  joinCredential: string;
  adminToken: string;
}

const ADMIN_TOKEN_FILE = 'admin-token';

function writeSecretFile(file: string, value: string): void {
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode option is masked by umask
}

function readOrCreate(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeSecretFile(file, value);
  return value;
}

/** `caHash`: sha256 of the hub CA's PEM (hub/identity/tls.ts); undefined keeps the bare credential. */
export function loadOrCreateIdentity(dataDir: string, caHash?: string): HubIdentity {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const joinFile = join(dataDir, HUB_FILES.joinToken);
  const stored = readOrCreate(joinFile, () => `skiff-join.${randomToken()}`);
  const joinCredential = parseJoinToken(stored).credential;
  const joinToken = caHash === undefined ? stored : formatJoinToken(caHash, joinCredential);
  if (joinToken !== stored) writeSecretFile(joinFile, joinToken);
  return {
    joinToken,
    joinCredential,
    adminToken: readOrCreate(join(dataDir, ADMIN_TOKEN_FILE), () => `skiff-admin.${randomToken()}`),
  };
}

/**
 * (Re)writes DIR/admin.config for the current API URL, and DIR/kubeconfig with the same server, CA
 * and token for kubectl; mode 0600 since they hold the token. Returns admin.config's path.
 * `caPem`: the CA the CLI must trust (kubeconfig's certificate-authority-data), for an https URL.
 */
export function writeAdminConfig(dataDir: string, server: string, token: string, caPem?: string): string {
  const file = join(dataDir, HUB_FILES.adminConfig);
  const config: ClientConfig = {
    apiVersion: 'skiff/v1',
    kind: 'ClientConfig',
    server,
    ...(caPem !== undefined ? { certificateAuthorityData: Buffer.from(caPem).toString('base64') } : {}),
    token,
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  chmodSync(file, 0o600);
  const kubeconfig = kubeconfigYaml(buildKubeconfig({ server, token, ...(caPem !== undefined ? { caPem } : {}) }));
  writeSecretFile(join(dataDir, HUB_FILES.kubeconfig), kubeconfig.trimEnd());
  return file;
}
