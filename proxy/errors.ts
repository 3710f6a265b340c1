// The proxy's error catalogue (PX_* codes): each becomes `{"errmsg": ...}` with its status, only at the edge.
// TODO(lead): merge these codes into shared/errors.ts once the catalogue there accepts PX_* entries.

export const ProxyErrorCode = {
  /** No gateway is usable for the request (none discovered, all ejected or full). */
  NO_UPSTREAM: 'PX_NO_UPSTREAM',
  /** Every attempt failed before the request was sent: the client may safely retry. */
  UPSTREAM_UNREACHABLE: 'PX_UPSTREAM_UNREACHABLE',
  /** The connection failed after the request was (maybe) sent: the gateway may have processed it. */
  UPSTREAM_FAILED: 'PX_UPSTREAM_FAILED',
  /** The gateway did not answer within the route's timeout. */
  UPSTREAM_TIMEOUT: 'PX_UPSTREAM_TIMEOUT',
  RATE_LIMITED: 'PX_RATE_LIMITED',
  /** A request the proxy cannot forward as sent (invalid header or path). */
  BAD_REQUEST: 'PX_BAD_REQUEST',
  NOT_FOUND: 'PX_NOT_FOUND',
  DRAINING: 'PX_DRAINING',
} as const;
export type ProxyErrorCode = (typeof ProxyErrorCode)[keyof typeof ProxyErrorCode];

const statusOf: Record<ProxyErrorCode, number> = {
  PX_NO_UPSTREAM: 503,
  PX_UPSTREAM_UNREACHABLE: 503,
  PX_UPSTREAM_FAILED: 502,
  PX_UPSTREAM_TIMEOUT: 504,
  PX_RATE_LIMITED: 429,
  PX_BAD_REQUEST: 400,
  PX_NOT_FOUND: 404,
  PX_DRAINING: 503,
};

/** An error whose message is safe for clients. `retriable`: the same request may succeed if sent again. */
export class ProxyError extends Error {
  readonly code: ProxyErrorCode;
  readonly status: number;
  readonly retriable: boolean;

  constructor(code: ProxyErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProxyError';
    this.code = code;
    this.status = statusOf[code];
    this.retriable = code !== ProxyErrorCode.UPSTREAM_FAILED && code !== ProxyErrorCode.NOT_FOUND && code !== ProxyErrorCode.BAD_REQUEST;
  }

  /** The JSON body clients get. */
  get body(): string {
    return JSON.stringify({ errmsg: this.message });
  }
}
