/**
 * The CLI's only way to the hub: JSON over HTTP(S) with a bearer token. Non-2xx answers become
 * ApiStatusError, socket failures HubUnreachableError. Over https the hub's certificate must chain
 * to the client config's CA and nothing else (kubectl's certificate-authority-data): node:https
 * for plain calls (https-exchange.ts) and undici's own fetch with an Agent that carries that CA for
 * streams, each loaded only for https servers and only when first needed.
 */
import { SKIFF_VERSION } from '../../shared/defaults.js';
import { ApiStatusError, HubUnreachableError, isApiStatusError } from './api-errors.js';
import type { Connection } from './client-config-loader.js';

/** Node's verification codes for a certificate that does not chain to a trusted CA. */
const UNKNOWN_AUTHORITY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

function errorCodes(err: unknown): { code: string; message: string } | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return { code, message: (e as { message?: string }).message ?? code };
  }
  return undefined;
}

/**
 * A certificate failure in Go's words (what kubectl prints), naming the server, or the original
 * error when it is not about certificates.
 */
export function describeTlsFailure(err: unknown, url: string): unknown {
  const found = errorCodes(err);
  if (!found) return err;
  const host = URL.canParse(url) ? new URL(url).host : url;
  let why: string | undefined;
  if (UNKNOWN_AUTHORITY_CODES.has(found.code)) {
    why = `x509: certificate signed by unknown authority (the certificate of ${host} does not chain to the client config's CA; use the admin.config the hub wrote, or --insecure-skip-tls-verify)`;
  } else if (found.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    why = `x509: certificate is not valid for ${host}: ${found.message} (add it with \`skiff hub --tls-san\`)`;
  } else if (found.code === 'CERT_HAS_EXPIRED' || found.code === 'CERT_NOT_YET_VALID') {
    why = `x509: certificate of ${host} has expired or is not yet valid`;
  }
  return why === undefined ? err : Object.assign(new Error(`tls: failed to verify certificate: ${why}`), { code: found.code });
}

/** Which certificates an https hub may present: chaining to `caPem`, or (insecure) any. */
export interface TlsTrust {
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
}

/** One request and its whole answer: what `request` needs, whatever carries it. */
export type Exchange = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ status: number; text: string }>;

/** An Exchange over a fetch (the global one for http, a test's fake). */
export function fetchExchange(fetchImpl: typeof fetch): Exchange {
  return async (url, init) => {
    const response = await fetchImpl(url, init);
    return { status: response.status, text: await response.text() };
  };
}

/** A fetch that trusts exactly `caPem` (or, insecure, anything); undefined options: the global fetch. */
export async function tlsFetch(options: TlsTrust): Promise<typeof fetch> {
  const { Agent, fetch: undiciFetch } = await import('undici');
  const dispatcher = new Agent({
    connect: options.insecureSkipTlsVerify ? { rejectUnauthorized: false } : { ca: options.caPem ?? [], rejectUnauthorized: true },
  });
  // undici's fetch and the global one share the WHATWG shapes; their TypeScript types differ in details only.
  return ((input: string, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

export interface RequestOptions {
  body?: unknown;
  accept?: string;
  query?: Record<string, string | undefined>;
}

export class HubClient {
  readonly server: string;
  private readonly token: string;
  /** Streams (watch). */
  private readonly fetchImpl: typeof fetch;
  /** Every other call. */
  private readonly exchange: Exchange;
  /** How a WebSocket (exec) trusts an https hub: the same CA as fetch. */
  private readonly tls: TlsTrust;

  constructor(server: string, token: string, fetchImpl: typeof fetch = fetch, tls: TlsTrust = {}, exchange: Exchange = fetchExchange(fetchImpl)) {
    this.server = server.replace(/\/+$/, '');
    this.token = token;
    this.fetchImpl = fetchImpl;
    this.tls = tls;
    this.exchange = exchange;
  }

  /** The client for a loaded connection: an https server is trusted only through the config's CA. */
  static async connect(connection: Connection): Promise<HubClient> {
    if (!connection.server.startsWith('https:')) return new HubClient(connection.server, connection.token);
    const tls: TlsTrust = { ...(connection.caPem !== undefined ? { caPem: connection.caPem } : {}), ...(connection.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}) };
    const { httpsExchange } = await import('./https-exchange.js');
    // undici is loaded by the first stream only: most commands never open one.
    let streamFetch: Promise<typeof fetch> | undefined;
    const lazyTlsFetch = (async (input: string, init?: RequestInit) => (await (streamFetch ??= tlsFetch(tls)))(input, init)) as typeof fetch;
    return new HubClient(connection.server, connection.token, lazyTlsFetch, tls, httpsExchange(tls));
  }

  /** A WebSocket to `path` (exec), offering `protocols`, with the token and the CA fetch uses. */
  async websocket(path: string, query: URLSearchParams, protocols: readonly string[]): Promise<import('ws').WebSocket> {
    const { WebSocket } = await import('ws');
    const url = `${this.server.replace(/^http/, 'ws')}${path}?${query.toString()}`;
    const ws = new WebSocket(url, [...protocols], {
      headers: { authorization: `Bearer ${this.token}` },
      ...(this.tls.insecureSkipTlsVerify ? { rejectUnauthorized: false } : this.tls.caPem !== undefined ? { ca: this.tls.caPem, rejectUnauthorized: true } : {}),
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      // A refused upgrade carries the API's Status as its body: the same error as any request's.
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => reject(new ApiStatusError(res.statusCode ?? 0, decodeBody(text))));
      });
      ws.once('error', (err) => reject(new HubUnreachableError(url, describeTlsFailure(err, url))));
    });
  }

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, value);
    const qs = params.toString();
    return `${this.server}${path}${qs ? `?${qs}` : ''}`;
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(path, options.query);
    // The User-Agent names skiff as the field manager of its writes (metadata.managedFields), as kubectl's names kubectl.
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: options.accept ?? 'application/json', 'user-agent': `skiff/${SKIFF_VERSION}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: { status: number; text: string };
    try {
      response = await this.exchange(url, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
    } catch (err) {
      throw new HubUnreachableError(url, describeTlsFailure(err, url));
    }
    const body = decodeBody(response.text);
    if (response.status < 200 || response.status > 299) throw new ApiStatusError(response.status, body);
    return body as T;
  }

  /** GET whose answer is a stream (a watch): the caller reads the body; `signal` ends it. */
  async stream(path: string, options: Omit<RequestOptions, 'body'> & { signal?: AbortSignal } = {}): Promise<ReadableStream<Uint8Array>> {
    const url = this.url(path, options.query);
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { authorization: `Bearer ${this.token}`, accept: options.accept ?? 'application/json' },
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new HubUnreachableError(url, describeTlsFailure(err, url));
    }
    if (!response.ok || !response.body) throw new ApiStatusError(response.status, decodeBody(await response.text()));
    return response.body;
  }

  get<T = unknown>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  /** GET that answers undefined for NotFound, for "does it exist yet" questions. */
  async getIfExists<T = unknown>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (isApiStatusError(err, 'NotFound')) return undefined;
      throw err;
    }
  }
}

function decodeBody(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text; // not JSON: keep the text for the error message
  }
}
