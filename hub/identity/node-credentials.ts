/**
 * A node's own credentials (the password it got by joining): issuing them with an expiry,
 * renewing them with a short overlap for the replaced password, checking a presented password
 * (the broker at login, the renew endpoint, and the API's authentication all call
 * `verifyNodeCredential`/`matchNodeCredential`), and the pure rule the broker's sweep applies to
 * connections already open. Passwords are kept only as SHA-256 hashes (older ones as scrypt
 * hashes until their next renewal, secrets.ts).
 */
import { hashSecret, nodeSecrets, randomToken, type VerifiedSecrets } from './secrets.js';
import type { NodeCredential, Store } from '../store/store.js';

/** 256 bits: enough that a single SHA-256 of the password is all its stored form needs (secrets.ts). */
const PASSWORD_BYTES = 32;

/** Which of the node's stored passwords a presented one matched. */
export interface NodeCredentialMatch {
  node: string;
  /** The stored hash the password verified against: the sweep re-checks that one stays valid. */
  passwordHash: string;
  /** 'previous': the password replaced by a renewal, inside its overlap. */
  which: 'current' | 'previous';
}

export interface IssuedNodeCredential {
  password: string;
  /** RFC 3339. */
  expiresAt: string;
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

/** True when `expiresAt` (RFC 3339, absent: never) is at or before `now` (ms). */
export function isExpired(expiresAt: string | undefined, now: number): boolean {
  return expiresAt !== undefined && Date.parse(expiresAt) <= now;
}

/**
 * Is a connection that logged in with `loginHash` still entitled to stay? Only while that hash is
 * the node's current, unexpired one, or the previous one inside its overlap. A deleted credential
 * (`skiff delete node`), a re-join (new hash) or an expiry all make this false.
 */
export function connectionStillValid(credential: NodeCredential | undefined, loginHash: string, now: number): boolean {
  if (!credential) return false;
  if (loginHash === credential.passwordHash) return !isExpired(credential.expiresAt, now);
  return loginHash === credential.previousPasswordHash && credential.previousExpiresAt !== undefined && !isExpired(credential.previousExpiresAt, now);
}

/**
 * Checks a node's password against its stored credential: the current hash while unexpired, or
 * the previous one while inside its overlap. Re-reads the credential after verifying (a legacy
 * hash takes a scrypt on the threadpool) so that a deletion or re-join that happened meanwhile wins.
 */
export async function matchNodeCredential(
  store: Store,
  node: string,
  password: string,
  now: number,
  secrets: VerifiedSecrets = nodeSecrets,
): Promise<NodeCredentialMatch | undefined> {
  const credential = await store.getNodeCredential(node);
  if (!credential) {
    secrets.forget(node);
    secrets.forget(previousKey(node));
    return undefined;
  }
  let match: NodeCredentialMatch | undefined;
  if (!isExpired(credential.expiresAt, now) && (await secrets.verify(node, password, credential.passwordHash))) {
    match = { node, passwordHash: credential.passwordHash, which: 'current' };
  } else if (
    credential.previousPasswordHash !== undefined &&
    connectionStillValid(credential, credential.previousPasswordHash, now) &&
    (await secrets.verify(previousKey(node), password, credential.previousPasswordHash))
  ) {
    match = { node, passwordHash: credential.previousPasswordHash, which: 'previous' };
  }
  if (!match) return undefined;
  return connectionStillValid(await store.getNodeCredential(node), match.passwordHash, now) ? match : undefined;
}

/** The stable entry point for authenticating a node by password (broker, renew, API). */
export async function verifyNodeCredential(store: Store, node: string, password: string, now: number): Promise<boolean> {
  return (await matchNodeCredential(store, node, password, now)) !== undefined;
}

/** The memory of verified legacy secrets keeps the previous password under its own key, so both stay cheap. */
function previousKey(node: string): string {
  return `${node}\0previous`;
}

/** A fresh password for a node that joined: replaces whatever it had, with no overlap. */
export async function issueNodeCredential(store: Store, node: string, ttlMs: number, now: number): Promise<IssuedNodeCredential> {
  const password = randomToken(PASSWORD_BYTES);
  const passwordHash = hashSecret(password);
  const expiresAt = isoAt(now + ttlMs);
  await store.putNodeCredential({ node, passwordHash, createdAt: isoAt(now), expiresAt });
  return { password, expiresAt };
}

/**
 * A fresh password for a node that proved it holds `matched`: the password it presented stays
 * valid for `overlapMs` more (never past its own expiry), so a reconnect already under way with it
 * still succeeds. Renewing with the previous password (an answer lost on the way) works too.
 * Undefined when the credential was deleted (`skiff delete node`), replaced or expired since it
 * was matched: the swap is conditional, so a renewal never brings a revoked node back.
 */
export async function renewNodeCredential(
  store: Store,
  matched: NodeCredentialMatch,
  options: { ttlMs: number; overlapMs: number; now: number },
): Promise<IssuedNodeCredential | undefined> {
  const { now } = options;
  const password = randomToken(PASSWORD_BYTES);
  const passwordHash = hashSecret(password);
  const current = await store.getNodeCredential(matched.node);
  if (!current || !connectionStillValid(current, matched.passwordHash, now)) return undefined;
  const expiresAt = isoAt(now + options.ttlMs);
  // The password the agent presented is the one it surely holds (a renewal answer may have been lost).
  const replacedExpiresAt = matched.which === 'current' ? current.expiresAt : current.previousExpiresAt;
  const replacedExpiry = replacedExpiresAt !== undefined ? Date.parse(replacedExpiresAt) : Number.POSITIVE_INFINITY;
  const overlapUntil = Math.min(now + options.overlapMs, replacedExpiry);
  const swapped = await store.swapNodeCredential(
    { node: matched.node, passwordHash, createdAt: isoAt(now), expiresAt, previousPasswordHash: matched.passwordHash, previousExpiresAt: isoAt(overlapUntil) },
    current.passwordHash,
  );
  if (!swapped) return undefined;
  return { password, expiresAt };
}
