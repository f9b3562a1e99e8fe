/**
 * The two ways a call to the hub fails: the hub answered with an error Status, or it could not be
 * reached at all. Both carry what `describeError` needs to print kubectl's exact messages.
 */
import { SkiffError } from '../../shared/errors.js';

/** A Kubernetes Status object, as the hub returns it for every failed request. */
export interface Status {
  kind: 'Status';
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

export function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status';
}

/** Reasons Kubernetes gives a bare HTTP status when the body is not a Status (apierrors.NewGenericServerResponse). */
const REASON_BY_HTTP_STATUS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The hub answered, with an error. */
export class ApiStatusError extends Error {
  readonly status: Status;
  readonly httpStatus: number;

  constructor(httpStatus: number, body: unknown) {
    const status: Status = isStatus(body)
      ? body
      : {
          kind: 'Status',
          status: 'Failure',
          code: httpStatus,
          reason: REASON_BY_HTTP_STATUS[httpStatus] ?? '',
          message:
            typeof body === 'string' && body.trim() !== ''
              ? `an error on the server ("${body.trim().slice(0, 200)}") has prevented the request from succeeding`
              : httpStatus === 404
                ? 'the server could not find the requested resource'
                : `the server responded with the status code ${httpStatus} but did not return more information`,
        };
    super(status.message ?? `HTTP ${httpStatus}`);
    this.name = 'ApiStatusError';
    this.status = status;
    this.httpStatus = httpStatus;
  }

  get reason(): string {
    return this.status.reason ?? '';
  }
}

export function isApiStatusError(err: unknown, reason?: string): err is ApiStatusError {
  return err instanceof ApiStatusError && (reason === undefined || err.reason === reason);
}

/** The hub could not be reached; `url` is the request's, `code` the socket error's (ECONNREFUSED...). */
export class HubUnreachableError extends SkiffError {
  readonly url: string;
  readonly errno: string | undefined;

  constructor(url: string, cause: unknown) {
    const errno = socketErrorCode(cause);
    super('SKIFF_ERR_UNREACHABLE', causeMessage(cause), { cause });
    this.url = url;
    this.errno = errno;
  }
}

/** undici wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }). */
function socketErrorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    // AggregateError (happy eyeballs tried several addresses): take the first inner error's code.
    const inner = (e as { errors?: unknown[] }).errors?.[0];
    if (inner && typeof (inner as { code?: unknown }).code === 'string') return (inner as { code: string }).code;
  }
  return undefined;
}

function causeMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // The innermost message says what happened ("connect ECONNREFUSED 127.0.0.1:7443").
  while (e && typeof e.cause === 'object' && e.cause !== null && (e.cause as { message?: string }).message) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
