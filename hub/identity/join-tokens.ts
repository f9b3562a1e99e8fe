/**
 * Bootstrap join tokens, as kubeadm's: `<id>.<secret>` (shared/join-token.ts), created with a TTL,
 * listed by id, revoked by deleting them. Only a SHA-256 of the secret is stored: the secret is
 * 16 random characters from 36 (~82 bits), so a slow hash buys nothing and a fast one keeps the
 * join endpoint cheap. The hub's long-lived server token (DATA/join-token, k3s' server token)
 * keeps working beside them. Every comparison is constant-time, and an unknown id costs the
 * same as a wrong secret, so timing tells an attacker nothing about which ids exist.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { SkiffError } from '../../shared/errors.js';
import { BOOTSTRAP_TOKEN } from '../../shared/join-token.js';
import type { BootstrapTokenInfo } from '../../shared/join.js';
import type { BootstrapToken, Store } from '../store/store.js';
import { tokensEqual } from './secrets.js';
import { isExpired } from './node-credentials.js';

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 6;
const SECRET_LENGTH = 16;
/** Compared against when the id is unknown, so that path costs what a wrong secret costs. */
const DUMMY_HASH = Buffer.alloc(32);

/** Which credential a join presented. */
export type JoinCredentialKind = { kind: 'server' } | { kind: 'bootstrap'; id: string };

function randomString(length: number, pick: (max: number) => number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += TOKEN_ALPHABET[pick(TOKEN_ALPHABET.length)];
  return out;
}

function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function tokenInfo(token: BootstrapToken): BootstrapTokenInfo {
  const { secretHash: _secret, ...info } = token;
  return info;
}

/**
 * Creates a bootstrap token and returns its credential `<id>.<secret>`, which exists nowhere
 * else afterwards. `ttlMs` 0 means it never expires.
 */
export async function createBootstrapToken(
  store: Store,
  options: { ttlMs: number; description?: string; now: number; randomInt?: (max: number) => number },
): Promise<{ credential: string; token: BootstrapToken }> {
  if (!Number.isFinite(options.ttlMs) || options.ttlMs < 0) {
    throw new SkiffError('SKIFF_ERR_INVALID', `ttl: Invalid value: ${options.ttlMs}: must be 0 (never expires) or a positive duration`, {
      details: [{ path: 'ttl', message: 'must be 0 (never expires) or a positive duration' }],
    });
  }
  const pick = options.randomInt ?? ((max: number) => randomInt(max));
  // 36^6 ids: a clash is rare but possible; the store refuses a duplicate, so draw again.
  for (let attempt = 0; ; attempt++) {
    const id = randomString(ID_LENGTH, pick);
    const secret = randomString(SECRET_LENGTH, pick);
    const token: BootstrapToken = {
      id,
      secretHash: sha256Hex(secret),
      description: options.description ?? '',
      createdAt: new Date(options.now).toISOString(),
      ...(options.ttlMs > 0 ? { expiresAt: new Date(options.now + options.ttlMs).toISOString() } : {}),
      usageCount: 0,
    };
    try {
      await store.createBootstrapToken(token);
      return { credential: `${id}.${secret}`, token };
    } catch (err) {
      if (!(err instanceof SkiffError && err.code === 'SKIFF_ERR_ALREADY_EXISTS') || attempt >= 5) throw err;
    }
  }
}

/** Revokes a token: joins with it are refused from now on; nodes that joined with it are unaffected. */
export async function deleteBootstrapToken(store: Store, id: string): Promise<void> {
  if (!(await store.deleteBootstrapToken(id))) {
    throw new SkiffError('SKIFF_ERR_NOT_FOUND', `bootstrap token "${id}" not found`);
  }
}

/** Deletes the tokens that expired (kubeadm's token cleaner); returns their ids. */
export async function deleteExpiredBootstrapTokens(store: Store, now: number): Promise<string[]> {
  const expired = (await store.listBootstrapTokens()).filter((token) => isExpired(token.expiresAt, now)).map((token) => token.id);
  for (const id of expired) await store.deleteBootstrapToken(id);
  return expired;
}

/**
 * Which credential a join presented (the part after `::` of a K10 token, or a bare one), or
 * undefined when it is none the hub accepts: an unknown, expired or deleted bootstrap token, or a
 * wrong server token. The caller answers every one of these alike. A successful bootstrap-token
 * use is counted.
 */
export async function checkJoinCredential(store: Store, credential: string, serverToken: string, now: number): Promise<JoinCredentialKind | undefined> {
  const bootstrap = BOOTSTRAP_TOKEN.exec(credential);
  if (!bootstrap) return tokensEqual(credential, serverToken) ? { kind: 'server' } : undefined;
  const [, id, secret] = bootstrap as unknown as [string, string, string];
  const token = await store.getBootstrapToken(id);
  const presented = createHash('sha256').update(secret).digest();
  const stored = token ? Buffer.from(token.secretHash, 'hex') : DUMMY_HASH;
  const secretMatches = stored.length === presented.length && timingSafeEqual(stored, presented);
  if (!token || !secretMatches || isExpired(token.expiresAt, now)) return undefined;
  await store.recordBootstrapTokenUse(id, new Date(now).toISOString());
  return { kind: 'bootstrap', id };
}
