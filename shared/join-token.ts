/**
 * Join tokens in k3s' secure format: `K10<sha256 hex of the hub's CA certificate PEM>::<credential>`.
 * The hash lets an agent verify the hub on first contact, before it trusts anything the hub
 * says; the credential is what the hub checks. A credential is either a bootstrap token
 * `<id>.<secret>` (created with `skiff token create`, listed and revoked by id, as kubeadm's) or
 * the hub's long-lived server token (DATA/join-token). A bare credential (no K10 prefix) is
 * accepted for plain-HTTP hubs only, where there is no CA to pin.
 */
import { createHash } from 'node:crypto';

export const JOIN_TOKEN_PREFIX = 'K10';

export interface ParsedJoinToken {
  /** sha256 hex of the CA certificate PEM; undefined for a bare credential. */
  caHash?: string;
  credential: string;
}

/** A bootstrap token: id [a-z0-9]{6}, secret [a-z0-9]{16}, as kubeadm's. */
export const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export function caHashOf(caPem: string | Buffer): string {
  return createHash('sha256').update(caPem).digest('hex');
}

export function formatJoinToken(caHash: string, credential: string): string {
  return `${JOIN_TOKEN_PREFIX}${caHash}::${credential}`;
}

/** Throws a RangeError naming what is wrong; never echoes the credential. */
export function parseJoinToken(token: string): ParsedJoinToken {
  const value = token.trim();
  if (!value.startsWith(JOIN_TOKEN_PREFIX) || !value.includes('::')) {
    if (value === '') throw new RangeError('join token is empty');
    return { credential: value };
  }
  const separator = value.indexOf('::');
  const caHash = value.slice(JOIN_TOKEN_PREFIX.length, separator);
  const credential = value.slice(separator + 2);
  if (!/^[0-9a-f]{64}$/.test(caHash)) throw new RangeError('join token: the CA hash after "K10" must be 64 lowercase hex digits (sha256)');
  if (credential === '') throw new RangeError('join token: nothing after "::"');
  return { caHash, credential };
}
