// The undici alternative behind the same seam (upstream.client: 'undici'): an undici Pool and a handler adapter.
import { Pool, type Dispatcher } from 'undici';
import { downstreamHeaders } from './headers.js';
import type { UpstreamHandler, UpstreamPool, UpstreamPoolOptions, UpstreamRequest } from './upstream.js';

/** Converts undici's raw header buffers to the filtered strings handlers expect. */
class UndiciAdapter implements Dispatcher.DispatchHandler {
  readonly #h: UpstreamHandler;
  constructor(h: UpstreamHandler) {
    this.#h = h;
  }
  onConnect(abort: (err?: Error) => void): void {
    this.#h.onConnect(abort);
  }
  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    return status < 200 || this.#h.onHeaders(status, downstreamHeaders(raw), resume, statusText);
  }
  onData(chunk: Buffer): boolean {
    // undici gives no read boundaries: each chunk is handed on at once.
    const ok = this.#h.onData(chunk);
    return this.#h.onReadEnd() && ok;
  }
  onComplete(): void {
    this.#h.onComplete();
  }
  onError(err: Error): void {
    this.#h.onError(err);
  }
  onBodySent(chunk: Buffer | string | number): void {
    // undici 7 passes the chunk although its typings declare a size.
    this.#h.onBodySent(typeof chunk === 'number' ? chunk : chunk.length);
  }
}

export function undiciPool(o: UpstreamPoolOptions): UpstreamPool {
  const pool = new Pool(`http://${o.hostname.includes(':') ? `[${o.hostname}]` : o.hostname}:${o.port}`, {
    connections: o.connections,
    pipelining: 1,
    connectTimeout: o.connectTimeoutMs,
    keepAliveTimeout: o.keepAliveTimeoutMs,
    keepAliveMaxTimeout: Math.max(o.keepAliveTimeoutMs, 600_000),
  });
  return {
    dispatch(req: UpstreamRequest, handler: UpstreamHandler) {
      pool.dispatch(
        { method: req.method, path: req.path, headers: req.headers, body: req.body, headersTimeout: req.headersTimeout, bodyTimeout: req.bodyTimeout },
        new UndiciAdapter(handler),
      );
    },
    close: () => pool.close(),
    destroy: () => pool.destroy(),
  };
}
