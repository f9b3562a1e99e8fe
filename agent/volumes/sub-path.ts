/**
 * The host path a `subPath` volume mount binds: the file or directory inside the volume,
 * resolved through every symlink to its real path. For a configMap or secret volume that is the
 * file inside the current `..data` dir, so (as in Kubernetes) a subPath mount keeps the content
 * it started with and does not see updates. A subPath that leads out of the volume, by '..' or
 * through a symlink (one a container planted in an emptyDir, say: CVE-2017-1002101), is refused.
 * Missing directories are created in emptyDir volumes, as kubelet does; in configMap and secret
 * volumes a subPath must exist.
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type SubPathResult = { ok: true; path: string } | { ok: false; message: string };

export async function resolveSubPath(volumeDir: string, subPath: string, options: { create: boolean }): Promise<SubPathResult> {
  if (subPath.startsWith('/')) return { ok: false, message: `subPath "${subPath}" must be a relative path` };
  const elements = subPath.split('/').filter((e) => e !== '' && e !== '.');
  if (elements.includes('..')) return { ok: false, message: `subPath "${subPath}" must not contain '..'` };
  const root = await realpath(volumeDir);
  let current = root;
  // One element at a time, checking each real path before going on, so that nothing is ever
  // created outside the volume through a symlink met on the way.
  for (const element of elements) {
    const next = join(current, element);
    if (!(await exists(next))) {
      if (!options.create) return { ok: false, message: `subPath "${subPath}" does not exist in the volume` };
      await mkdir(next, { mode: 0o755 });
    }
    let real: string;
    try {
      real = await realpath(next);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, message: `subPath "${subPath}" leads to a dangling symlink` };
      throw err;
    }
    if (real !== root && !real.startsWith(root + sep)) return { ok: false, message: `subPath "${subPath}" leads out of the volume` };
    current = real;
  }
  return { ok: true, path: current };
}

/** Whether `path` exists itself (a dangling symlink exists). */
async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
