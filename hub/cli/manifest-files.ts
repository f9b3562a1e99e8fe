/**
 * `-f FILE|DIR|-` as kubectl reads it: a directory means its *.yaml, *.yml and *.json files in
 * name order (not recursive), `-` means stdin. Then every document of every file is parsed and
 * validated before anything is sent, so one typo never leaves half an application applied.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SkiffError } from '../../shared/errors.js';
import { formatProblems, parseManifestText, validateDocuments, type ManifestProblem, type ValidDocument } from '../../shared/manifest/parse.js';

export interface ManifestSource {
  /** What messages call it: the path as given (joined with the directory), or STDIN. */
  name: string;
  text: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** kubectl names standard input this way in its messages. */
export const STDIN_NAME = 'STDIN';

export async function readManifestSources(paths: string[], readStdin: () => Promise<string>): Promise<ManifestSource[]> {
  const sources: ManifestSource[] = [];
  let stdinRead = false;
  for (const path of paths) {
    if (path === '-') {
      // stdin can be read once; a second `-f -` would only see an empty stream
      if (!stdinRead) sources.push({ name: STDIN_NAME, text: await readStdin() });
      stdinRead = true;
      continue;
    }
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new SkiffError('SKIFF_ERR_CONFIG', `the path "${path}" does not exist`);
    if (info.isDirectory()) {
      const entries = (await readdir(path, { withFileTypes: true }))
        .filter((e) => e.isFile() && MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase()))
        .map((e) => e.name)
        .sort();
      for (const name of entries) sources.push({ name: join(path, name), text: await readFile(join(path, name), 'utf8') });
    } else {
      sources.push({ name: path, text: await readFile(path, 'utf8') });
    }
  }
  return sources;
}

export interface LoadedManifests {
  valid: ValidDocument[];
  problems: ManifestProblem[];
}

/**
 * Parses and validates every document of every source. Problems come back in file order, then
 * document order. `requireName`: apply and delete address objects by name, so generateName
 * alone (fine for a POST) is a problem for them.
 */
export function loadManifests(sources: ManifestSource[], options: { requireName?: boolean } = {}): LoadedManifests {
  const order = new Map(sources.map((s, i) => [s.name, i]));
  const problems: ManifestProblem[] = [];
  const documents = sources.flatMap((source) => {
    const parsed = parseManifestText(source.text, source.name);
    problems.push(...parsed.problems);
    return parsed.documents;
  });
  const validated = validateDocuments(documents);
  problems.push(...validated.problems);
  const valid: ValidDocument[] = [];
  for (const doc of validated.valid) {
    if (options.requireName && !doc.object.metadata.name) {
      problems.push({
        source: doc.source,
        index: doc.index,
        describe: doc.object.kind,
        errors: [{ path: 'metadata.name', message: 'Required value: a name is required (generateName is only for create)' }],
      });
    } else {
      valid.push(doc);
    }
  }
  problems.sort((a, b) => (order.get(a.source) ?? 0) - (order.get(b.source) ?? 0) || a.index - b.index);
  return { valid, problems };
}

/**
 * Reads, parses and validates; throws one SkiffError listing every problem (one per line,
 * printed as `error: <file>: document <n> (<Kind> <name>): <field>: <message>`).
 */
export async function loadManifestsOrThrow(
  paths: string[],
  readStdin: () => Promise<string>,
  verb: 'apply' | 'delete',
): Promise<ValidDocument[]> {
  const { valid, problems } = loadManifests(await readManifestSources(paths, readStdin), { requireName: true });
  if (problems.length > 0) throw new SkiffError('SKIFF_ERR_INVALID', formatProblems(problems).join('\n'));
  if (valid.length === 0) throw new SkiffError('SKIFF_ERR_INVALID', `no objects passed to ${verb}`);
  return valid;
}
