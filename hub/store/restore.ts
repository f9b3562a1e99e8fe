/**
 * `skiff hub restore FILE`: rebuilds a hub data dir from a `skiff hub backup` file.
 *
 * Nothing is touched until the backup has been verified in full (backup-format.ts readBackup)
 * and the target checked: no hub may have it open (database-in-use.ts), and a data dir that
 * already holds anything is replaced only with --force. The new data dir is built in a temp dir
 * beside the target and renamed into place; a replaced data dir is renamed aside first (and back
 * if the second rename fails), and kept as DATA.pre-restore-TIMESTAMP for the operator to
 * delete, as k3s keeps the etcd data dir a cluster reset replaces. A restore that fails at any
 * point therefore leaves the old data dir as it was.
 *
 * Pending schema migrations are not run here: the hub runs them at its next start, so the
 * restored files stay readable by the Skiff version that wrote them (a rollback is a restore).
 */
import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { HUB_FILES } from '../../shared/defaults.js';
import { SkiffError } from '../../shared/errors.js';
import { BACKUP_TABLES, readBackup, type BackupContents } from './backup-format.js';
import { databaseInUse } from './database-in-use.js';

export interface RestoreOptions {
  file: string;
  dataDir: string;
  /** Replace a data dir that already holds files. */
  force: boolean;
  now?: () => Date;
}

export interface RestoreResult {
  dataDir: string;
  createdAt: string;
  schemaVersion: number;
  objects: number;
  files: string[];
  /** Where the replaced data dir was moved (--force on a data dir that held files). */
  replacedDir?: string;
  /** Why the replaced hub.db could not be checked for a running hub (it was unreadable). */
  unreadableDatabase?: string;
}

/**
 * Added to every dispatch generation of the restored database. Agents apply a desired state only
 * when its generation is higher than the last one they stored, and the hub may have published
 * many after the backup was taken: without a jump, a restored hub's publications would be
 * ignored as stale until it caught up. A billion changes per node between a backup and its
 * restore is out of reach, and 2^53 leaves room for millions of restores.
 */
export const RESTORED_GENERATION_JUMP = 1_000_000_000;

export function restoreHub(options: RestoreOptions): RestoreResult {
  const backup = readBackup(options.file);
  const dataDir = resolve(options.dataDir);
  const target = inspectTarget(dataDir, options.force);

  mkdirSync(dirname(dataDir), { recursive: true });
  const staging = mkdtempSync(`${dataDir}.restore-`);
  let replacedDir: string | undefined;
  try {
    chmodSync(staging, 0o700);
    writeDatabase(options.file, join(staging, HUB_FILES.database));
    writeIdentityFiles(staging, backup);
    syncPath(staging);
    replacedDir = swapIntoPlace(staging, dataDir, target.holdsFiles, options.now?.() ?? new Date());
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  syncPath(dirname(dataDir));
  return {
    dataDir,
    createdAt: backup.createdAt,
    schemaVersion: backup.schemaVersion,
    objects: backup.objects,
    files: backup.files.map((file) => file.path),
    ...(replacedDir !== undefined ? { replacedDir } : {}),
    ...(target.unreadableDatabase !== undefined ? { unreadableDatabase: target.unreadableDatabase } : {}),
  };
}

/** Refuses a data dir a hub has open, or one that holds files without --force. */
function inspectTarget(dataDir: string, force: boolean): { holdsFiles: boolean; unreadableDatabase?: string } {
  if (!existsSync(dataDir)) return { holdsFiles: false };
  if (!statSync(dataDir).isDirectory()) throw new SkiffError('SKIFF_ERR_CONFIG', `${dataDir} exists and is not a directory`);
  const databaseFile = join(dataDir, HUB_FILES.database);
  let unreadableDatabase: string | undefined;
  if (existsSync(databaseFile)) {
    const use = databaseInUse(databaseFile);
    if (use.state === 'in-use') {
      throw new SkiffError('SKIFF_ERR_CONFLICT', `a hub is running on ${dataDir} (${databaseFile} is in use): stop it before restoring`);
    }
    if (use.state === 'unreadable') unreadableDatabase = use.reason;
  }
  const holdsFiles = readdirSync(dataDir).length > 0;
  if (holdsFiles && !force) {
    throw new SkiffError('SKIFF_ERR_CONFLICT', `data dir ${dataDir} already holds a hub's files: pass --force to replace it (it is kept as ${dataDir}.pre-restore-TIMESTAMP)`);
  }
  return { holdsFiles, ...(unreadableDatabase !== undefined ? { unreadableDatabase } : {}) };
}

/** hub.db: the backup file itself, without the backup's tables, rebuilt so that no page of them (keys!) remains. */
function writeDatabase(backupFile: string, databaseFile: string): void {
  copyFileSync(backupFile, databaseFile);
  chmodSync(databaseFile, 0o600);
  const db = new Database(databaseFile, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    db.transaction(() => {
      db.exec(`DROP TABLE ${BACKUP_TABLES.files}; DROP TABLE ${BACKUP_TABLES.meta};`);
      if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dispatch'`).get()) {
        db.prepare('UPDATE dispatch SET generation = generation + ?').run(RESTORED_GENERATION_JUMP);
      }
    })();
    db.exec('VACUUM');
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new SkiffError('SKIFF_ERR_INTERNAL', `the restored database fails integrity_check: ${String(check)}`);
    // The hub's own mode (shared/sqlite.ts sets it at every open too).
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  syncPath(databaseFile);
}

function writeIdentityFiles(dir: string, backup: BackupContents): void {
  for (const file of backup.files) {
    const path = join(dir, ...file.path.split('/'));
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, file.content, { mode: file.mode });
    chmodSync(path, file.mode); // the mode option is masked by umask
    syncPath(path);
  }
}

/** Renames the staging dir to the data dir; a data dir holding files is moved aside first, and back on failure. */
function swapIntoPlace(staging: string, dataDir: string, holdsFiles: boolean, now: Date): string | undefined {
  if (!existsSync(dataDir)) {
    renameSync(staging, dataDir);
    return undefined;
  }
  if (!holdsFiles) {
    rmdirSync(dataDir);
    renameSync(staging, dataDir);
    return undefined;
  }
  const replacedDir = `${dataDir}.pre-restore-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
  try {
    renameSync(dataDir, replacedDir);
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `cannot move ${dataDir} aside to ${replacedDir} (${(err as Error).message}); is it a mount point? restore into an empty directory instead`, { cause: err });
  }
  try {
    renameSync(staging, dataDir);
  } catch (err) {
    renameSync(replacedDir, dataDir);
    throw err;
  }
  return replacedDir;
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
