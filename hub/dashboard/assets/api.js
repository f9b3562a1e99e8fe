// @ts-check
/**
 * The dashboard's HTTP client for the hub's Kubernetes-style API: every request carries the
 * user's bearer token, so the hub's RBAC decides what the page may read and do. Failures become
 * ApiError with the Status the hub sent (its reason and message, shown as they are), or a
 * `unreachable` error when no answer came. No DOM here: Node tests run it against a real API.
 */

export class ApiError extends Error {
  /**
   * @param {number} code HTTP status, 0 when the hub could not be reached
   * @param {string} reason the Status reason (Forbidden, Conflict, ...) or 'Unreachable'
   * @param {string} message
   */
  constructor(code, reason, message) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
  }
}

/**
 * The ApiError for a non-2xx answer: the body's Status message when it has one.
 * @param {number} code
 * @param {string} text the response body
 */
export function errorFromResponse(code, text) {
  /** @type {{ message?: unknown, reason?: unknown } | undefined} */
  let status;
  try {
    status = JSON.parse(text);
  } catch {
    status = undefined; // not a Status (a proxy's page): the HTTP status line says enough
  }
  const message = typeof status?.message === 'string' && status.message !== '' ? status.message : `${code} ${text.trim().slice(0, 200)}`.trim();
  const reason = typeof status?.reason === 'string' ? status.reason : code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : 'Error';
  return new ApiError(code, reason, message);
}

/**
 * What the page says about a failure, by kind: the hub is down, the token is no good, RBAC said no.
 * @param {unknown} err
 * @returns {{ kind: 'unreachable' | 'unauthorized' | 'forbidden' | 'error', message: string }}
 */
export function describeError(err) {
  if (err instanceof ApiError) {
    if (err.code === 0) return { kind: 'unreachable', message: `Hub unreachable: ${err.message}` };
    if (err.code === 401) return { kind: 'unauthorized', message: `Token rejected (401 Unauthorized): ${err.message}` };
    if (err.code === 403) return { kind: 'forbidden', message: `Forbidden: ${err.message}` };
    return { kind: 'error', message: `${err.reason} (${err.code}): ${err.message}` };
  }
  return { kind: 'error', message: String(err instanceof Error ? err.message : err) };
}

export class Api {
  /**
   * @param {string} token the bearer token
   * @param {{ baseUrl?: string, fetch?: typeof fetch }} [options] baseUrl '' in the browser (same origin)
   */
  constructor(token, options = {}) {
    this.token = token;
    this.baseUrl = options.baseUrl ?? '';
    this.fetchImpl = options.fetch ?? ((/** @type {Parameters<typeof fetch>} */ ...args) => fetch(...args));
  }

  /**
   * The raw response of a request that succeeded (2xx); ApiError otherwise.
   * @param {string} method
   * @param {string} path an API path with its query
   * @param {{ body?: unknown, accept?: string, signal?: AbortSignal }} [options]
   * @returns {Promise<Response>}
   */
  async send(method, path, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { Authorization: `Bearer ${this.token}`, Accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    /** @type {Response} */
    let res;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        cache: 'no-store',
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new ApiError(0, 'Unreachable', err instanceof Error ? err.message : String(err));
    }
    if (!res.ok) throw errorFromResponse(res.status, await res.text());
    return res;
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
  async request(method, path, body) {
    const res = await this.send(method, path, body === undefined ? {} : { body });
    return res.json();
  }

  /** @param {string} path */
  get(path) {
    return this.request('GET', path);
  }
}

const MAX_UPDATE_ATTEMPTS = 5;

/**
 * Read-modify-write as the CLI's updateObject (hub/cli/update-object.ts): GET, change a copy,
 * PUT it with the read resourceVersion, and on 409 Conflict read again. `change` returns
 * undefined when nothing needs to change (no write is sent).
 * @param {Api} api
 * @param {string} path
 * @param {(live: any) => any | Promise<any>} change
 * @returns {Promise<{ object: any, changed: boolean }>}
 */
export async function updateObject(api, path, change) {
  for (let attempt = 1; ; attempt++) {
    const live = await api.get(path);
    const next = await change(structuredClone(live));
    if (next === undefined) return { object: live, changed: false };
    next.metadata.resourceVersion = live.metadata.resourceVersion;
    try {
      return { object: await api.request('PUT', path, next), changed: true };
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409 && err.reason === 'Conflict') || attempt >= MAX_UPDATE_ATTEMPTS) throw err;
    }
  }
}
