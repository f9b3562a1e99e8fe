/**
 * A real Docker registry (Debian's docker-registry) on a free loopback port, with its own config
 * and storage in a temp dir. Docker trusts 127.0.0.0/8 registries over plain HTTP.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { stop } from './processes.js';
import { waitFor } from './wait.js';

export interface LocalRegistry {
  host: string;
  close(): Promise<void>;
}

export async function startRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    ['version: 0.1', `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}`, `http: {addr: "127.0.0.1:${port}"}`, 'log: {level: warn}'].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  await waitFor('the registry to answer', async () => (await fetch(`http://${host}/v2/`).catch(() => undefined))?.ok);
  return {
    host,
    async close() {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
