// Upstream failures → what happened (for stats and health) and what the client gets (PX_* error).
import { AppError, ErrorCode } from '../../shared/errors.js';

/**
 * 'invalid': undici refused the request itself (a header or path Node accepted but undici will not send): the
 * client's fault, answered 400, never retried and never held against the gateway.
 * 'unsent': failed before undici handed the request to a socket (connect refused or timed out, pool closed): the
 * gateway cannot have seen it, so it may go to another gateway. 'timeout': no headers, or a body stall, within the
 * route's timeout. 'failed': broke after it was (maybe) sent: never retried, the gateway may have processed it.
 * 'client-abort': the client went away first.
 */
export type FailureKind = 'invalid' | 'unsent' | 'timeout' | 'failed' | 'client-abort';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'PX_HEADERS_TIMEOUT', 'PX_BODY_TIMEOUT']);

export function classifyFailure(err: unknown, sent: boolean, clientGone: boolean): FailureKind {
  if (clientGone) return 'client-abort';
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_INVALID_ARG') return 'invalid';
  if (!sent) return 'unsent';
  return typeof code === 'string' && TIMEOUT_CODES.has(code) ? 'timeout' : 'failed';
}

/** The client-facing error for a failure (never called for client aborts). */
export function failureError(kind: Exclude<FailureKind, 'client-abort'>, cause: unknown): AppError {
  switch (kind) {
    case 'invalid':
      return new AppError(ErrorCode.PX_BAD_REQUEST, 'proxy: malformed request', { cause });
    case 'unsent':
      return new AppError(ErrorCode.PX_UPSTREAM_UNREACHABLE, 'proxy: no gateway reachable', { cause });
    case 'timeout':
      return new AppError(ErrorCode.PX_UPSTREAM_TIMEOUT, 'proxy: gateway timeout', { cause });
    case 'failed':
      // Not retriable although 502: the gateway may have processed it (a publish must not be sent twice).
      return new AppError(ErrorCode.PX_UPSTREAM_FAILED, 'proxy: bad gateway', { cause, retriable: false });
  }
}
