/**
 * Random tokens and password hashing for node credentials (scrypt, constant-time compare).
 * scrypt is deliberately slow (~50 ms of CPU per call): it runs on libuv's threadpool
 * (crypto.scrypt), never on the event loop, so that a fleet joining or reconnecting at once does
 * not freeze the hub (measured with 1,000 simulated nodes, docs/benchmarks.md "Fleet scale").
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const HASH_BYTES = 32;

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

function scryptAsync(secret: string, salt: Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, length, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}:${(await scryptAsync(secret, salt, HASH_BYTES)).toString('hex')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  // scrypt keys its HMAC with the secret, and HMAC pads short keys with zero bytes: "x" and
  // "x\0" would hash alike. Issued secrets are base64url and never hold a NUL.
  if (secret.includes('\0')) return false;
  const [saltHex, hashHex] = stored.split(':');
  if (!saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  if (expected.length === 0) return false;
  const actual = await scryptAsync(secret, Buffer.from(saltHex, 'hex'), expected.length);
  return timingSafeEqual(actual, expected);
}

function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * Remembers, per identity, the last secret that verified against a stored hash, so that the same
 * node reconnecting (every agent after a hub restart, a flapping link) costs a SHA-256 instead of
 * a scrypt. An entry only counts while the stored hash it was verified against is still the one
 * presented: replacing the credential (re-join) or deleting it (`skiff delete node`) makes the
 * caller pass a different hash or none, so revocation needs no invalidation here. Keeping a
 * SHA-256 of the secret in memory is safe because node secrets are 256-bit random tokens, not
 * guessable passwords.
 */
export class VerifiedSecrets {
  private readonly verified = new Map<string, { stored: string; digest: Buffer }>();

  constructor(private readonly slowVerify: (secret: string, stored: string) => Promise<boolean> = verifySecret) {}

  async verify(id: string, secret: string, stored: string): Promise<boolean> {
    const digest = sha256(secret);
    const hit = this.verified.get(id);
    if (hit && hit.stored === stored && timingSafeEqual(hit.digest, digest)) return true;
    const ok = await this.slowVerify(secret, stored);
    if (ok) this.verified.set(id, { stored, digest });
    return ok;
  }

  /** Records a secret known to match `stored` (it was just hashed into it), sparing the first login its scrypt. */
  remember(id: string, secret: string, stored: string): void {
    this.verified.set(id, { stored, digest: sha256(secret) });
  }

  /** Forgets an identity (its credential was deleted); only frees memory, see above. */
  forget(id: string): void {
    this.verified.delete(id);
  }

  get size(): number {
    return this.verified.size;
  }
}

/**
 * The hub's one memory of verified node secrets, shared by the join endpoint (which hashes a new
 * node's secret and so knows it matches) and the broker (which checks it at every login). Safe to
 * share even across hubs in one process: an entry only ever matches the salted hash it was made for.
 */
export const nodeSecrets = new VerifiedSecrets();

/** Constant-time comparison of two tokens of possibly different lengths. */
export function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
