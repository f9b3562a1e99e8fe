/**
 * A real Docker registry (Debian's docker-registry) on a free loopback port, with its own config
 * and storage in a temp dir. Docker trusts 127.0.0.0/8 registries over plain HTTP. With `auth`,
 * it requires that user (htpasswd, bcrypt) for every request, as a private registry does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { stop } from './processes.js';
import { waitFor } from './wait.js';
import bcrypt from 'bcryptjs';

export interface LocalRegistry {
  host: string;
  close(): Promise<void>;
}

export async function startRegistry(options: { auth?: { username: string; password: string } } = {}): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  const lines = ['version: 0.1', `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}`, `http: {addr: "127.0.0.1:${port}"}`, 'log: {level: warn}'];
  if (options.auth) {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, `${options.auth.username}:${bcrypt.hashSync(options.auth.password, 8)}\n`);
    lines.push(`auth: {htpasswd: {realm: skiff-test, path: ${htpasswd}}}`);
  }
  writeFileSync(config, lines.join('\n'));
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  // 401 is an answer too: the registry is up and asks for credentials.
  await waitFor('the registry to answer', async () => {
    const status = (await fetch(`http://${host}/v2/`).catch(() => undefined))?.status;
    return status === 200 || (options.auth !== undefined && status === 401);
  });
  return {
    host,
    async close() {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
