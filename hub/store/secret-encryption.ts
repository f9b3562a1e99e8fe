/**
 * Secrets encrypted at rest in the hub's store (issue #6), as kube-apiserver's aesgcm provider
 * does it: the stored JSON of every Secret row is sealed with AES-256-GCM under a random 96-bit
 * nonce, and the row holds `k8s:enc:aesgcm:v1:<key id>:<base64(nonce | ciphertext | tag)>`.
 * The key id in each row lets a rotation re-encrypt row by row (crash-safe, resumable) while
 * every listed key still decrypts. The row's identity (resource, namespace, name) is the
 * additional authenticated data, as the etcd key is in Kubernetes: a ciphertext copied onto
 * another row does not open.
 *
 * Only the row serialisation of the SQLite store changes (encode on write, decode on read), so the
 * Store interface, the API, watch and dispatch see plain objects. Rows written before encryption
 * existed still read (they do not start with the prefix) and are sealed by their next write or by
 * `skiff hub rotate-encryption-key`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SkiffError } from '../../shared/errors.js';
import { generateKey, keyFileExists, KeyFileWatcher, readKeyFile, writeKeyFile, type EncryptionKey, type EncryptionKeys } from '../identity/encryption-key.js';

export const ENVELOPE_PREFIX = 'k8s:enc:aesgcm:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The store rows whose JSON is sealed: core/v1 Secrets (resource key "group/plural"). */
export const SEALED_RESOURCE_KEYS: ReadonlySet<string> = new Set(['/secrets']);

/** What a row's ciphertext is bound to: its primary key in the objects table. */
export function rowContext(resourceKey: string, namespace: string, name: string): string {
  return `${resourceKey}/${namespace}/${name}`;
}

export function isSealed(data: string): boolean {
  return data.startsWith(ENVELOPE_PREFIX);
}

/** The key id a stored value was sealed with, or undefined for plaintext. */
export function envelopeKeyId(data: string): string | undefined {
  if (!isSealed(data)) return undefined;
  const end = data.indexOf(':', ENVELOPE_PREFIX.length);
  return end < 0 ? undefined : data.slice(ENVELOPE_PREFIX.length, end);
}

export function sealEnvelope(plaintext: string, key: EncryptionKey, context: string): string {
  const header = `${ENVELOPE_PREFIX}${key.id}:`;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.secret, nonce);
  cipher.setAAD(Buffer.from(header + context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return header + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

/**
 * Opens a sealed value. Every failure is a SkiffError that names the row (`context`) and the key
 * id, never any bytes of the value.
 */
export function openEnvelope(data: string, keys: EncryptionKeys, context: string): string {
  const keyId = envelopeKeyId(data);
  if (keyId === undefined) throw new SkiffError('SKIFF_ERR_INTERNAL', `stored object ${context} has a malformed encryption envelope`);
  const key = keys.find(keyId);
  if (!key) {
    throw new SkiffError(
      'SKIFF_ERR_INTERNAL',
      `stored object ${context} is encrypted with key "${keyId}", which is not in the encryption key file ${keys.file} (it holds: ${keys.ids.join(', ')})`,
    );
  }
  const header = `${ENVELOPE_PREFIX}${keyId}:`;
  const raw = Buffer.from(data.slice(header.length), 'base64');
  if (raw.length < NONCE_BYTES + TAG_BYTES) throw new SkiffError('SKIFF_ERR_INTERNAL', `stored object ${context} has a truncated encryption envelope`);
  const decipher = createDecipheriv('aes-256-gcm', key.secret, raw.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(header + context, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new SkiffError(
      'SKIFF_ERR_INTERNAL',
      `stored object ${context} failed authentication with encryption key "${keyId}": it was altered, moved from another row, or the key file holds a different key under that id`,
      { cause: err },
    );
  }
}

/** Decodes one stored row with the given keys: sealed values are opened, plaintext passes through. */
export function decodeRow(data: string, keys: EncryptionKeys | undefined, context: string): string {
  if (!isSealed(data)) return data;
  if (!keys) throw new SkiffError('SKIFF_ERR_INTERNAL', `stored object ${context} is encrypted but this store was opened without encryption keys`);
  return openEnvelope(data, keys, context);
}

/** Distinct key ids that sealed rows of the objects table use. */
export function sealedKeyIds(db: Database.Database): Set<string> {
  const start = ENVELOPE_PREFIX.length + 1; // SQLite's substr is 1-based
  const rows = db
    .prepare<[number, number, number, string], { id: string }>(
      `SELECT DISTINCT substr(data, ?, instr(substr(data, ?), ':') - 1) AS id FROM objects WHERE substr(data, 1, ?) = ?`,
    )
    .all(start, start, ENVELOPE_PREFIX.length, ENVELOPE_PREFIX);
  return new Set(rows.map((row) => row.id));
}

/**
 * The SQLite store's codec for sealed rows. `attach` runs once the database is open, before the
 * hub serves anything: it loads the key file, creating it on a first start, and refuses to start
 * (a SKIFF_ERR_CONFIG naming the file) when rows are sealed with keys the file does not hold,
 * the key file lost or replaced. A hub never half-starts on a database it cannot read.
 */
export class SecretEncryption {
  private watcher: KeyFileWatcher | undefined;

  constructor(readonly keyFile: string) {}

  attach(inUse: ReadonlySet<string>): void {
    let keys: EncryptionKeys;
    if (keyFileExists(this.keyFile)) {
      keys = readKeyFile(this.keyFile);
    } else if (inUse.size > 0) {
      throw new SkiffError(
        'SKIFF_ERR_CONFIG',
        `encryption key file ${this.keyFile} not found, but the database holds Secrets encrypted with key(s) ${[...inUse].join(', ')}: restore that file (or point --encryption-key-file at it)`,
      );
    } else {
      keys = writeKeyFile(this.keyFile, [generateKey()]);
    }
    const missing = [...inUse].filter((id) => !keys.find(id));
    if (missing.length > 0) {
      throw new SkiffError(
        'SKIFF_ERR_CONFIG',
        `encryption key file ${this.keyFile} lacks key(s) ${missing.join(', ')} that Secrets in the database are encrypted with (it holds: ${keys.ids.join(', ')})`,
      );
    }
    this.watcher = new KeyFileWatcher(this.keyFile, keys);
  }

  private keys(): EncryptionKeys {
    if (!this.watcher) throw new SkiffError('SKIFF_ERR_INTERNAL', 'SecretEncryption used before attach()');
    return this.watcher.current();
  }

  /** The value to store for an object's JSON: sealed for Secrets, as is for everything else. */
  encode(resourceKey: string, namespace: string, name: string, json: string): string {
    if (!SEALED_RESOURCE_KEYS.has(resourceKey)) return json;
    return sealEnvelope(json, this.keys().writeKey, rowContext(resourceKey, namespace, name));
  }

  decode(resourceKey: string, namespace: string, name: string, data: string): string {
    return isSealed(data) ? openEnvelope(data, this.keys(), rowContext(resourceKey, namespace, name)) : data;
  }
}
