/**
 * The agent's two calls to the hub's HTTP API, join and renewal, share one shape: a POST whose
 * answer is the node's credentials (a JoinResponse). node:http rather than fetch, which would load
 * undici (memory on a Pi); node:https only for an https hub, loaded when first needed. Over https
 * the hub's certificate must chain to `caPem`, the CA pinned on first contact (hub-ca.ts).
 */
import { request as httpRequest } from 'node:http';
import { errorMessage } from '../../shared/errors.js';
import type { JoinResponse } from '../../shared/join.js';
import { isJoinResponse } from './credentials.js';

const TIMEOUT_MS = 15_000;

/** The hub answered, with a refusal (as opposed to not being reached): carries the HTTP status. */
export class HubRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HubRefusedError';
  }
}

export interface CredentialsPost {
  /** 'join' or 'renewal': names the call in error messages. */
  what: string;
  headers: Record<string, string | number>;
  body?: string;
  caPem?: string;
  signal?: AbortSignal;
}

export async function postForCredentials(url: URL, post: CredentialsPost): Promise<JoinResponse> {
  const https = url.protocol === 'https:';
  const request = https ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: post.headers,
        timeout: TIMEOUT_MS,
        ...(https && post.caPem !== undefined ? { ca: post.caPem, rejectUnauthorized: true } : {}),
        ...(post.signal ? { signal: post.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) {
            reject(new HubRefusedError(res.statusCode ?? 0, `${post.what} refused: HTTP ${res.statusCode}: ${statusMessage(text)}`));
            return;
          }
          try {
            const value: unknown = JSON.parse(text);
            if (!isJoinResponse(value)) throw new Error('response is not a JoinResponse');
            resolve(value);
          } catch (err) {
            reject(new Error(`bad ${post.what} response: ${errorMessage(err)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(post.body);
  });
}

/** A Status' message when the body is one, else the start of the body. */
function statusMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: the text itself says what went wrong
  }
  return text.slice(0, 200);
}
