// One keep-alive connection to a gateway listener: writes one request at a time and parses its response.
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { upstreamError, UpstreamErrorCode, type UpstreamHandler, type UpstreamRequest } from '../upstream.js';
import { PARK_AFTER_MS, ParserFeed } from '../../util/parser-feed.js';
import { DirectWriter } from '../../util/direct-write.js';
import { ResponseParser, type ParseFailure, type ResponseEvents } from './response-parser.js';

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
 * The request head is written with the whole body (when buffered) in one write; a streamed body follows with
 * backpressure, chunk-encoded when its length is unknown. Responses are parsed by llhttp reading the socket's
 * handle natively (`ResponseParser.consume`); a response is complete once the read that ended it has been parsed,
 * so bytes behind it are seen first. Timeouts are the pool's sweep (`sweep`), not a socket timer re-armed several
 * times per request: a request fails when neither its body nor the response moved for the headers timeout (until
 * the head arrived) or the body timeout (after); an idle connection closes after its keep-alive time. Any failure
 * destroys the connection; the handler gets exactly one onComplete or onError. A connection is reused only if the
 * server allows it and both messages ended cleanly. A connection has no native parser until the response's first
 * bytes arrive, and gives it back (`ParserFeed.park`) once the sweep finds it quiet between responses for
 * PARK_AFTER_MS: idle in the pool, or awaiting a long-poll's answer.
 */
export class H1Connection implements ResponseEvents {
  readonly socket: Socket;
  readonly #writer: DirectWriter;
  /** Server's Keep-Alive timeout hint, ms. */
  keepAliveHintMs: number | undefined;
  #handler: UpstreamHandler | undefined;
  readonly #parser: ResponseParser;
  readonly #feed: ParserFeed<ParseFailure | undefined>;
  #release: Release | undefined;
  #req: UpstreamRequest | undefined;
  #bodyDone = true;
  #unpipe: (() => void) | undefined;
  #responseDone = false;
  #readStopped = false;
  /** Bytes moved (or the phase changed) since the last sweep; the sweep then restarts the deadline. */
  #active = false;
  /** The sweep that last saw `#active` (ms since the epoch): quiet since then. */
  #quietSince = 0;
  /** When the current timeout expires (ms since the epoch); set by the sweep. */
  #deadline = 0;
  /** While idle in the pool: how long it may stay so, ms. */
  #idleMs = 0;

  /** host:port of the gateway listener, for requests that arrive without a Host header. */
  readonly hostHeader: string;

