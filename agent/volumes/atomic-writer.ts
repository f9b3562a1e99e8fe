/**
 * kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go) for configMap and secret volumes:
 * the files live in a timestamped data dir (`..2026_12_05_10_00_00.Ab12Cd`), `..data` is a
 * symlink to it, and each top-level name is a symlink `name -> ..data/name`. An update writes a
 * whole new data dir, then swaps `..data` in one rename(2), so a container that bind-mounts the
 * volume directory sees either the old set of files or the new one, never a mix; then the old
 * data dir and the names no longer in the payload are removed.
 *
 * A write is skipped when the payload equals what `..data` holds: the caller passes what it
 * last wrote (one readlink then confirms nothing changed); without that (after an agent
 * restart) the files on disk are hashed and compared, as kubelet compares them byte by byte.
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { payloadHash, type ProjectedFile } from './projection.js';

export const DATA_DIR_LINK = '..data';
const DATA_DIR_TMP_LINK = '..data_tmp';
/** Directories inside a volume: readable and searchable by any user of the container. */
const DIR_MODE = 0o755;

/** What a volume directory holds: the payload digest and the data dir `..data` points to. */
export interface WrittenPayload {
  hash: string;
  dataDir: string;
}

export interface WriteResult extends WrittenPayload {
  /** A new data dir was written and swapped in. */
  changed: boolean;
}

/**
 * Makes `volumeDir` (an existing directory) hold exactly `files` (paths validated by
 * projection.pathProblem), atomically. `known` is what the caller's last write returned for
 * this directory, if any.
 */
export async function writePayload(volumeDir: string, files: readonly ProjectedFile[], known: WrittenPayload | undefined, now: Date): Promise<WriteResult> {
  const hash = payloadHash(files);
  const topLevel = new Set(files.map((f) => f.path.split('/')[0]!));
  const current = await readDataLink(volumeDir);
  if (current !== undefined) {
    if (known?.dataDir === current && known.hash === hash) return { hash, dataDir: current, changed: false };
    const currentHash = known?.dataDir === current ? known.hash : await hashOnDisk(join(volumeDir, current));
    if (currentHash === hash) {
      // Same content (first look after a restart): repair the links and leftovers only.
      await linkTopLevelNames(volumeDir, topLevel);
      await removeLeftovers(volumeDir, current, topLevel);
      return { hash, dataDir: current, changed: false };
    }
  }
  const dataDirPath = await mkdtemp(join(volumeDir, timestampPrefix(now)));
  await chmod(dataDirPath, DIR_MODE);
  const made = new Set<string>();
  for (const file of files) {
    const path = join(dataDirPath, file.path);
    await makeDirs(dataDirPath, dirname(file.path), made);
    await writeFile(path, file.content, { mode: file.mode });
    await chmod(path, file.mode); // writeFile's mode is filtered by the umask
  }
  const dataDir = basename(dataDirPath);
  const tmpLink = join(volumeDir, DATA_DIR_TMP_LINK);
  await rm(tmpLink, { force: true });
  await symlink(dataDir, tmpLink);
  await rename(tmpLink, join(volumeDir, DATA_DIR_LINK));
  await linkTopLevelNames(volumeDir, topLevel);
  await removeLeftovers(volumeDir, dataDir, topLevel);
  return { hash, dataDir, changed: true };
}

/** Creates `relative` (and its parents) under the fresh `root`, mode 0755 whatever the umask. */
async function makeDirs(root: string, relative: string, made: Set<string>): Promise<void> {
  if (relative === '.' || made.has(relative)) return;
  await makeDirs(root, dirname(relative), made);
  await mkdir(join(root, relative));
  await chmod(join(root, relative), DIR_MODE);
  made.add(relative);
}

/** The data dir `..data` points to, or undefined when the volume was never written. */
export async function readDataLink(volumeDir: string): Promise<string | undefined> {
  try {
    return await readlink(join(volumeDir, DATA_DIR_LINK));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** kubelet's data dir prefix: `..` and the UTC time; mkdtemp adds a random suffix. */
function timestampPrefix(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.`;
}

/** payloadHash of the files under `dataDirPath`, or undefined when it holds anything but files and directories. */
async function hashOnDisk(dataDirPath: string): Promise<string | undefined> {
  const files: ProjectedFile[] = [];
  const walk = async (dir: string, prefix: string): Promise<boolean> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const relative = prefix + entry.name;
      if (entry.isDirectory()) {
        if (!(await walk(path, `${relative}/`))) return false;
      } else if (entry.isFile()) {
        files.push({ path: relative, mode: (await stat(path)).mode & 0o777, content: await readFile(path) });
      } else {
        return false;
      }
    }
    return true;
  };
  try {
    return (await walk(dataDirPath, '')) ? payloadHash(files) : undefined;
  } catch (err) {
    // `..data` does not lead to a directory (removed or replaced by hand): rewrite.
    if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
}

/** Each top-level name as a symlink into `..data` (replacing whatever else has the name). */
async function linkTopLevelNames(volumeDir: string, names: ReadonlySet<string>): Promise<void> {
  for (const name of names) {
    const path = join(volumeDir, name);
    const target = `${DATA_DIR_LINK}/${name}`;
    const existing = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (existing?.isSymbolicLink() && (await readlink(path)) === target) continue;
    if (existing) await rm(path, { recursive: true, force: true });
    await symlink(target, path);
  }
}

/** Removes old data dirs, a stray `..data_tmp`, and names no longer in the payload. */
async function removeLeftovers(volumeDir: string, dataDir: string, topLevel: ReadonlySet<string>): Promise<void> {
  for (const name of await readdir(volumeDir)) {
    if (name === DATA_DIR_LINK || name === dataDir || topLevel.has(name)) continue;
    await rm(join(volumeDir, name), { recursive: true, force: true });
  }
}
