/**
 * Replaces a file's content all at once, for files that hold secrets (keys, tokens, client
 * configs): written to a temp file of mode 0600 beside it, fsynced, renamed over the old one, and
 * the directory fsynced, so a crash leaves the old file or the new one, never a mix, and the new
 * name survives a power cut. A failed write removes its temp file.
 */
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function replaceFileAtomically(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, 0o600); // the mode given to open is masked by umask
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
