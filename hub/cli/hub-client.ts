/**
 * The CLI's only way to the hub: JSON over HTTP(S) with a bearer token, using Node's global
 * fetch (undici). Non-2xx answers become ApiStatusError, socket failures HubUnreachableError.
 */
import { ApiStatusError, HubUnreachableError, isApiStatusError } from './api-errors.js';

export interface RequestOptions {
  body?: unknown;
  accept?: string;
  query?: Record<string, string | undefined>;
}

export class HubClient {
  readonly server: string;
  private readonly token: string;
  private readonly fetchImpl: typeof fetch;

  constructor(server: string, token: string, fetchImpl: typeof fetch = fetch) {
    this.server = server.replace(/\/+$/, '');
    this.token = token;
    this.fetchImpl = fetchImpl;
  }

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, value);
    const qs = params.toString();
    return `${this.server}${path}${qs ? `?${qs}` : ''}`;
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (err) {
      throw new HubUnreachableError(url, err);
    }
    const body = decodeBody(await response.text());
    if (!response.ok) throw new ApiStatusError(response.status, body);
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
      throw new HubUnreachableError(url, err);
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
