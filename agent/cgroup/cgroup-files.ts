/** The real filesystem behind the cgroup readback (cgroup-limits.ts stays pure). */
import { readFile } from 'node:fs/promises';
import type { CgroupFileReader } from './cgroup-limits.js';

/** A cgroup file's text; undefined when this kernel does not have it (e.g. memsw without swap accounting). */
export const readCgroupFile: CgroupFileReader = async (dir, file) => {
  try {
    return await readFile(`${dir}/${file}`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};

export function readProcCgroup(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/cgroup`, 'utf8');
}
