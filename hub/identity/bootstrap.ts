/**
 * First-start identity of a hub: the join token agents present and the admin's token, each in
 * its own 0600 file in the data dir, plus the admin's client config. Later starts read them back,
 * so restarting a hub on the same data dir keeps every credential.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { HUB_FILES } from '../../shared/defaults.js';
import type { ClientConfig } from '../client-config.js';
import { randomToken } from './secrets.js';

export interface HubIdentity {
  joinToken: string;
  adminToken: string;
}

const ADMIN_TOKEN_FILE = 'admin-token';

function readOrCreate(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode option is masked by umask
  return value;
}

export function loadOrCreateIdentity(dataDir: string): HubIdentity {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return {
    joinToken: readOrCreate(join(dataDir, HUB_FILES.joinToken), () => `skiff-join.${randomToken()}`),
    adminToken: readOrCreate(join(dataDir, ADMIN_TOKEN_FILE), () => `skiff-admin.${randomToken()}`),
  };
}

/** (Re)writes DIR/admin.config for the current API URL; mode 0600 since it holds the token. */
export function writeAdminConfig(dataDir: string, server: string, token: string): string {
  const file = join(dataDir, HUB_FILES.adminConfig);
  const config: ClientConfig = { apiVersion: 'skiff/v1', kind: 'ClientConfig', server, token };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
