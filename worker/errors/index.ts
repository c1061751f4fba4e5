/**
 * The one error type of the project. Every failure a client can see is an {@link AppError} with a stable `code`; the
 * HTTP status is derived from the code in one table, and `app.onError` is the only place that turns it into a
 * response. Pure modules throw these (or return expected outcomes as data) and know nothing of HTTP.
 */

/** Stable error codes and the HTTP status each maps to. Codes are part of the public API: never rename one. */
export const ERROR_STATUS = {
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  turn_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  context_too_long: 422,
  model_declined: 422,
  document_unreadable: 422,
  budget_exhausted: 402,
  rate_limited: 429,
  quota_exceeded: 429,
  internal: 500,
  upstream_error: 502,
  llm_auth_failed: 502,
  sandbox_failed: 502,
  sandbox_quota_exceeded: 503,
  unavailable: 503,
  timeout: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Options for {@link AppError}; `internal` and `cause` are logged, never sent to a client. */
export interface AppErrorOptions {
  details?: unknown;
  internal?: string;
  cause?: unknown;
  /** Seconds a client should wait before retrying (429/503), sent as `retry-after`. */
  retryAfter?: number;
}

/**
 * A failure with a public `code` and message.
 * @example throw new AppError("not_found", "Session not found", { details: { id } })
 */
export class AppError extends Error {
  /** Brand that survives structured cloning across Durable Object RPC, where class identity is lost. */
  readonly isAppError = true as const;
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly internal?: string;
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details;
    this.internal = options.internal;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** True for an {@link AppError}, including one that crossed an RPC boundary and lost its prototype. */
export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { isAppError?: unknown }).isAppError === true &&
    typeof (value as { code?: unknown }).code === "string" &&
    (value as { code: string }).code in ERROR_STATUS
  );
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** Shapes an error for the wire: public fields only, never a stack or internal message. */
export function toErrorBody(error: AppError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return body;
}
