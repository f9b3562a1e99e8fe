/**
 * Whether a directory is on tmpfs, so that Secret volume files (and emptyDir medium Memory) live
 * only in memory and never reach the node's SD card, as kubelet mounts a tmpfs for each secret
 * volume. statfs(2) f_type, TMPFS_MAGIC from linux/magic.h.
 */
import { statfs } from 'node:fs/promises';

export const TMPFS_MAGIC = 0x01021994;

export async function isTmpfs(dir: string): Promise<boolean> {
  return (await statfs(dir)).type === TMPFS_MAGIC;
}
