// One catalogue of errors; they become HTTP responses only at the edge (gateway/http/respond.ts, proxy).

/** Stable error codes. Tests assert codes, clients get `{"errmsg": ...}` with the matching status. */
export const ErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  CONFLICT: 'CONFLICT',
  TOO_LARGE: 'TOO_LARGE',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  INTERNAL: 'INTERNAL',
  // The edge proxy's own answers (proxy/): prefixed so a client or a log tells them from the gateway's.
  /** No gateway is usable for the request (none discovered, all ejected or full). */
  PX_NO_UPSTREAM: 'PX_NO_UPSTREAM',
  /** Every attempt failed before the request was sent: the client may safely retry. */
  PX_UPSTREAM_UNREACHABLE: 'PX_UPSTREAM_UNREACHABLE',
  /** The connection failed after the request was (maybe) sent: the gateway may have processed it. */
  PX_UPSTREAM_FAILED: 'PX_UPSTREAM_FAILED',
  /** The gateway did not answer within the route's timeout. */
  PX_UPSTREAM_TIMEOUT: 'PX_UPSTREAM_TIMEOUT',
  PX_RATE_LIMITED: 'PX_RATE_LIMITED',
  /** A request the proxy cannot forward as sent (invalid header or path). */
  PX_BAD_REQUEST: 'PX_BAD_REQUEST',
  PX_NOT_FOUND: 'PX_NOT_FOUND',
  PX_DRAINING: 'PX_DRAINING',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const statusOf: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  STORE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
  PX_NO_UPSTREAM: 503,
  PX_UPSTREAM_UNREACHABLE: 503,
  PX_UPSTREAM_FAILED: 502,
  PX_UPSTREAM_TIMEOUT: 504,
  PX_RATE_LIMITED: 429,
  PX_BAD_REQUEST: 400,
  PX_NOT_FOUND: 404,
  PX_DRAINING: 503,
};

export interface AppErrorOptions {
  /** Seconds the client should wait before retrying (adds `Retry-After`). */
  retryAfterSec?: number;
  /** Whether the same request may succeed when retried later. */
  retriable?: boolean;
  cause?: unknown;
}

/** An error whose message is safe to show to a client. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  readonly retryAfterSec: number | undefined;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = statusOf[code];
    this.retriable = opts.retriable ?? (this.status >= 500 || this.status === 429);
    this.retryAfterSec = opts.retryAfterSec;
  }
}

export const badRequest = (msg: string): AppError => new AppError(ErrorCode.BAD_REQUEST, msg);
export const notFound = (msg: string): AppError => new AppError(ErrorCode.NOT_FOUND, msg);
export const storeUnavailable = (msg: string, opts: AppErrorOptions = {}): AppError =>
  new AppError(ErrorCode.STORE_UNAVAILABLE, msg, opts);

/** The JSON body a client gets for `err`: `{"errmsg": ...}` (the gateway's and the proxy's wire format). */
export const errmsgBody = (err: AppError): string => JSON.stringify({ errmsg: err.message });

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
