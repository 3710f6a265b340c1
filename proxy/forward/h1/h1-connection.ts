// One keep-alive connection to a gateway listener: writes one request at a time and parses its response.
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { upstreamError, UpstreamErrorCode, type UpstreamHandler, type UpstreamRequest } from '../upstream.js';
import { ResponseParser } from './response-parser.js';

/**
 * Head and a buffered body as one Buffer: one plain write (no writev, no write-request per part); bodies are at
 * most upstream.bufferBodyBytes.
 */
function withBody(head: string, body: Buffer): Buffer {
  const n = head.length; // latin1: one byte per char
  const out = Buffer.allocUnsafe(n + body.length);
  out.write(head, 0, n, 'latin1');
  body.copy(out, n);
  return out;
}

/** Called once per request: whether the connection may carry another one. */
export type Release = (conn: H1Connection, reusable: boolean) => void;

/**
 * The request head is written with the whole body (when buffered) in one corked write; a streamed body follows
 * with backpressure, chunk-encoded when its length is unknown. The socket's idle timer is the headers timeout
 * until the head arrives, then the body timeout. Any failure destroys the connection; the handler gets exactly one
 * onComplete or onError. A connection is reused only if the server allows it and both messages ended cleanly.
 */
export class H1Connection {
  readonly socket: Socket;
  /** Server's Keep-Alive timeout hint, ms. */
  keepAliveHintMs: number | undefined;
  #handler: UpstreamHandler | undefined;
  #parser: ResponseParser | undefined;
  #release: Release | undefined;
  #req: UpstreamRequest | undefined;
  #bodyDone = true;
  #unpipe: (() => void) | undefined;
  #responseDone = false;

  /** host:port of the gateway listener, for requests that arrive without a Host header. */
  readonly hostHeader: string;

  constructor(socket: Socket, hostHeader: string) {
    this.socket = socket;
    this.hostHeader = hostHeader;
    socket.on('data', (c: Buffer) => this.#onData(c));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(upstreamError(UpstreamErrorCode.CLOSED, 'gateway connection closed')));
    socket.on('timeout', () => this.#onTimeout());
  }

  get busy(): boolean {
    return this.#handler !== undefined;
  }

  run(req: UpstreamRequest, handler: UpstreamHandler, release: Release): void {
    this.#handler = handler;
    this.#release = release;
    this.#req = req;
    this.#responseDone = false;
    this.#parser = new ResponseParser(req.method === 'HEAD', {
      onHead: (status, text, headers) => {
        this.socket.setTimeout(req.bodyTimeout);
        if (!handler.onHeaders(status, headers, this.#resume, text)) this.socket.pause();
      },
      onBody: (chunk) => {
        if (handler.onData(chunk)) return true;
        this.socket.pause();
        return false;
      },
      onEnd: () => (this.#responseDone = true),
    });
    handler.onConnect(this.#abort);
    if (this.#handler !== handler) return; // aborted from onConnect

    const sock = this.socket;
    const body = req.body;
    const chunked = body !== null && !Buffer.isBuffer(body) && req.bodyLength === undefined;
    let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
    const h = req.headers;
    let host = false;
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]!;
      if (name.length === 4 && name.toLowerCase() === 'host') host = true;
      head += `${name}: ${h[i + 1]}\r\n`;
    }
    // HTTP/1.1 requires Host; an HTTP/1.0 client may not have sent one.
    if (!host) head += `host: ${this.hostHeader}\r\n`;
    head += chunked ? 'transfer-encoding: chunked\r\n\r\n' : '\r\n';
    sock.setTimeout(req.headersTimeout);
    sock.resume();
    if (body === null || Buffer.isBuffer(body)) {
      this.#bodyDone = true;
      sock.write(body ? withBody(head, body) : head, 'latin1');
    } else {
      this.#bodyDone = false;
      sock.write(head, 'latin1');
      this.#stream(body, chunked, handler);
    }
  }

  /** Drops the connection (pool shutdown); a request on it fails. */
  destroy(err?: Error): void {
    this.#fail(err ?? upstreamError(UpstreamErrorCode.POOL_CLOSED, 'gateway pool destroyed'));
    this.socket.destroy();
  }

  readonly #resume = (): void => void this.socket.resume();

  readonly #abort = (err?: Error): void => this.#fail(err ?? new Error('request aborted'));

  #stream(body: Readable, chunked: boolean, handler: UpstreamHandler): void {
    const sock = this.socket;
    const onData = (c: Buffer): void => {
      let ok: boolean;
      if (chunked) {
        // Three writes, one syscall; every part must be written whatever the first write returns.
        sock.cork();
        sock.write(`${c.length.toString(16)}\r\n`, 'latin1');
        sock.write(c);
        ok = sock.write('\r\n', 'latin1');
        sock.uncork();
      } else ok = sock.write(c);
      handler.onBodySent(c.length);
      if (!ok) body.pause();
    };
    const onDrain = (): void => void body.resume();
    const onEnd = (): void => {
      if (chunked) sock.write('0\r\n\r\n');
      cleanup();
      this.#bodyDone = true;
    };
    const onError = (err: Error): void => this.#fail(err);
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      sock.off('drain', onDrain);
      this.#unpipe = undefined;
    };
    this.#unpipe = cleanup;
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    sock.on('drain', onDrain);
  }

  #onData(chunk: Buffer): void {
    const parser = this.#parser;
    if (!this.#handler || !parser) {
      // Bytes on an idle connection: the server is confused; drop the connection.
      this.socket.destroy();
      return;
    }
    let rest: Buffer | undefined;
    try {
      rest = parser.execute(chunk);
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    if (rest && rest.length > 0) this.socket.destroy(); // more than one response: unusable after this one
    this.#maybeDone();
  }

  #onEnd(): void {
    if (!this.#handler) return;
    try {
      this.#parser!.finish();
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    this.#maybeDone();
  }

  #onTimeout(): void {
    if (!this.#handler) return; // idle timeouts are the pool's business
    const code = this.#parser?.headPending ? UpstreamErrorCode.HEADERS_TIMEOUT : UpstreamErrorCode.BODY_TIMEOUT;
    this.#fail(upstreamError(code, code === UpstreamErrorCode.HEADERS_TIMEOUT ? 'gateway response timeout' : 'gateway body timeout'));
  }

  /** Completes once the response ended (a server may answer before the request body is fully sent). */
  #maybeDone(): void {
    const handler = this.#handler;
    if (!handler || !this.#responseDone) return;
    const reusable = this.#bodyDone && this.#parser!.keepAlive && !this.socket.destroyed;
    this.keepAliveHintMs = this.#parser!.keepAliveHintMs ?? this.keepAliveHintMs;
    this.#unpipe?.();
    this.#clear();
    if (!reusable) this.socket.destroy();
    const release = this.#release!;
    handler.onComplete();
    release(this, reusable);
  }

  #fail(err: Error): void {
    const handler = this.#handler;
    if (!handler) return;
    this.#unpipe?.();
    const body = this.#req?.body;
    this.#clear();
    this.socket.destroy();
    if (body && !Buffer.isBuffer(body)) body.resume(); // let an unsent remainder drain instead of stalling the client
    const release = this.#release!;
    handler.onError(err);
    release(this, false);
  }

  #clear(): void {
    this.#handler = undefined;
    this.#parser = undefined;
    this.#req = undefined;
    this.socket.setTimeout(0);
  }
}