  constructor(socket: Socket, hostHeader: string) {
    this.socket = socket;
    this.#writer = new DirectWriter(socket);
    this.hostHeader = hostHeader;
    this.#parser = new ResponseParser(this);
    // The connection writes first: its parser is made when the response's first bytes arrive.
    this.#feed = new ParserFeed(socket, this.#parser, this.#afterRead, true);
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err) => this.#fail(err));
    socket.once('close', () => {
      this.#fail(upstreamError(UpstreamErrorCode.CLOSED, 'gateway connection closed'));
      this.#feed.stop();
    });
  }

  /** Whether the connection holds no parser now (until bytes arrive). */
  get parked(): boolean {
    return this.#feed.parked;
  }

  get busy(): boolean {
    return this.#handler !== undefined;
  }

  run(req: UpstreamRequest, handler: UpstreamHandler, release: Release): void {
    this.#handler = handler;
    this.#release = release;
    this.#req = req;
    this.#responseDone = false;
    this.#active = true;
    this.#parser.expect(req.method === 'HEAD');
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
    this.#setReading(true);
    if (body === null || Buffer.isBuffer(body)) {
      this.#bodyDone = true;
      this.#writer.write(body ? withBody(head, body) : head);
    } else {
      this.#bodyDone = false;
      sock.write(head, 'latin1');
      this.#stream(body, chunked, handler);
    }
  }

  // --- parser events (ResponseEvents) ---

  onHead(status: number, statusText: string, headers: string[]): void {
    const handler = this.#handler;
    if (!handler) return;
    this.#active = true; // the body timeout from here
    if (!handler.onHeaders(status, headers, this.#resume, statusText)) this.#setReading(false);
  }

  onBody(chunk: Buffer): void {
    this.#active = true;
    if (this.#handler?.onData(chunk) === false) this.#setReading(false);
  }

  onEnd(): void {
    this.#responseDone = true;
  }

  /** Drops the connection (pool shutdown); a request on it fails. */
  destroy(err?: Error): void {
    this.#fail(err ?? upstreamError(UpstreamErrorCode.POOL_CLOSED, 'gateway pool destroyed'));
    this.socket.destroy();
  }

  readonly #resume = (): void => this.#setReading(true);

  /** Stops or restarts reading the gateway's bytes (backpressure from a slower client). */
  #setReading(on: boolean): void {
    const h = this.#feed.handle;
    if (!h) {
      if (on) this.socket.resume();
      else this.socket.pause();
      return;
    }
    if (on !== this.#readStopped || this.socket.destroyed) return;
    this.#readStopped = !on;
    if (on) h.readStart();
    else h.readStop();
  }

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
      this.#active = true;
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

  /** After each read was parsed. */
  readonly #afterRead = (failure: ParseFailure | undefined): void => {
    if (failure) {
      if (this.#handler) this.#fail(failure);
      else this.socket.destroy();
      return;
    }
    // Bytes on an idle connection, or more than one response: the server is confused; drop the connection.
    if (this.#parser.trailing) this.socket.destroy();
    if (this.#responseDone) this.#maybeDone();
    else if (this.#handler?.onReadEnd() === false) this.#setReading(false);
  };

  #onEnd(): void {
    // The server closed an idle connection (its keep-alive timeout): destroy it now, so that the pool, which skips
    // destroyed connections, cannot hand it a request in the moment before its 'close'; such a request would be
    // written to a closed server and fail as sent, with no retry.
    if (!this.#handler) return void this.socket.destroy();
    const failure = this.#parser.finish();
    if (failure) this.#fail(failure);
    else this.#maybeDone();
  }

  /** Idle in the pool from now, for `ms` at most. */
  idleFor(ms: number): void {
    this.#idleMs = ms;
    this.#active = true;
  }

  /** The pool's periodic check: a request that went quiet too long fails; an idle connection past its time closes. */
  sweep(now: number): void {
    if (this.#active) {
      this.#active = false;
      const req = this.#req;
      this.#deadline = now + (req === undefined ? this.#idleMs : this.#parser.headPending ? req.headersTimeout : req.bodyTimeout);
      this.#quietSince = now;
    } else if (now >= this.#deadline) {
      if (this.#handler) this.#timedOut();
      else this.socket.destroy();
    } else if (now - this.#quietSince >= PARK_AFTER_MS && !this.#parser.inMessage && !this.#readStopped) {
      // Idle in the pool, or awaiting a response that takes its time (a long-poll): no parser until bytes arrive.
      this.#feed.park();
    }
  }

  #timedOut(): void {
    const code = this.#parser.headPending ? UpstreamErrorCode.HEADERS_TIMEOUT : UpstreamErrorCode.BODY_TIMEOUT;
    this.#fail(upstreamError(code, code === UpstreamErrorCode.HEADERS_TIMEOUT ? 'gateway response timeout' : 'gateway body timeout'));
  }

  /** Completes once the response ended (a server may answer before the request body is fully sent). */
  #maybeDone(): void {
    const handler = this.#handler;
    if (!handler || !this.#responseDone) return;
    const reusable = this.#bodyDone && this.#parser.keepAlive && !this.socket.destroyed;
    this.keepAliveHintMs = this.#parser.keepAliveHintMs;
    this.#unpipe?.();
    this.#clear();
    if (!reusable) this.socket.destroy();
    else this.#setReading(true); // an idle connection watches for the server closing it
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
    this.#req = undefined;
  }
}
