/**
 * `skiff hub backup FILE`: a consistent snapshot of a hub's data dir, taken while the hub runs
 * and keeps writing. The database goes through SQLite's online backup API (better-sqlite3's
 * `db.backup`), with every remaining page copied in one step: one step is one read transaction,
 * so the copy is the database as of one commit (WAL mode lets the hub write on meanwhile), and a
 * write between steps cannot make the backup restart forever. The identity files are read after
 * that snapshot, so the key file read holds every key the snapshot's Secrets are sealed with
 * (a rotation adds a key before it uses it); a prune in between is caught and refused.
 *
 * The file is written to FILE.partial-PID with mode 0600 (it holds the CA key and the Secret
 * encryption key), synced, then renamed over FILE: a failed backup never replaces a good one.
 * The format is backup-format.ts's.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { HUB_FILES } from '../../shared/defaults.js';
import { SkiffError } from '../../shared/errors.js';
import { keyFileExists, readKeyFile } from '../identity/encryption-key.js';
import { BACKED_UP_FILES, writeBackupTables, type BackedUpFile } from './backup-format.js';
import { sealedKeyIds } from './secret-encryption.js';

export interface BackupOptions {
  dataDir: string;
  file: string;
  /** Where the hub's Secret encryption keys are, when not DATA/encryption.key (`skiff hub --encryption-key-file`). */
  encryptionKeyFile?: string;
  now?: () => Date;
}

export interface BackupResult {
  file: string;
  bytes: number;
  objects: number;
  schemaVersion: number;
  /** The identity files it holds, relative to the data dir. */
  files: string[];
}

/** better-sqlite3 copies at most this many pages in the next step: all that remain (its own cap). */
const ALL_REMAINING_PAGES = 0x7fffffff;

export async function backupHub(options: BackupOptions): Promise<BackupResult> {
  const databaseFile = join(options.dataDir, HUB_FILES.database);
  if (!existsSync(databaseFile)) throw new SkiffError('SKIFF_ERR_CONFIG', `no hub database at ${databaseFile} (is --data-dir right?)`);
  const target = resolve(options.file);
  if (!existsSync(dirname(target))) throw new SkiffError('SKIFF_ERR_CONFIG', `cannot write ${options.file}: directory ${dirname(target)} does not exist`);
  const partial = `${target}.partial-${process.pid}`;
  // Created empty with mode 0600 before SQLite writes a byte: the key material is never readable by others.
  closeSync(openSync(partial, 'w', 0o600));
  try {
    await snapshotDatabase(databaseFile, partial);
    const result = finishBackup(partial, options);
    syncFile(partial);
    renameSync(partial, target);
    syncFile(dirname(target));
    return { ...result, file: target, bytes: statSync(target).size };
  } catch (err) {
    rmSync(partial, { force: true });
    rmSync(`${partial}-journal`, { force: true });
    throw err;
  }
}

async function snapshotDatabase(databaseFile: string, partial: string): Promise<void> {
  // Read-only: the backup never writes to the hub's file (nor runs its migrations).
  const source = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(partial, { progress: () => ALL_REMAINING_PAGES });
  } finally {
    source.close();
  }
}

/** Adds the identity files and metadata to the copied database; checks the copy and the keys. */
function finishBackup(partial: string, options: BackupOptions): Omit<BackupResult, 'file' | 'bytes'> {
  const db = new Database(partial, { fileMustExist: true });
  try {
    // The copy carries hub.db's WAL mode in its header; a backup is one self-contained file.
    db.pragma('journal_mode = DELETE');
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new SkiffError('SKIFF_ERR_INTERNAL', `the copied database fails integrity_check: ${String(check)}`);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const objects = schemaVersion === 0 ? 0 : db.prepare<[], { n: number }>('SELECT count(*) AS n FROM objects').get()!.n;
    const files = readIdentityFiles(options);
    if (schemaVersion > 0) checkKeysCover(db, files, options);
    writeBackupTables(db, { createdAt: (options.now?.() ?? new Date()).toISOString(), schemaVersion, objects, files });
    return { objects, schemaVersion, files: files.map((file) => file.path) };
  } finally {
    db.close();
  }
}

function readIdentityFiles(options: BackupOptions): BackedUpFile[] {
  const files: BackedUpFile[] = [];
  for (const path of BACKED_UP_FILES) {
    const source = path === HUB_FILES.encryptionKey ? encryptionKeyFile(options) : join(options.dataDir, ...path.split('/'));
    if (!existsSync(source)) continue; // a plain-HTTP hub has no tls/, a hub that never started no key file
    files.push({ path, mode: statSync(source).mode & 0o777, content: readFileSync(source) });
  }
  return files;
}

function encryptionKeyFile(options: BackupOptions): string {
  return options.encryptionKeyFile ?? join(options.dataDir, HUB_FILES.encryptionKey);
}

/** A backup whose Secrets cannot be decrypted with the keys it carries would restore a hub that cannot start. */
function checkKeysCover(db: Database.Database, files: readonly BackedUpFile[], options: BackupOptions): void {
  const inUse = sealedKeyIds(db);
  if (inUse.size === 0) return;
  const keyFile = encryptionKeyFile(options);
  if (!files.some((file) => file.path === HUB_FILES.encryptionKey) || !keyFileExists(keyFile)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `encryption key file ${keyFile} not found, but the database holds Secrets encrypted with key(s) ${[...inUse].join(', ')} (is --encryption-key-file right?)`);
  }
  const held = new Set(readKeyFile(keyFile).ids);
  const missing = [...inUse].filter((id) => !held.has(id));
  if (missing.length > 0) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `encryption key file ${keyFile} lacks key(s) ${missing.join(', ')} that Secrets in the database are encrypted with (a key rotation pruned them during the backup? run it again)`);
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
