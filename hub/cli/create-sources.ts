/**
 * What `skiff create configmap|secret` puts in the object, from --from-literal, --from-file and
 * --from-env-file, as kubectl's create_configmap.go / create_secret.go do: keys checked like
 * IsConfigMapKey, a key given twice is an error naming it, a directory adds each regular file,
 * non-UTF-8 content goes to a ConfigMap's binaryData. Parsing is pure; file reading is in
 * `readFileSources` / `readEnvFiles` so the rules stay testable on plain strings.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { configKeyProblem } from '../../shared/api/schema/config.js';
import { SkiffError } from '../../shared/errors.js';

/** One key and its bytes, with where it came from for error messages. */
export interface SourceEntry {
  key: string;
  value: Buffer;
}

const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function configError(message: string): SkiffError {
  return new SkiffError('SKIFF_ERR_CONFIG', message);
}

/** `--from-literal key=value` (ParseLiteralSource: split at the first '='). */
export function parseLiteral(text: string): SourceEntry {
  const eq = text.indexOf('=');
  if (eq <= 0) throw configError(`invalid literal source ${text}, expected key=value (in --from-literal)`);
  return { key: text.slice(0, eq), value: Buffer.from(text.slice(eq + 1), 'utf8') };
}

/** `--from-file [key=]path`: the key (undefined: the file's base name) and the path. */
export function parseFileSource(text: string): { key?: string; path: string } {
  const eq = text.indexOf('=');
  if (eq < 0) return { path: text };
  if (eq === 0) throw configError(`key name for file path ${text.slice(1)} missing (in --from-file ${text})`);
  if (eq === text.length - 1) throw configError(`file path for key name ${text.slice(0, eq)} missing (in --from-file ${text})`);
  return { key: text.slice(0, eq), path: text.slice(eq + 1) };
}

/**
 * An env file's KEY=VALUE lines: blank lines and `#` comments skipped, leading whitespace and a
 * UTF-8 BOM ignored, the value kept as written (kubectl does not unquote).
 */
export function parseEnvFile(text: string, fileName: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) return;
    const where = `line ${index + 1} of env file ${fileName}`;
    const eq = line.indexOf('=');
    if (eq < 0) throw configError(`${where}: expected KEY=VALUE, got "${line}"`);
    const key = line.slice(0, eq);
    if (!ENV_VAR_NAME.test(key)) {
      throw configError(`${where}: "${key}" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit`);
    }
    entries.push({ key, value: Buffer.from(line.slice(eq + 1), 'utf8') });
  });
  return entries;
}

/** The entries one --from-file names: the file, or every regular file of a directory. */
export function readFileSource(text: string): SourceEntry[] {
  const { key, path } = parseFileSource(text);
  let stats;
  try {
    stats = statSync(path);
  } catch (err) {
    throw configError(`error reading ${path} (in --from-file): ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (stats.isDirectory()) {
    if (key !== undefined) throw configError(`cannot give a key name for a directory path (in --from-file ${text})`);
    return readdirSync(path, { withFileTypes: true })
      .filter((item) => item.isFile())
      .map((item) => item.name)
      .sort()
      .map((name) => ({ key: name, value: readFileSync(join(path, name)) }));
  }
  return [{ key: key ?? basename(path), value: readFileSync(path) }];
}

export function readEnvFile(path: string): SourceEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw configError(`error reading ${path} (in --from-env-file): ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  return parseEnvFile(text, path);
}

function checkKey(key: string, kind: 'ConfigMap' | 'Secret'): void {
  const problem = configKeyProblem(key);
  if (problem) throw configError(`"${key}" is not a valid key name for a ${kind}: ${problem.replace(/^Invalid value: "[^"]*": /, '')}`);
}

function sortedRecord(map: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A ConfigMap's data and binaryData: UTF-8 values as text, anything else base64 in binaryData. */
export function configMapData(name: string, entries: readonly SourceEntry[]): { data?: Record<string, string>; binaryData?: Record<string, string> } {
  const data = new Map<string, string>();
  const binaryData = new Map<string, string>();
  for (const { key, value } of entries) {
    checkKey(key, 'ConfigMap');
    if (data.has(key)) throw configError(`cannot add key "${key}", another key by that name already exists in Data for ConfigMap "${name}"`);
    if (binaryData.has(key)) throw configError(`cannot add key "${key}", another key by that name already exists in BinaryData for ConfigMap "${name}"`);
    if (isUtf8(value)) data.set(key, value.toString('utf8'));
    else binaryData.set(key, value.toString('base64'));
  }
  return { ...(data.size > 0 ? { data: sortedRecord(data) } : {}), ...(binaryData.size > 0 ? { binaryData: sortedRecord(binaryData) } : {}) };
}

/** A Secret's data: every value base64. */
export function secretData(name: string, entries: readonly SourceEntry[]): Record<string, string> {
  const data = new Map<string, string>();
  for (const { key, value } of entries) {
    checkKey(key, 'Secret');
    if (data.has(key)) throw configError(`cannot add key "${key}", another key by that name already exists in Data for Secret "${name}"`);
    data.set(key, value.toString('base64'));
  }
  return sortedRecord(data);
}

/** The `.dockerconfigjson` kubectl create secret docker-registry writes. */
export function dockerConfigJson(server: string, username: string, password: string, email: string | undefined): string {
  const entry = { username, password, ...(email ? { email } : {}), auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
  return JSON.stringify({ auths: { [server]: entry } });
}
