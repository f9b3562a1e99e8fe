/**
 * POST /skiff/v1/join: an agent presents a join token and its node name, and gets MQTT
 * credentials that the broker accepts for that node's topics only, until they expire (the agent
 * renews them: renew.ts). The token is a K10 token or a bare credential: a bootstrap token
 * (hub/identity/join-tokens.ts) or the hub's server token. The CA hash in a K10 token is not
 * checked here (the agent checks the hub against it, not the other way round). An unknown,
 * expired or deleted token gets the same 401, so nothing hints which. Joining again under the
 * same name replaces the old credentials, and drops every connection still open on them.
 */
import { IDENTITY_DEFAULTS } from '../../shared/defaults.js';
import { SkiffError } from '../../shared/errors.js';
import type { JoinRequest, JoinResponse } from '../../shared/join.js';
import { parseJoinToken } from '../../shared/join-token.js';
import { isValidNodeName } from '../../shared/mqtt/topics.js';
import { checkJoinCredential, type JoinCredentialKind } from '../identity/join-tokens.js';
import { issueNodeCredential } from '../identity/node-credentials.js';
import type { Store } from '../store/store.js';

/** What join and renew need of an external broker (hub/server/hub-broker.ts). */
export interface ExternalBrokerAccess {
  mqttUrl: string;
  grantNode(node: string, password: string): Promise<void>;
}

export interface JoinOptions {
  /** The hub's server token (DATA/join-token). */
  joinToken: string;
  mqttPort: number;
  /** Lifetime of the credentials handed out (default IDENTITY_DEFAULTS.nodeCredentialTtlMs). */
  credentialTtlMs?: number;
  now?: () => number;
  /** Drops the node's broker connections (they were made with the credentials being replaced). */
  disconnectNode?: (node: string) => void;
  /** An external broker (issue #11): its URL for the agent, and its own authorization told of the node's new password before the answer goes. */
  externalBroker?: ExternalBrokerAccess;
  /** For the log: which kind of token let the node in (never the token itself). */
  onJoined?: (node: string, joinedWith: JoinCredentialKind) => void;
}

function invalidToken(): SkiffError {
  return new SkiffError('SKIFF_ERR_UNAUTHORIZED', 'invalid join token');
}

export async function handleJoin(store: Store, body: unknown, options: JoinOptions): Promise<JoinResponse> {
  const now = (options.now ?? Date.now)();
  const request = body as Partial<JoinRequest> | null;
  if (typeof request?.token !== 'string') throw invalidToken();
  let credential: string;
  try {
    credential = parseJoinToken(request.token).credential;
  } catch {
    throw invalidToken(); // the parse error would describe the token's shape: say no more than for any bad token
  }
  if (typeof request.nodeName !== 'string' || !isValidNodeName(request.nodeName)) {
    throw new SkiffError('SKIFF_ERR_INVALID', `nodeName: Invalid value: ${JSON.stringify(request.nodeName)}: must be a lowercase RFC 1123 subdomain`, {
      details: [{ path: 'nodeName', message: 'must be a lowercase RFC 1123 subdomain' }],
    });
  }
  const joinedWith = await checkJoinCredential(store, credential, options.joinToken, now);
  if (!joinedWith) throw invalidToken();
  const issued = await issueNodeCredential(store, request.nodeName, options.credentialTtlMs ?? IDENTITY_DEFAULTS.nodeCredentialTtlMs, now);
  const answer = await credentialsAnswer(request.nodeName, issued, options);
  options.disconnectNode?.(request.nodeName);
  options.onJoined?.(request.nodeName, joinedWith);
  return answer;
}

/**
 * What a join or a renewal answers: the node's new credentials and where to use them. An
 * external broker is told the password first, so that the node's next login there works.
 */
export async function credentialsAnswer(
  node: string,
  issued: { password: string; expiresAt: string },
  options: { mqttPort: number; externalBroker?: ExternalBrokerAccess },
): Promise<JoinResponse> {
  await options.externalBroker?.grantNode(node, issued.password);
  return {
    nodeName: node,
    mqttPort: options.mqttPort,
    ...(options.externalBroker ? { mqttUrl: options.externalBroker.mqttUrl } : {}),
    username: node,
    password: issued.password,
    expiresAt: issued.expiresAt,
  };
}
