/**
 * Joining: trade the cluster join token for this node's own credentials (shared/join.ts), once.
 * The hub may be unreachable (it is an edge fleet: it often is): retry with jittered backoff,
 * forever, logging each failure, while the reconcile loop runs from the stored desired state.
 * Over https the hub's certificate must chain to the CA pinned on first contact (hub-ca.ts) and to
 * nothing else: a join never goes to a hub the token did not name.
 */
import { request as httpRequest } from 'node:http';
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { JOIN_PATH, type JoinRequest, type JoinResponse } from '../../shared/join.js';
import { isJoinResponse, loadCredentials, saveCredentials } from './credentials.js';
import { reconnectDelayMs } from './reconnect-delay.js';
import { abortableSleep } from '../../shared/sleep.js';

const JOIN_TIMEOUT_MS = 15_000;

/**
 * One POST of the join request (node:http rather than fetch, which would load undici: memory;
 * node:https only for an https hub). `caPem`: the only CA the hub's certificate may chain to.
 */
export async function requestJoin(server: string, body: JoinRequest, signal?: AbortSignal, caPem?: string): Promise<JoinResponse> {
  const url = new URL(JOIN_PATH, server);
  const payload = JSON.stringify(body);
  const https = url.protocol === 'https:';
  const request = https ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: JOIN_TIMEOUT_MS,
        ...(https && caPem !== undefined ? { ca: caPem, rejectUnauthorized: true } : {}),
        ...(signal ? { signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) {
            let message = text.slice(0, 200);
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? message;
            } catch {
              // not JSON: keep the text
            }
            reject(new Error(`join refused: HTTP ${res.statusCode}: ${message}`));
            return;
          }
          try {
            const value: unknown = JSON.parse(text);
            if (!isJoinResponse(value)) throw new Error('response is not a JoinResponse');
            resolve(value);
          } catch (err) {
            reject(new Error(`bad join response: ${errorMessage(err)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${JOIN_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
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
