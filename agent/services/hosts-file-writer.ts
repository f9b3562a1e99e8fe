/**
 * Writes a Pod's hosts file (hosts-file.ts) where its containers see it (issue #8). The file is
 * bind-mounted at /etc/hosts, and a bind mount of a file pins its inode: a rename-replace (the
 * usual atomic write) would leave every running container reading the old file forever. So the
 * file is rewritten in place (open with 'w': truncate and write the same inode), as Docker
 * rewrites the /etc/hosts it manages. A reader racing a rewrite may see a shorter file for a
 * moment, never a stale one for good.
 *
 * Rewritten only when the content differs, so an unchanged Services view costs one read per Pod
 * and no SD card write.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** kubelet's hostsFilePerm: readable by any user of the container, written only by the agent. */
const HOSTS_FILE_MODE = 0o644;

/** Makes `path` hold `content`, keeping its inode; creates it (and its directory) when missing. Returns whether it wrote. */
export async function writeHostsFileInPlace(path: string, content: string): Promise<boolean> {
  const current = await readIfExists(path);
  if (current === content) return false;
  if (current === undefined) await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'w', HOSTS_FILE_MODE);
  try {
    await handle.writeFile(content, 'utf8');
    // The mode given to open is filtered by the umask; kubelet sets it explicitly too.
    if (current === undefined) await handle.chmod(HOSTS_FILE_MODE);
  } finally {
    await handle.close();
  }
  return true;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
