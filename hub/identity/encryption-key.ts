/**
 * The key file that encrypts Secrets at rest (hub/store/secret-encryption.ts), kept outside the
 * database so that a copied hub.db alone reveals nothing. Like kube-apiserver's
 * EncryptionConfiguration with several aesgcm keys: the first key writes, every key listed still
 * decrypts, so a rotation can add a key, re-encrypt row by row, and drop the old key only once no
 * row uses it.
 *
 * The file is JSON, mode 0600, always replaced atomically (temp file, fsync, rename), so a crash
 * leaves either the old or the new file, never half of one. Its contents are never echoed in an
 * error message (a JSON.parse error quotes the text it choked on).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { SkiffError } from '../../shared/errors.js';
import { replaceFileAtomically } from '../../shared/replace-file.js';

/** AES-256: 32 bytes of key. */
export const KEY_BYTES = 32;

/** A key id may not hold ':' (it sits inside the stored envelope's prefix). */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface EncryptionKey {
  id: string;
  secret: Buffer;
  createdAt: string;
}

/** The keys of one key file, the write key first. */
export class EncryptionKeys {
  constructor(
    readonly file: string,
    readonly keys: readonly EncryptionKey[],
  ) {
    if (keys.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', `encryption key file ${file} holds no key`);
  }

  /** The key new ciphertexts are written with: the first (newest) one. */
  get writeKey(): EncryptionKey {
    return this.keys[0]!;
  }

  find(id: string): EncryptionKey | undefined {
    return this.keys.find((key) => key.id === id);
  }

  get ids(): string[] {
    return this.keys.map((key) => key.id);
  }
}

interface KeyFileJson {
  apiVersion: 'skiff/v1';
  kind: 'EncryptionKeys';
  keys: Array<{ id: string; secret: string; createdAt: string }>;
}

/** A new random key; its id says when it was made and stays unique without a counter. */
export function generateKey(now: Date = new Date()): EncryptionKey {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return { id: `${stamp}-${randomBytes(3).toString('hex')}`, secret: randomBytes(KEY_BYTES), createdAt: now.toISOString() };
}

function invalid(file: string, why: string): SkiffError {
  return new SkiffError('SKIFF_ERR_CONFIG', `encryption key file ${file} is invalid: ${why}`);
}

/** Parses a key file's text; every message names the file and never quotes key material. */
export function parseKeyFile(file: string, text: string): EncryptionKeys {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text around the error, which here is key material.
    throw invalid(file, 'not valid JSON');
  }
  const doc = parsed as Partial<KeyFileJson> | null;
  if (typeof doc !== 'object' || doc === null || doc.kind !== 'EncryptionKeys' || !Array.isArray(doc.keys)) {
    throw invalid(file, 'expected {"apiVersion": "skiff/v1", "kind": "EncryptionKeys", "keys": [...]}');
  }
  const seen = new Set<string>();
  const keys = doc.keys.map((entry: unknown, index): EncryptionKey => {
    const { id, secret, createdAt } = (entry ?? {}) as Partial<KeyFileJson['keys'][number]>;
    if (typeof id !== 'string' || !KEY_ID.test(id)) throw invalid(file, `keys[${index}].id must be 1-64 characters of [A-Za-z0-9._-]`);
    if (seen.has(id)) throw invalid(file, `key id "${id}" appears twice`);
    seen.add(id);
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'base64') : Buffer.alloc(0);
    if (bytes.length !== KEY_BYTES) throw invalid(file, `key "${id}" must be ${KEY_BYTES} bytes in base64`);
    return { id, secret: bytes, createdAt: typeof createdAt === 'string' ? createdAt : '' };
  });
  return new EncryptionKeys(file, keys);
}

export function formatKeyFile(keys: readonly EncryptionKey[]): string {
  const doc: KeyFileJson = {
    apiVersion: 'skiff/v1',
    kind: 'EncryptionKeys',
    keys: keys.map((key) => ({ id: key.id, secret: key.secret.toString('base64'), createdAt: key.createdAt })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Reads the key file; a missing or unreadable file is a SKIFF_ERR_CONFIG naming it. */
export function readKeyFile(file: string): EncryptionKeys {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? String(err)})`;
    throw new SkiffError('SKIFF_ERR_CONFIG', `encryption key file ${file} ${why}`, { cause: err });
  }
  return parseKeyFile(file, text);
}

/** Replaces the key file atomically, mode 0600, and syncs the directory so the rename survives power loss. */
export function writeKeyFile(file: string, keys: readonly EncryptionKey[]): EncryptionKeys {
  const result = new EncryptionKeys(file, keys);
  try {
    replaceFileAtomically(file, formatKeyFile(keys));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SkiffError('SKIFF_ERR_CONFIG', `cannot write encryption key file ${file} (${code ?? String(err)})`, { cause: err });
  }
  return result;
}


export function keyFileExists(file: string): boolean {
  return existsSync(file);
}

/**
 * The key file as a running hub sees it: read once, then re-read whenever the file on disk is
 * replaced (new inode, size or mtime), so a `skiff hub rotate-encryption-key` run beside a live hub
 * takes effect on the hub's next Secret write without a restart. A file that disappears while the
 * hub runs changes nothing: the keys already loaded stay in use.
 */
export class KeyFileWatcher {
  private keys: EncryptionKeys;
  private stamp: string;

  constructor(
    readonly file: string,
    initial: EncryptionKeys,
  ) {
    this.keys = initial;
    this.stamp = this.currentStamp() ?? '';
  }

  private currentStamp(): string | undefined {
    try {
      const stat = statSync(this.file);
      return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return undefined; // gone or unreadable: keep the loaded keys (see the class comment)
    }
  }

  /** The keys, re-read first if the file was replaced since the last look. */
  current(): EncryptionKeys {
    const stamp = this.currentStamp();
    if (stamp !== undefined && stamp !== this.stamp) {
      this.keys = readKeyFile(this.file);
      this.stamp = stamp;
    }
    return this.keys;
  }
}
