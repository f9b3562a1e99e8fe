/**
 * An agent outbox on a real SQLite database with the agent's migrations: in memory by default
 * (publisher tests), or on a file (restart tests reopen it).
 */
import Database from 'better-sqlite3';
import type { Logger } from '../../../shared/log.js';
import { migrate } from '../../../shared/sqlite.js';
import { Outbox } from '../../../agent/outbox/outbox.js';
import { MIGRATIONS } from '../../../agent/store/migrations.js';
import { capturingLogger } from './fixtures/local-servers.js';

export interface OutboxHarness {
  outbox: Outbox;
  db: Database.Database;
  lines: Array<Record<string, unknown>>;
}

export function openTestOutbox(options: { file?: string; maxBytes?: number; log?: Logger } = {}): OutboxHarness {
  const db = new Database(options.file ?? ':memory:');
  migrate(db, MIGRATIONS);
  const logger = capturingLogger();
  const outbox = new Outbox(db, { maxBytes: options.maxBytes ?? 1024 * 1024, flushIntervalMs: 3_600_000, log: options.log ?? logger.log });
  return { outbox, db, lines: logger.lines };
}
