/**
 * The file `skiff hub backup` writes and `skiff hub restore` reads: a SQLite database that is a
 * page-for-page copy of DATA/hub.db (SQLite's online backup) plus two tables of its own, the
 * backup's metadata and the hub's identity files (CA, tokens, encryption key) as blobs.
 *
 * One SQLite file rather than a tar: SQLite checks its own structure (PRAGMA integrity_check),
 * every file carries a SHA-256, nothing beyond better-sqlite3 is needed, and `sqlite3 FILE` opens
 * it for inspection. Reading it (`readBackup`) verifies all of that before a restore touches
 * anything; only files in BACKED_UP_FILES are accepted, so a crafted backup cannot write outside
 * the data dir.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HUB_FILES } from '../../shared/defaults.js';
import { SkiffError } from '../../shared/errors.js';
import { TLS_FILES } from '../identity/tls.js';
import { MIGRATIONS } from './sqlite-migrations.js';

export const BACKUP_FORMAT = 'skiff-hub-backup';
/** Bumped only when a restore by an older Skiff would misread the file. */
export const BACKUP_FORMAT_VERSION = 1;

/** The backup's own tables: dropped from the restored hub.db (and the file rebuilt, since they hold keys). */
export const BACKUP_TABLES = { meta: 'skiff_backup_meta', files: 'skiff_backup_files' } as const;

/**
 * Files of the data dir a backup carries, by path relative to it: what a hub needs to come back
 * with the same identity (agents pin the CA through the join token; admins keep their token).
 * Not broker.db (retained messages and sessions: dispatch republishes every node's desired state
 * at start), nor metrics.db (usage history, refilled within minutes) nor audit.log.
 * 'admin-token' is hub/identity/bootstrap.ts's file name.
 */
export const BACKED_UP_FILES: readonly string[] = [
  HUB_FILES.joinToken,
  'admin-token',
  HUB_FILES.adminConfig,
  HUB_FILES.kubeconfig,
  HUB_FILES.encryptionKey,
  `${TLS_FILES.dir}/${TLS_FILES.caCert}`,
  `${TLS_FILES.dir}/${TLS_FILES.caKey}`,
  `${TLS_FILES.dir}/${TLS_FILES.serverCert}`,
  `${TLS_FILES.dir}/${TLS_FILES.serverKey}`,
];

export interface BackedUpFile {
  /** Relative to the data dir, '/'-separated. */
  path: string;
  /** Permission bits the file had (0600 for keys and tokens). */
  mode: number;
  content: Buffer;
}

export interface BackupContents {
  createdAt: string;
  /** The hub.db schema version (user_version) the backup holds. */
  schemaVersion: number;
  objects: number;
  files: BackedUpFile[];
}

export function sha256Hex(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Adds the backup tables to a fresh copy of hub.db (the file `db` is open on). */
export function writeBackupTables(db: Database.Database, contents: BackupContents): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE ${BACKUP_TABLES.meta} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE ${BACKUP_TABLES.files} (path TEXT PRIMARY KEY, mode INTEGER NOT NULL, sha256 TEXT NOT NULL, content BLOB NOT NULL);`);
    const meta = db.prepare(`INSERT INTO ${BACKUP_TABLES.meta} (key, value) VALUES (?, ?)`);
    meta.run('format', BACKUP_FORMAT);
    meta.run('formatVersion', String(BACKUP_FORMAT_VERSION));
    meta.run('createdAt', contents.createdAt);
    meta.run('schemaVersion', String(contents.schemaVersion));
    meta.run('objects', String(contents.objects));
    const file = db.prepare(`INSERT INTO ${BACKUP_TABLES.files} (path, mode, sha256, content) VALUES (?, ?, ?, ?)`);
    for (const entry of contents.files) file.run(entry.path, entry.mode, sha256Hex(entry.content), entry.content);
  })();
}

/** SQLite's own errors for a file that is not a database, or a damaged one. */
const UNREADABLE_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/**
 * Opens FILE read-only and checks, in order: it is a SQLite database, SQLite finds no damage,
 * it is a Skiff hub backup of a format and schema this Skiff can restore, and every file in it
 * matches its checksum. Throws a SkiffError naming the first problem; returns what it holds.
 */
export function readBackup(file: string): BackupContents {
  if (!existsSync(file)) throw new SkiffError('SKIFF_ERR_CONFIG', `no backup file at ${file}`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `cannot open backup ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return readOpenBackup(db, file);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && UNREADABLE_CODES.has(code)) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `${file} is not a readable Skiff hub backup (${(err as Error).message})`, { cause: err });
    }
    throw err;
  } finally {
    db.close();
  }
}

function readOpenBackup(db: Database.Database, file: string): BackupContents {
  const problems = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  if (problems.length !== 1 || problems[0]!.integrity_check !== 'ok') {
    const shown = problems.slice(0, 3).map((row) => row.integrity_check).join('; ');
    throw new SkiffError('SKIFF_ERR_CONFIG', `backup ${file} is damaged (integrity_check: ${shown})`);
  }
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(BACKUP_TABLES.meta);
  if (!hasMeta) throw new SkiffError('SKIFF_ERR_CONFIG', `${file} is not a Skiff hub backup (no ${BACKUP_TABLES.meta} table; a hub.db is restored from a file \`skiff hub backup\` wrote)`);
  const meta = new Map(
    db
      .prepare<[], { key: string; value: string }>(`SELECT key, value FROM ${BACKUP_TABLES.meta}`)
      .all()
      .map((row) => [row.key, row.value]),
  );
  if (meta.get('format') !== BACKUP_FORMAT) throw new SkiffError('SKIFF_ERR_CONFIG', `${file} is not a Skiff hub backup (format "${meta.get('format') ?? ''}")`);
  const formatVersion = Number(meta.get('formatVersion'));
  if (!Number.isInteger(formatVersion) || formatVersion < 1) throw new SkiffError('SKIFF_ERR_CONFIG', `backup ${file} has no valid format version ("${meta.get('formatVersion') ?? ''}")`);
  if (formatVersion > BACKUP_FORMAT_VERSION) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `backup ${file} has format version ${formatVersion}, newer than this Skiff reads (${BACKUP_FORMAT_VERSION}): restore it with a newer Skiff`);
  }
  const schemaVersion = db.pragma('user_version', { simple: true }) as number;
  if (schemaVersion > MIGRATIONS.length) {
    throw new SkiffError(
      'SKIFF_ERR_CONFIG',
      `backup ${file} holds a database of schema version ${schemaVersion}, newer than this Skiff's (${MIGRATIONS.length}): restore it with the Skiff version that made it`,
    );
  }
  const rows = db.prepare<[], { path: string; mode: number; sha256: string; content: Buffer }>(`SELECT path, mode, sha256, content FROM ${BACKUP_TABLES.files} ORDER BY path`).all();
  const files: BackedUpFile[] = [];
  for (const row of rows) {
    if (!BACKED_UP_FILES.includes(row.path)) throw new SkiffError('SKIFF_ERR_CONFIG', `backup ${file} holds an unexpected file "${row.path}"`);
    if (sha256Hex(row.content) !== row.sha256) throw new SkiffError('SKIFF_ERR_CONFIG', `backup ${file} is damaged: ${row.path} does not match its checksum`);
    files.push({ path: row.path, mode: row.mode & 0o777, content: row.content });
  }
  return {
    createdAt: meta.get('createdAt') ?? '',
    schemaVersion,
    objects: Number(meta.get('objects') ?? 0),
    files,
  };
}
