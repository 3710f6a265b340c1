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

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
