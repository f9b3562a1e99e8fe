/**
 * POST /skiff/v1/renew: a node trades its current credentials (HTTP Basic `node:password`) for
 * fresh ones before they expire, as a kubelet renews its client certificate. The password it
 * presented stays valid for a short overlap (node-credentials.ts), so the MQTT session it still
 * has open, or a reconnect already under way, survives the switch. Expired or deleted
 * credentials are refused with 401: such a node must join again with a join token.
 */
import { SkiffError } from '../../shared/errors.js';
import type { JoinResponse } from '../../shared/join.js';
import { matchNodeCredential, renewNodeCredential } from '../identity/node-credentials.js';
import type { Store } from '../store/store.js';
import { credentialsAnswer, type ExternalBrokerAccess } from './join.js';

export interface RenewOptions {
  mqttPort: number;
  externalBroker?: ExternalBrokerAccess;
  credentialTtlMs: number;
  overlapMs: number;
  now?: () => number;
}

/** `Basic base64(user:password)` (RFC 7617), or undefined when the header is anything else. */
export function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function handleRenew(store: Store, authorization: string | undefined, options: RenewOptions): Promise<JoinResponse> {
  const now = (options.now ?? Date.now)();
  const basic = parseBasicAuth(authorization);
  const matched = basic && (await matchNodeCredential(store, basic.username, basic.password, now));
  if (!basic || !matched) throw new SkiffError('SKIFF_ERR_UNAUTHORIZED', 'Unauthorized');
  const issued = await renewNodeCredential(store, matched, { ttlMs: options.credentialTtlMs, overlapMs: options.overlapMs, now });
  if (!issued) throw new SkiffError('SKIFF_ERR_UNAUTHORIZED', 'Unauthorized'); // revoked or replaced meanwhile
  return credentialsAnswer(basic.username, issued, options);
}
