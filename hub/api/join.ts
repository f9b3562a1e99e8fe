/**
 * POST /skiff/v1/join: an agent presents the cluster join token and its node name, and gets MQTT
 * credentials that the broker accepts for that node's topics only. The node's password is kept
 * only as a scrypt hash (computed off the event loop). Joining again under the same name replaces
 * the old credentials, and drops every connection still open on them (`disconnectNode`).
 */
import { SkiffError } from '../../shared/errors.js';
import type { JoinRequest, JoinResponse } from '../../shared/join.js';
import { isValidNodeName } from '../../shared/mqtt/topics.js';
import { hashSecret, nodeSecrets, randomToken, tokensEqual } from '../identity/secrets.js';
import type { Store } from '../store/store.js';

export interface JoinOptions {
  joinToken: string;
  mqttPort: number;
  /** Drops the node's broker connections (they were made with the credentials being replaced). */
  disconnectNode?: (node: string) => void;
}

export async function handleJoin(store: Store, body: unknown, options: JoinOptions): Promise<JoinResponse> {
  const request = body as Partial<JoinRequest> | null;
  if (typeof request?.token !== 'string' || !tokensEqual(request.token, options.joinToken)) {
    throw new SkiffError('SKIFF_ERR_UNAUTHORIZED', 'invalid join token');
  }
  if (typeof request.nodeName !== 'string' || !isValidNodeName(request.nodeName)) {
    throw new SkiffError('SKIFF_ERR_INVALID', `nodeName: Invalid value: ${JSON.stringify(request.nodeName)}: must be a lowercase RFC 1123 subdomain`, {
      details: [{ path: 'nodeName', message: 'must be a lowercase RFC 1123 subdomain' }],
    });
  }
  const password = randomToken(32);
  const passwordHash = await hashSecret(password);
  await store.putNodeCredential({ node: request.nodeName, passwordHash, createdAt: new Date().toISOString() });
  // The agent logs in to the broker next: it need not pay a second scrypt for a secret just hashed.
  nodeSecrets.remember(request.nodeName, password, passwordHash);
  options.disconnectNode?.(request.nodeName);
  return { nodeName: request.nodeName, mqttPort: options.mqttPort, username: request.nodeName, password };
}
