/**
 * Joining: trade the cluster join token for this node's own credentials (shared/join.ts), once.
 * The hub may be unreachable (it is an edge fleet: it often is): retry with jittered backoff,
 * forever, logging each failure, while the reconcile loop runs from the stored desired state.
 * Over https the hub's certificate must chain to the CA pinned on first contact (hub-ca.ts) and to
 * nothing else: a join never goes to a hub the token did not name.
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { JOIN_PATH, type JoinRequest, type JoinResponse } from '../../shared/join.js';
import { loadCredentials, saveCredentials } from './credentials.js';
import { postForCredentials } from './hub-post.js';
import { reconnectDelayMs } from './reconnect-delay.js';
import { abortableSleep } from '../../shared/sleep.js';

/** One POST of the join request. `caPem`: the only CA the hub's certificate may chain to. */
export function requestJoin(server: string, body: JoinRequest, signal?: AbortSignal, caPem?: string): Promise<JoinResponse> {
  const payload = JSON.stringify(body);
  return postForCredentials(new URL(JOIN_PATH, server), {
    what: 'join',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    body: payload,
    ...(caPem !== undefined ? { caPem } : {}),
    ...(signal ? { signal } : {}),
  });
}

export interface ObtainOptions {
  file: string;
  server: string;
  token: string;
  nodeName: string;
  /** The pinned hub CA (hub-ca.ts); undefined for a plain-HTTP hub. */
  caPem?: string;
  log: Logger;
  signal: AbortSignal;
  random?: () => number;
  join?: typeof requestJoin;
}

/** Stored credentials, or the result of joining (retried until it works or `signal` aborts). */
export async function obtainCredentials(options: ObtainOptions): Promise<JoinResponse | undefined> {
  const stored = await loadCredentials(options.file);
  if (stored) return stored;
  const join = options.join ?? requestJoin;
  const random = options.random ?? Math.random;
  for (let attempt = 0; !options.signal.aborted; attempt++) {
    try {
      const credentials = await join(options.server, { token: options.token, nodeName: options.nodeName }, options.signal, options.caPem);
      await saveCredentials(options.file, credentials);
      options.log.info({ server: options.server, mqttPort: credentials.mqttPort }, 'joined the cluster');
      return credentials;
    } catch (err) {
      if (options.signal.aborted) break;
      const delayMs = reconnectDelayMs(attempt, random());
      options.log.warn({ server: options.server, attempt: attempt + 1, retryInMs: delayMs, err: errorMessage(err) }, 'join failed; retrying');
      await abortableSleep(delayMs, options.signal);
    }
  }
  return undefined;
}
