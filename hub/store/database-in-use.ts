/**
 * Whether a process (a running hub, or `skiff hub rotate-encryption-key`) has a hub database
 * open, asked of SQLite itself: the hub has no pid or lock file, but in WAL mode every open
 * connection keeps a shared lock on the database file for as long as it is open, so a
 * connection that asks for an exclusive lock, without waiting, is refused exactly while another
 * one is open (in this process or any other: SQLite tracks its own in-process locks too).
 */
import Database from 'better-sqlite3';

export type DatabaseUse =
  | { state: 'free' }
  | { state: 'in-use' }
  /** Not a database SQLite can read (damaged, or not SQLite at all): whether it is open cannot be told this way. */
  | { state: 'unreadable'; reason: string };

const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/**
 * Probes FILE (which must exist). A free database is left as it was, but for the WAL being
 * checkpointed into it when this was the last connection: the data is the same.
 */
export function databaseInUse(file: string): DatabaseUse {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    // EXCLUSIVE locking mode: the first read takes the exclusive lock and keeps it (in WAL mode
    // too, without the shared-memory index), which fails at once if anyone else holds a lock.
    db.pragma('locking_mode = EXCLUSIVE');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    return { state: 'free' };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && BUSY_CODES.has(code)) return { state: 'in-use' };
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return { state: 'unreadable', reason: (err as Error).message };
    throw err;
  } finally {
    db.close();
  }
}
