/**
 * Random tokens and the stored form of node passwords (issue #7). Node passwords are 256-bit
 * random tokens issued by the hub, not chosen by people, so a slow KDF buys nothing against
 * guessing: they are stored as `sha256:<64 hex>`, as Kubernetes bootstrap tokens, GitHub tokens
 * and Skiff's own join and ServiceAccount tokens are. A login then costs microseconds, and 500
 * nodes reconnecting after a hub restart cost nothing noticeable (docs/benchmarks.md "Fleet scale").
 *
 * Hubs before issue #7 stored `<salt hex>:<scrypt hex>` (~50 ms of CPU per check). Those still
 * verify, on libuv's threadpool (crypto.scrypt) so the event loop never freezes, until each node's
 * next renewal (at about 2/3 of its 30-day lifetime) re-hashes its new password the new way.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const SHA256_PREFIX = 'sha256:';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Random bytes as base64url; node passwords use 32 (256 bits), see node-credentials.ts. */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** The stored form of a newly issued node password: `sha256:<64 hex>`. */
export function hashSecret(secret: string): string {
  return `${SHA256_PREFIX}${sha256(secret).toString('hex')}`;
}

/** True for hashes stored before issue #7 (salted scrypt), the only ones worth remembering a verification for. */
function isLegacyScryptHash(stored: string): boolean {
  return !stored.startsWith(SHA256_PREFIX);
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  // Issued secrets are base64url and never hold a NUL. scrypt keys its HMAC with the secret, and
  // HMAC pads short keys with zero bytes: "x" and "x\0" would match the same legacy hash.
  if (secret.includes('\0')) return false;
  return isLegacyScryptHash(stored) ? legacyScryptMatches(secret, stored) : sha256Matches(secret, stored);
}

function sha256Matches(secret: string, stored: string): boolean {
  const hashHex = stored.slice(SHA256_PREFIX.length);
  if (!SHA256_HEX.test(hashHex)) return false;
  return timingSafeEqual(sha256(secret), Buffer.from(hashHex, 'hex'));
}

function scryptAsync(secret: string, salt: Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, length, (err, key) => (err ? reject(err) : resolve(key))));
}

async function legacyScryptMatches(secret: string, stored: string): Promise<boolean> {
  const [saltHex, hashHex] = stored.split(':');
  if (!saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  if (expected.length === 0) return false;
  const actual = await scryptAsync(secret, Buffer.from(saltHex, 'hex'), expected.length);
  return timingSafeEqual(actual, expected);
}

/**
 * Remembers, per identity, the last secret that verified against a legacy scrypt hash, so that
 * the same node reconnecting (a flapping link, a broker blip) costs a SHA-256 instead of a scrypt
 * until its next renewal replaces that hash. `sha256:` hashes are verified directly: remembering
 * them would cost the same SHA-256 that verifying does. An entry only counts while the stored
 * hash it was verified against is still the one presented: replacing the credential (re-join,
 * renewal) or deleting it (`skiff delete node`) makes the caller pass a different hash or none,
 * so revocation needs no invalidation here. Keeping a SHA-256 of the secret in memory is safe
 * because node secrets are 256-bit random tokens, not guessable passwords. This class, and the
 * legacy path, can go once no store can hold a scrypt hash: one credential lifetime (30 days by
 * default) after every hub has been upgraded, since a credential is renewed or expires by then.
 */
export class VerifiedSecrets {
  private readonly verified = new Map<string, { stored: string; digest: Buffer }>();

  constructor(private readonly slowVerify: (secret: string, stored: string) => Promise<boolean> = verifySecret) {}

  async verify(id: string, secret: string, stored: string): Promise<boolean> {
    if (!isLegacyScryptHash(stored)) return verifySecret(secret, stored);
    const digest = sha256(secret);
    const hit = this.verified.get(id);
    if (hit && hit.stored === stored && timingSafeEqual(hit.digest, digest)) return true;
    const ok = await this.slowVerify(secret, stored);
    if (ok) this.verified.set(id, { stored, digest });
    return ok;
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
 * The hub's one memory of verified legacy node secrets, used by the broker (at every login), the
 * renew endpoint and the API's authentication. Safe to share even across hubs in one process: an
 * entry only ever matches the salted hash it was made for.
 */
export const nodeSecrets = new VerifiedSecrets();

/** Constant-time comparison of two tokens of possibly different lengths. */
export function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
