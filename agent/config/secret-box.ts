/**
 * Secret data at rest on the node (issue #6: a stolen SD card's agent.db alone must yield
 * nothing). AES-256-GCM (node:crypto) under a random key kept in its own 0600 file beside the
 * database (`secret.key`, created on first start). ConfigMaps stay plain; only Secret `data` is
 * sealed, as one blob per Secret so that even its key names are hidden.
 *
 * Sealed text: "v1:" + base64(iv 12 bytes | tag 16 bytes | ciphertext). A wrong key or altered
 * bytes fail GCM's authentication and throw: better no Secret than a corrupted one.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { SkiffError } from '../../shared/errors.js';

const VERSION = 'v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The key in `file`, created (0600, exclusively: two starts cannot write two keys) when absent. */
  static fromKeyFile(file: string): SecretBox {
    let key: Buffer;
    try {
      const fd = openSync(file, 'wx', 0o600);
      key = randomBytes(KEY_BYTES);
      try {
        writeSync(fd, key.toString('base64'));
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
      chmodSync(file, 0o600); // in case someone loosened it
    }
    if (key.length !== KEY_BYTES) throw new SkiffError('SKIFF_ERR_CONFIG', `secret key file ${file} does not hold a ${KEY_BYTES}-byte key`);
    return new SecretBox(key);
  }

  static withKey(key: Buffer): SecretBox {
    if (key.length !== KEY_BYTES) throw new SkiffError('SKIFF_ERR_CONFIG', `a secret key has ${KEY_BYTES} bytes`);
    return new SecretBox(key);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string): string {
    if (!sealed.startsWith(VERSION)) throw new SkiffError('SKIFF_ERR_INTERNAL', 'sealed secret data has an unknown format');
    const raw = Buffer.from(sealed.slice(VERSION.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new SkiffError('SKIFF_ERR_INTERNAL', 'cannot decrypt stored secret data (wrong secret.key or altered database)', { cause: err });
    }
  }
}
