// The seam between an exchange and the client library talking to a gateway listener (native h1 or undici).
import type { Readable } from 'node:stream';

/** One request for a gateway listener. */
export interface UpstreamRequest {
  method: string;
  /** Origin-form path with query, as the client sent it. */
  path: string;
  /** [name, value, ...], hop-by-hop headers already removed, X-Forwarded-For added; Content-Length kept. */
  headers: string[];
  /** A whole body, a body to stream, or none. */
  body: Buffer | Readable | null;
  /** Length of a streamed body from its Content-Length; undefined = unknown (sent chunked). */
  bodyLength: number | undefined;
  /** Longest wait for the response head after sending, ms. */
  headersTimeout: number;
  /** Longest silence within the response body, ms. */
  bodyTimeout: number;
}

/**
 * Receives one request's fate. undici's raw handler contract, with response headers as filtered strings:
 * - onConnect: the request was given a connection and is about to be written. Before it, nothing can have reached
 *   the gateway (a failure then may be retried elsewhere); after it, never.
 * - onHeaders / onData return false to ask for a pause; `resume` lifts it. onComplete or onError ends the request.
 */
export interface UpstreamHandler {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(status: number, headers: string[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  /**
   * Every byte of one read from the gateway has been delivered (onHeaders/onData) and the response goes on: the
   * point to hand buffered output to the client. Returns false to ask for a pause, as onData.
   */
  onReadEnd(): boolean;
  onComplete(): void;
  onError(err: Error): void;
  /** Bytes of a streamed body written to the gateway. */
  onBodySent(bytes: number): void;
}

/** The connections to one gateway listener. */
export interface UpstreamPool {
  dispatch(req: UpstreamRequest, handler: UpstreamHandler): void;
  /** Graceful: requests already dispatched finish, then connections close. */
  close(): Promise<void>;
  /** Abort every request and connection. */
  destroy(): Promise<void>;
}

export interface UpstreamPoolOptions {
  hostname: string;
  port: number;
  connections: number;
  connectTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export type UpstreamPoolFactory = (o: UpstreamPoolOptions) => UpstreamPool;

/** Error codes the client libraries report; map-error.ts classifies by them. */
export const UpstreamErrorCode = {
  HEADERS_TIMEOUT: 'PX_HEADERS_TIMEOUT',
  BODY_TIMEOUT: 'PX_BODY_TIMEOUT',
  CONNECT_TIMEOUT: 'PX_CONNECT_TIMEOUT',
  POOL_CLOSED: 'PX_POOL_CLOSED',
  CLOSED: 'PX_UPSTREAM_CLOSED',
} as const;

export const upstreamError = (code: string, message: string): Error => Object.assign(new Error(message), { code });
