/**
 * `skiff hub rotate-encryption-key`: adds a new key to the key file, makes it the write key,
 * re-encrypts every Secret row with it, and (with prune) drops the keys no row uses any more.
 *
 * Crash-safe in this order: the key file holding the new key is on disk (fsync + rename) before
 * any row uses it; each batch of rows is one transaction; old keys go only after the last batch,
 * and only those no row is sealed with. A crash at any point leaves every row readable with the
 * key file on disk, and running the command again finishes the job.
 *
 * It works on the database file directly, with the hub stopped or running: batches take SQLite's
 * write lock (BEGIN IMMEDIATE, busy timeout) so they interleave with the hub's own writes, and a
 * running hub re-reads the replaced key file before its next Secret read or write
 * (KeyFileWatcher). Superseded versions of rows (under the old key, or plaintext from before
 * encryption) would linger in the file's free pages: the file is rebuilt (VACUUM, with
 * secure_delete on) and the WAL checkpointed, so a leaked old key opens nothing in it.
 */
import { existsSync } from 'node:fs';
import { SECRET_ENCRYPTION_DEFAULTS } from '../../shared/defaults.js';
import { SkiffError } from '../../shared/errors.js';
import { openDurableDatabase } from '../../shared/sqlite.js';
import { generateKey, keyFileExists, readKeyFile, writeKeyFile, type EncryptionKey, type EncryptionKeys } from '../identity/encryption-key.js';
import { MIGRATIONS } from './sqlite-migrations.js';
import { ENVELOPE_PREFIX, SEALED_RESOURCE_KEYS, decodeRow, isSealed, rowContext, sealEnvelope, sealedKeyIds } from './secret-encryption.js';

export interface RotationOptions {
  databaseFile: string;
  keyFile: string;
  /** Also drop from the key file every key no row is sealed with. */
  prune: boolean;
  batchSize?: number;
  now?: () => Date;
}

export interface RotationResult {
  writeKeyId: string;
  /** Rows sealed with the new key by this run. */
  reencrypted: number;
  /** Of those, rows that were plaintext (written before encryption at rest). */
  wasPlaintext: number;
  prunedKeyIds: string[];
  /** The key ids the key file holds at the end. */
  keyIds: string[];
}

interface SecretRow {
  resource: string;
  namespace: string;
  name: string;
  data: string;
}

export function rotateEncryptionKey(options: RotationOptions): RotationResult {
  if (!existsSync(options.databaseFile)) throw new SkiffError('SKIFF_ERR_CONFIG', `no hub database at ${options.databaseFile} (is --data-dir right?)`);
  const db = openDurableDatabase(options.databaseFile, MIGRATIONS);
  try {
    db.pragma('secure_delete = ON');
    const inUse = sealedKeyIds(db);
    let previous: readonly EncryptionKey[] = [];
    if (keyFileExists(options.keyFile)) {
      previous = readKeyFile(options.keyFile).keys;
    } else if (inUse.size > 0) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `encryption key file ${options.keyFile} not found, but the database holds Secrets encrypted with key(s) ${[...inUse].join(', ')}`);
    }
    const missing = [...inUse].filter((id) => !previous.some((key) => key.id === id));
    if (missing.length > 0) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `encryption key file ${options.keyFile} lacks key(s) ${missing.join(', ')} that Secrets in the database are encrypted with`);
    }

    const writeKey = generateKey(options.now?.());
    const keys = writeKeyFile(options.keyFile, [writeKey, ...previous]);

    const header = `${ENVELOPE_PREFIX}${writeKey.id}:`;
    const resources = [...SEALED_RESOURCE_KEYS];
    const pending = db.prepare<unknown[], SecretRow>(
      `SELECT resource, namespace, name, data FROM objects
       WHERE resource IN (${resources.map(() => '?').join(', ')}) AND substr(data, 1, ?) <> ? LIMIT ?`,
    );
    const rewrite = db.prepare('UPDATE objects SET data = ? WHERE resource = ? AND namespace = ? AND name = ?');
    const batchSize = options.batchSize ?? SECRET_ENCRYPTION_DEFAULTS.rotationBatchSize;
    let reencrypted = 0;
    let wasPlaintext = 0;
    // IMMEDIATE: the batch holds the write lock from its first read, so a live hub's write to the
    // same row cannot slip in between reading and rewriting it.
    const batch = db.transaction((): number => {
      const rows = pending.all(...resources, header.length, header, batchSize);
      for (const row of rows) reencryptRow(row, keys, writeKey, rewrite);
      wasPlaintext += rows.filter((row) => !isSealed(row.data)).length;
      return rows.length;
    });
    for (let done = batch.immediate(); done > 0; done = batch.immediate()) reencrypted += done;
    // Earlier versions of each row (every update the hub made) linger in free space under the old
    // key, or in plaintext from before encryption: rebuild the file so only live rows remain.
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');

    let final: EncryptionKeys = keys;
    if (options.prune) {
      const stillUsed = sealedKeyIds(db);
      const kept = keys.keys.filter((key) => key === writeKey || stillUsed.has(key.id));
      if (kept.length < keys.keys.length) final = writeKeyFile(options.keyFile, kept);
    }
    return {
      writeKeyId: writeKey.id,
      reencrypted,
      wasPlaintext,
      prunedKeyIds: keys.ids.filter((id) => !final.find(id)),
      keyIds: final.ids,
    };
  } finally {
    db.close();
  }
}

function reencryptRow(row: SecretRow, keys: EncryptionKeys, writeKey: EncryptionKey, rewrite: { run(...params: string[]): unknown }): void {
  const context = rowContext(row.resource, row.namespace, row.name);
  const json = decodeRow(row.data, keys, context);
  rewrite.run(sealEnvelope(json, writeKey, context), row.resource, row.namespace, row.name);
}
