/**
 * The bytes used under a directory tree, for emptyDir sizeLimit (eviction/empty-dir-limits.ts;
 * kubelet measures an emptyDir as du does). Walked with fs.promises, no child process (a `du`
 * per volume per pass is too dear on a Pi): the sum of the sizes of the regular files in it,
 * each inode counted once (hard links, as du), symlinks never followed (a link to / must neither
 * make a Pod look huge nor make the agent walk the host). Directories are streamed (opendir), one
 * at a time, so a huge directory costs no memory; work is bounded by `maxEntries`, and a walk
 * stops as soon as it has seen more than `stopAboveBytes` (the verdict is known then).
 */
import type { Dir, Stats } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';

export interface DirUsage {
  /** Bytes of the regular files seen; a lower bound when the walk stopped early. */
  bytes: number;
  /** Entries (files, directories, links...) seen. */
  entries: number;
  /** True when the walk hit maxEntries before it saw everything (and before stopAboveBytes). */
  truncated: boolean;
}

export interface DirUsageOptions {
  /** Stop after this many entries (bounded work per monitoring pass). */
  maxEntries: number;
  /** Stop as soon as more than this many bytes are seen. */
  stopAboveBytes?: number;
}

/** Entries a pass walks at most per volume: ~100k lstat calls are a few seconds on a Pi 3. */
export const MAX_USAGE_WALK_ENTRIES = 100_000;

/** The usage of the tree at `root`; undefined when `root` does not exist (a volume not made yet). */
export async function directoryUsage(root: string, options: DirUsageOptions): Promise<DirUsage | undefined> {
  const rootStat = await lstatOrMissing(root);
  if (!rootStat?.isDirectory()) return undefined;
  const usage: DirUsage = { bytes: 0, entries: 0, truncated: false };
  const seenInodes = new Set<string>();
  const pending = [root];
  const full = (): boolean => options.stopAboveBytes !== undefined && usage.bytes > options.stopAboveBytes;
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const handle = await opendirOrMissing(dir);
    if (!handle) continue; // removed while we walked
    // for await closes the handle, also when we leave the loop early.
    for await (const entry of handle) {
      if (usage.entries >= options.maxEntries) {
        usage.truncated = true;
        return usage;
      }
      usage.entries++;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        pending.push(path);
      } else if (entry.isFile()) {
        const stat = await lstatOrMissing(path);
        if (!stat?.isFile()) continue; // gone, or replaced by something else, since readdir
        if (stat.nlink > 1) {
          const inode = `${stat.dev}:${stat.ino}`;
          if (seenInodes.has(inode)) continue;
          seenInodes.add(inode);
        }
        usage.bytes += stat.size;
        if (full()) return usage;
      }
      // Symlinks, FIFOs, sockets, devices: no data blocks of their own worth counting, never followed.
    }
  }
  return usage;
}

/** A file or directory may vanish while a container works in the volume: that is not an error. */
function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** `operation(path)`, or undefined when the path is gone (removed during the walk). */
async function orMissing<T>(operation: (path: string) => Promise<T>, path: string): Promise<T | undefined> {
  try {
    return await operation(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

const lstatOrMissing = (path: string): Promise<Stats | undefined> => orMissing((p) => lstat(p), path);
const opendirOrMissing = (path: string): Promise<Dir | undefined> => orMissing((p) => opendir(p), path);
