/**
 * Opening a SQLite file the way both the hub's and the agent's stores need it: WAL journal with
 * synchronous=FULL (a committed write survives kill -9 and power loss), and numbered,
 * append-only migrations tracked in `user_version`, each in its own transaction.
 */
import Database from 'better-sqlite3';
import { SkiffError } from './errors.js';

export function migrate(db: Database.Database, migrations: readonly string[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `database schema version ${current} is newer than this Skiff (${migrations.length}); upgrade Skiff`);
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

export function openDurableDatabase(file: string, migrations: readonly string[]): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}
