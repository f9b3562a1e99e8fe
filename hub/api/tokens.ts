/**
 * The admin's bootstrap-token API behind `skiff token` (admin only: the server routes it behind
 * authentication). GET /skiff/v1/tokens lists (never a secret), POST creates and answers the full
 * join token once, DELETE /skiff/v1/tokens/ID revokes. The full token is in k3s' K10 form
 * carrying the hub's CA hash when the hub has a CA, else the bare `<id>.<secret>` (plain HTTP).
 */
import { SkiffError } from '../../shared/errors.js';
import { IDENTITY_DEFAULTS } from '../../shared/defaults.js';
import { formatJoinToken } from '../../shared/join-token.js';
import { TOKENS_PATH, type BootstrapTokenInfo, type CreateTokenRequest, type CreatedToken } from '../../shared/join.js';
import { createBootstrapToken, deleteBootstrapToken, tokenInfo } from '../identity/join-tokens.js';
import type { Store } from '../store/store.js';

export interface TokensApiOptions {
  /** sha256 hex of the hub's CA certificate; undefined for a plain-HTTP hub. */
  caHash: () => string | undefined;
  now?: () => number;
}

export function isTokensPath(pathname: string): boolean {
  return pathname === TOKENS_PATH || pathname.startsWith(`${TOKENS_PATH}/`);
}

function parseCreate(body: unknown): CreateTokenRequest {
  const request = (body ?? {}) as Partial<Record<keyof CreateTokenRequest, unknown>>;
  const problems: Array<{ path: string; message: string }> = [];
  if (typeof request !== 'object' || Array.isArray(request)) problems.push({ path: '', message: 'must be an object' });
  if (request.ttlMs !== undefined && (typeof request.ttlMs !== 'number' || !Number.isInteger(request.ttlMs) || request.ttlMs < 0)) {
    problems.push({ path: 'ttlMs', message: 'must be 0 (never expires) or a positive whole number of milliseconds' });
  }
  if (request.description !== undefined && typeof request.description !== 'string') problems.push({ path: 'description', message: 'must be a string' });
  if (problems.length > 0) {
    throw new SkiffError('SKIFF_ERR_INVALID', problems.map((p) => `${p.path}: Invalid value: ${p.message}`).join(', '), { details: problems });
  }
  return {
    ...(request.ttlMs !== undefined ? { ttlMs: request.ttlMs as number } : {}),
    ...(request.description !== undefined ? { description: request.description as string } : {}),
  };
}

/** Handles one request under TOKENS_PATH; answers [status, body]. */
export async function handleTokens(store: Store, method: string, pathname: string, body: () => Promise<unknown>, options: TokensApiOptions): Promise<[number, unknown]> {
  const now = (options.now ?? Date.now)();
  const id = pathname === TOKENS_PATH ? undefined : decodeURIComponent(pathname.slice(TOKENS_PATH.length + 1));
  if (id === undefined && method === 'GET') {
    const items: BootstrapTokenInfo[] = (await store.listBootstrapTokens()).map(tokenInfo);
    return [200, { items }];
  }
  if (id === undefined && method === 'POST') {
    const request = parseCreate(await body());
    const { credential, token } = await createBootstrapToken(store, {
      ttlMs: request.ttlMs ?? IDENTITY_DEFAULTS.bootstrapTokenTtlMs,
      ...(request.description !== undefined ? { description: request.description } : {}),
      now,
    });
    const caHash = options.caHash();
    const created: CreatedToken = { ...tokenInfo(token), token: caHash ? formatJoinToken(caHash, credential) : credential };
    return [201, created];
  }
  if (id !== undefined && method === 'DELETE') {
    await deleteBootstrapToken(store, id);
    return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: id, kind: 'tokens' } }];
  }
  throw new SkiffError('SKIFF_ERR_METHOD_NOT_ALLOWED', `${method} is not supported on ${pathname}`);
}
