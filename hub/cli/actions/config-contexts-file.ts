/**
 * Reads a client config for `skiff config` to edit, and writes it back the one safe way: mode
 * 0600 (it holds tokens) and atomically (temp file, fsync, rename, fsync of the directory), so a
 * power cut on a Pi leaves the old file or the new one, never half of either.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { SkiffError, errorMessage } from '../../../shared/errors.js';
import { replaceFileAtomically } from '../../../shared/replace-file.js';
import type { ClientContextsConfig } from '../../client-config.js';
import { parseClientContexts, type ClientContexts, type ConfigLocation } from '../client-config-loader.js';

/**
 * The file's contexts. A missing file at the default path (~/.skiff/config) reads as one without
 * contexts, so the first set-context creates it; a file the user named must exist unless `create`.
 */
export async function readContextsFile(location: ConfigLocation, create: boolean): Promise<ClientContexts> {
  let text: string;
  try {
    text = await readFile(location.path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && (create || !location.explicit)) return { form: 'contexts', contexts: [] };
    throw new SkiffError('SKIFF_ERR_CONFIG', `cannot read client config ${location.path}: ${missing ? 'no such file' : errorMessage(err)}`, { cause: err });
  }
  return parseClientContexts(text, location.path);
}

export function contextsFileText(config: ClientContexts): string {
  const file: ClientContextsConfig = {
    apiVersion: 'skiff/v1',
    kind: 'ClientConfig',
    ...(config.currentContext !== undefined ? { currentContext: config.currentContext } : {}),
    contexts: config.contexts,
  };
  return stringify(file);
}

export function writeContextsFile(path: string, config: ClientContexts): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    replaceFileAtomically(path, contextsFileText(config));
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `cannot write client config ${path}: ${errorMessage(err)}`, { cause: err });
  }
}

