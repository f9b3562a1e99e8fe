/**
 * One registry of coded errors (as fastify's FST_ERR_* and undici's UND_ERR_*): every failure that
 * crosses a module boundary is a SkiffError with a stable code. The HTTP layer maps codes to
 * statuses in one place (hub/api/status.ts) and the CLI prints them in one place.
 */
export const ErrorCodes = {
  /** A manifest or API body failed schema validation. details: FieldError[] */
  SKIFF_ERR_INVALID: { reason: 'Invalid', httpStatus: 422 },
  /** A body or document could not be parsed at all (YAML/JSON syntax). */
  SKIFF_ERR_BAD_REQUEST: { reason: 'BadRequest', httpStatus: 400 },
  SKIFF_ERR_NOT_FOUND: { reason: 'NotFound', httpStatus: 404 },
  SKIFF_ERR_ALREADY_EXISTS: { reason: 'AlreadyExists', httpStatus: 409 },
  /** Optimistic concurrency: resourceVersion did not match. */
  SKIFF_ERR_CONFLICT: { reason: 'Conflict', httpStatus: 409 },
  SKIFF_ERR_UNAUTHORIZED: { reason: 'Unauthorized', httpStatus: 401 },
  SKIFF_ERR_FORBIDDEN: { reason: 'Forbidden', httpStatus: 403 },
  SKIFF_ERR_METHOD_NOT_ALLOWED: { reason: 'MethodNotAllowed', httpStatus: 405 },
  SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE: { reason: 'UnsupportedMediaType', httpStatus: 415 },
  /** A watch asked to resume from a resourceVersion older than the watch cache remembers. */
  SKIFF_ERR_EXPIRED: { reason: 'Expired', httpStatus: 410 },
  /** The hub could not be reached (CLI side). */
  SKIFF_ERR_UNREACHABLE: { reason: 'ServiceUnavailable', httpStatus: 503 },
  /** Bad flags or configuration for a process. */
  SKIFF_ERR_CONFIG: { reason: 'BadRequest', httpStatus: 400 },
  /** A message on an MQTT topic that does not decode. */
  SKIFF_ERR_BAD_MESSAGE: { reason: 'BadRequest', httpStatus: 400 },
  SKIFF_ERR_INTERNAL: { reason: 'InternalError', httpStatus: 500 },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** One problem with one field of one object; `path` is kube-style, e.g. spec.containers[0].image. */
export interface FieldError {
  path: string;
  message: string;
}

export class SkiffError extends Error {
  readonly code: ErrorCode;
  readonly details: FieldError[];
  /**
   * The Kind the error is about, when it names one: an Invalid object's (Deployment), as
   * kube-apiserver's NewInvalid(GroupKind, ...) does. Its Status details say it in place of the
   * resource the request addressed; kubectl prints `The Deployment "web" is invalid: ...`.
   */
  readonly kind: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: FieldError[]; kind?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkiffError';
    this.code = code;
    this.details = options.details ?? [];
    this.kind = options.kind;
  }

  get reason(): string {
    return ErrorCodes[this.code].reason;
  }

  get httpStatus(): number {
    return ErrorCodes[this.code].httpStatus;
  }
}

export function isSkiffError(err: unknown, code?: ErrorCode): err is SkiffError {
  return err instanceof SkiffError && (code === undefined || err.code === code);
}

/** Message of any thrown value, for logs and reports. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
