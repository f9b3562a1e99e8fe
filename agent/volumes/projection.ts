/**
 * What a configMap or secret volume contains: a pure function from the volume source and the
 * node's ConfigMaps and Secrets to a list of files (path, mode, bytes), with kubelet's rules
 * (pkg/volume/configmap, pkg/volume/secret): every key as a file of its name, or with `items`
 * only the listed keys at their paths; mode from the item, else defaultMode, else 0644; a missing
 * object or listed key is an error unless the volume is optional. Writing the files is
 * atomic-writer.ts's job; this file never touches the disk.
 */
import { createHash } from 'node:crypto';
import type { ConfigLookup } from '../config/config-lookup.js';
import type { ConfigMapVolumeSource, KeyToPath, SecretVolumeSource } from './volume-source.js';

/** Kubernetes' default for configMap and secret volumes (ConfigMapVolumeSourceDefaultMode, SecretVolumeSourceDefaultMode). */
export const DEFAULT_FILE_MODE = 0o644;

export interface ProjectedFile {
  /** Relative to the volume root, '/'-separated, validated by pathProblem. */
  path: string;
  /** Permission bits only (0 to 0777). */
  mode: number;
  content: Buffer;
}

export type Projection = { ok: true; files: ProjectedFile[] } | { ok: false; message: string };

/**
 * Why `path` may not be a file path inside a volume, or undefined when it may: Kubernetes'
 * validateLocalDescendingPath plus its rule that item paths do not start with '..' (the names
 * the atomic writer keeps for itself: `..data` and the timestamped data dirs).
 */
export function pathProblem(path: string): string | undefined {
  if (path === '') return 'must not be empty';
  if (path.startsWith('/')) return 'must be a relative path';
  const elements = path.split('/');
  if (elements.includes('..')) return "must not contain '..'";
  if (elements.some((e) => e === '' || e === '.')) return "must not contain empty or '.' elements";
  if (path.startsWith('..')) return "must not start with '..'";
  return undefined;
}

/** Why `mode` is not a file mode Kubernetes accepts (0 to 0777), or undefined. */
function modeProblem(mode: number): string | undefined {
  return Number.isInteger(mode) && mode >= 0 && mode <= 0o777 ? undefined : `must be a number between 0 and 0777 (octal), got ${mode}`;
}

/** Files of a configMap volume. */
export function projectConfigMap(source: ConfigMapVolumeSource, namespace: string, lookup: ConfigLookup): Projection {
  return project(
    { kind: 'ConfigMap', name: source.name, items: source.items, defaultMode: source.defaultMode, optional: source.optional },
    namespace,
    lookup,
  );
}

/** Files of a secret volume. */
export function projectSecret(source: SecretVolumeSource, namespace: string, lookup: ConfigLookup): Projection {
  return project(
    { kind: 'Secret', name: source.secretName, items: source.items, defaultMode: source.defaultMode, optional: source.optional },
    namespace,
    lookup,
  );
}

interface Source {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  items: KeyToPath[] | undefined;
  defaultMode: number | undefined;
  optional: boolean | undefined;
}

function project(source: Source, namespace: string, lookup: ConfigLookup): Projection {
  const noun = source.kind === 'ConfigMap' ? 'configmap' : 'secret';
  const defaultMode = source.defaultMode ?? DEFAULT_FILE_MODE;
  const defaultModeProblem = modeProblem(defaultMode);
  if (defaultModeProblem) return { ok: false, message: `defaultMode ${defaultModeProblem}` };
  const object = lookup(source.kind, namespace, source.name);
  if (!object) {
    // kubelet mounts an optional volume whose object is missing as an empty directory.
    return source.optional ? { ok: true, files: [] } : { ok: false, message: `${noun} "${source.name}" not found` };
  }
  const wanted: KeyToPath[] = source.items ?? Object.keys(object.data).map((key) => ({ key, path: key }));
  const files: ProjectedFile[] = [];
  for (const item of wanted) {
    const encoded = object.data[item.key];
    if (encoded === undefined) {
      if (source.optional) continue;
      return { ok: false, message: source.kind === 'ConfigMap' ? `configmap references non-existent config key: ${item.key}` : `secret references non-existent secret key: ${item.key}` };
    }
    const problem = pathProblem(item.path);
    if (problem) return { ok: false, message: `path "${item.path}" of key "${item.key}" ${problem}` };
    const mode = item.mode ?? defaultMode;
    const badMode = modeProblem(mode);
    if (badMode) return { ok: false, message: `mode of key "${item.key}" ${badMode}` };
    files.push({ path: item.path, mode, content: Buffer.from(encoded, 'base64') });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const conflict = conflictingPaths(files);
  if (conflict) return { ok: false, message: conflict };
  return { ok: true, files };
}

/** Two items at one path, or a file where another item needs a directory; `files` sorted by path. */
function conflictingPaths(files: readonly ProjectedFile[]): string | undefined {
  const paths = new Set<string>();
  for (const file of files) {
    if (paths.has(file.path)) return `more than one item has path "${file.path}"`;
    paths.add(file.path);
  }
  for (const file of files) {
    const elements = file.path.split('/');
    for (let i = 1; i < elements.length; i++) {
      const parent = elements.slice(0, i).join('/');
      if (paths.has(parent)) return `path "${parent}" is both a file and the directory of "${file.path}"`;
    }
  }
  return undefined;
}

/**
 * A digest of what the volume holds (paths, modes, bytes), so that a refresh can tell that
 * nothing changed without rewriting anything. atomic-writer.ts computes the same digest from
 * the files on disk.
 */
export function payloadHash(files: readonly ProjectedFile[]): string {
  const hash = createHash('sha256');
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of sorted) {
    hash.update(`${file.path}\0${file.mode.toString(8)}\0${file.content.length}\0`);
    hash.update(file.content);
  }
  return hash.digest('hex');
}
