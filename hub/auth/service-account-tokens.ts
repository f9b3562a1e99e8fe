/**
 * ServiceAccount tokens: POST /api/v1/namespaces/NS/serviceaccounts/NAME/token (authentication.k8s.io/v1
 * TokenRequest, what `kubectl create token NAME` sends) issues a random bearer token bound to the
 * ServiceAccount's uid. Only a SHA-256 of it is stored: the token is 256 random bits, so a fast
 * hash is as safe as a slow one and costs nothing per request. Deleting the ServiceAccount (or
 * recreating it, which changes the uid) invalidates every token it had.
 */
import { createHash } from 'node:crypto';
import { SERVICE_ACCOUNT_TOKEN_DEFAULTS } from '../../shared/defaults.js';
import { SkiffError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import { randomToken } from '../identity/secrets.js';
import { invalidError } from '../api/status.js';
import type { Store } from '../store/store.js';
import { serviceAccountUser, type UserInfo } from './user.js';

const serviceAccounts = resolveResource('serviceaccounts')!;
export const TOKEN_REQUEST_API_VERSION = 'authentication.k8s.io/v1';
/** Marks Skiff ServiceAccount tokens, so that a leaked one is recognisable in logs and scanners. */
const TOKEN_PREFIX = 'skiff-sa.';

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isServiceAccountToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX);
}

interface TokenRequestBody {
  apiVersion?: unknown;
  kind?: unknown;
  spec?: { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: unknown };
}

/** spec.expirationSeconds after Kubernetes' checks: at least 10 minutes, cut to the maximum, default 1h. */
export function tokenLifetimeSeconds(requested: unknown): number {
  if (requested === undefined || requested === null) return SERVICE_ACCOUNT_TOKEN_DEFAULTS.defaultExpirationSeconds;
  if (typeof requested !== 'number' || !Number.isInteger(requested)) {
    throw invalidError('TokenRequest.authentication.k8s.io', '', [{ path: 'spec.expirationSeconds', message: `Invalid value: ${JSON.stringify(requested)}: must be an integer` }]);
  }
  if (requested < SERVICE_ACCOUNT_TOKEN_DEFAULTS.minExpirationSeconds) {
    throw invalidError('TokenRequest.authentication.k8s.io', '', [
      { path: 'spec.expirationSeconds', message: `Invalid value: ${requested}: may not specify a duration less than 10 minutes` },
    ]);
  }
  return Math.min(requested, SERVICE_ACCOUNT_TOKEN_DEFAULTS.maxExpirationSeconds);
}

/** Issues a token for ServiceAccount NS/NAME and answers with the TokenRequest, status filled in. */
export async function createServiceAccountToken(store: Store, namespace: string, name: string, body: unknown, now: Date): Promise<object> {
  const request = (body ?? {}) as TokenRequestBody;
  if (request.kind !== undefined && request.kind !== 'TokenRequest') {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `the body of a token request must be a TokenRequest, not ${String(request.kind)}`);
  }
  if (request.spec?.boundObjectRef !== undefined && request.spec.boundObjectRef !== null) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'spec.boundObjectRef is not supported by Skiff: tokens are bound to the ServiceAccount only');
  }
  const seconds = tokenLifetimeSeconds(request.spec?.expirationSeconds);
  const account = await store.get(serviceAccounts, namespace, name);
  if (!account) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `serviceaccounts "${name}" not found`);
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  const expiresAt = new Date(now.getTime() + seconds * 1000);
  const expirationTimestamp = expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  // Issuing is rare and the expiry column is indexed: expired tokens go here, no timer needed.
  await store.deleteExpiredServiceAccountTokens(now.toISOString());
  await store.putServiceAccountToken({ tokenHash: tokenHash(token), namespace, name, uid: account.metadata.uid!, expiresAt: expiresAt.toISOString() });
  return {
    kind: 'TokenRequest',
    apiVersion: TOKEN_REQUEST_API_VERSION,
    metadata: { name, namespace, creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    spec: { audiences: Array.isArray(request.spec?.audiences) ? request.spec.audiences : [], expirationSeconds: seconds, boundObjectRef: null },
    status: { token, expirationTimestamp },
  };
}

/**
 * The user a ServiceAccount token stands for, or undefined when it is unknown, expired, or its
 * ServiceAccount is gone or was recreated since.
 */
export async function authenticateServiceAccountToken(store: Store, token: string, now: Date): Promise<UserInfo | undefined> {
  const record = await store.getServiceAccountToken(tokenHash(token));
  if (!record || Date.parse(record.expiresAt) <= now.getTime()) return undefined;
  const account: KubeObject | undefined = await store.get(serviceAccounts, record.namespace, record.name);
  if (!account || account.metadata.uid !== record.uid || account.metadata.deletionTimestamp) return undefined;
  return serviceAccountUser(record.namespace, record.name, record.uid);
}
