/**
 * The node's MQTT credentials (a JoinResponse), kept in DATA/credentials.json with mode 0600:
 * written atomically (temp file, fsync, rename) so that a power cut never leaves half a file,
 * which matters now that renewals (renewal.ts) rewrite it for the whole life of the agent.
 */
import { chmod, open, readFile, rename } from 'node:fs/promises';
import type { JoinResponse } from '../../shared/join.js';

export function isJoinResponse(value: unknown): value is JoinResponse {
  const v = value as Partial<JoinResponse> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.nodeName === 'string' &&
    Number.isInteger(v.mqttPort) &&
    (v.mqttPort as number) > 0 &&
    (v.mqttPort as number) < 65536 &&
    (v.mqttUrl === undefined || (typeof v.mqttUrl === 'string' && /^mqtts?:\/\//.test(v.mqttUrl))) &&
    typeof v.username === 'string' &&
    typeof v.password === 'string' &&
    (v.expiresAt === undefined || (typeof v.expiresAt === 'string' && !Number.isNaN(Date.parse(v.expiresAt))))
  );
}

/** undefined when the file does not exist; throws when it exists but is not valid credentials. */
export async function loadCredentials(file: string): Promise<JoinResponse | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const value: unknown = JSON.parse(text);
  if (!isJoinResponse(value)) throw new Error(`${file} does not hold valid credentials (delete it to join again)`);
  return value;
}

export async function saveCredentials(file: string, credentials: JoinResponse): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(credentials, null, 2)}\n`);
    await handle.sync(); // on the SD card before the rename makes it the credentials
  } finally {
    await handle.close();
  }
  await chmod(temp, 0o600); // in case the file existed with looser bits
  await rename(temp, file);
}
