/**
 * The node's MQTT credentials (a JoinResponse), kept in DATA/credentials.json with mode 0600:
 * written atomically (temp file + rename) so that a power cut never leaves half a file.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
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
    typeof v.username === 'string' &&
    typeof v.password === 'string'
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
  await writeFile(temp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600); // in case the file existed with looser bits
  await rename(temp, file);
}
