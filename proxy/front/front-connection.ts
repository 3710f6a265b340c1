// One client connection of the raw front: parses requests with llhttp, serves them one at a time, keeps alive.
import type { Socket } from 'node:net';
import { closingErrorResponse } from '../../shared/http/closing-response.js';
import { FrontRequest, type BodyFlow } from './front-request.js';
import { FrontResponse, type ResponseOwner } from './front-response.js';
import { DirectWriter } from '../util/direct-write.js';
import { PARK_AFTER_MS, ParserFeed } from '../util/parser-feed.js';
import { RequestParser, type ParseFailure, type RequestEvents } from './llhttp.js';

/** Where a connection hands its requests, and what it asks of its listener. */
export interface ConnectionHost {
  readonly draining: boolean;
  request(req: FrontRequest, res: FrontResponse): void;
  /** The socket now belongs to the upgrade (WebSocket tunnel); `head` = bytes after the request head. */
  upgrade(req: FrontRequest, socket: Socket, head: Buffer): void;
  forget(conn: FrontConnection): void;
}

/** Client timeouts, ms (0 = none). */
export interface ConnectionTimeouts {
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const SERVER_HEADER = ['server', 'kateway-proxy'];

/**
 * Requests are served in order, one at a time: a pipelined request waits (its body buffered, the socket paused)
 * until the response before it is complete and that request's body fully read or discarded. Timeouts are checked
 * by the listener's sweep (`checkTimeouts`), not by a timer per request: head within headersTimeoutMs and whole
 * request within requestTimeoutMs of its first byte (408), idle keep-alive within keepAliveTimeoutMs. The sweep
 * also parks the parser (`ParserFeed.park`) of a connection found between requests for PARK_AFTER_MS.
 */
export class FrontConnection implements RequestEvents, BodyFlow, ResponseOwner {
  readonly socket: Socket;
  readonly writer: DirectWriter;
  readonly #host: ConnectionHost;
  readonly #parser: RequestParser;
  readonly #feed: ParserFeed<number | ParseFailure>;
  /** The request whose bytes the parser is reading. */
  #reading: FrontRequest | undefined;
  /** The request being answered. */
  #serving: FrontRequest | undefined;
  #response: FrontResponse | undefined;
  readonly #waiting: FrontRequest[] = [];
  #upgrade: FrontRequest | undefined;
  /** Date.now() at the first byte of the request being read; 0 between requests. */
  #messageStart = 0;
  #headDone = false;
  #idleSince = Date.now();
  #bodyPaused = false;
  #closed = false;
  #readStopped = false;
  /** What the client had not taken of its responses when the keep-alive timeout last found it reading them. */
  #unflushedAtSweep = 0;
  /** When the sweep first found the connection between requests (0: not yet since the last request began). */
  #quietSince = 0;

  constructor(socket: Socket, host: ConnectionHost) {
    this.socket = socket;
    this.writer = new DirectWriter(socket);
    this.#host = host;
    this.#parser = new RequestParser(this);
    this.#feed = new ParserFeed(socket, this.#parser, this.#afterExecute);
    socket.on('end', this.#onEnd);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.#onClose());
  }

  /** Whether the connection holds no parser now (until bytes arrive). */
  get parked(): boolean {
    return this.#feed.parked;
  }

  get draining(): boolean {
    return this.#host.draining;
  }

  /** No request in flight or arriving: safe to close when draining. */
  get idle(): boolean {
    return this.#serving === undefined && this.#messageStart === 0;
  }

  /** Closes the connection if idle (drain); otherwise the current response ends it. */
  closeIfIdle(): void {
    if (this.idle) this.socket.end();
  }

  checkTimeouts(now: number, t: ConnectionTimeouts): void {
    if (this.#closed) return;
    const start = this.#messageStart;
    if (start !== 0) {
      if ((!this.#headDone && t.headersTimeoutMs > 0 && now - start >= t.headersTimeoutMs) || (t.requestTimeoutMs > 0 && now - start >= t.requestTimeoutMs)) {
        this.#abandon(408, 'proxy: request timed out');
      }
    } else if (this.#serving === undefined && t.keepAliveTimeoutMs > 0 && now - this.#idleSince >= t.keepAliveTimeoutMs) {
      // Idle from when the client has taken the last response (node:http starts the timer at the response's
      // 'finish'): closing earlier cuts off what a slow reader has not taken yet. A client that took nothing for a
      // whole keep-alive period has stopped reading and goes.
      const unflushed = this.writer.unflushedBytes;
      if (unflushed === 0 || unflushed === this.#unflushedAtSweep) this.socket.destroy();
      else {
        this.#unflushedAtSweep = unflushed;
        this.#idleSince = now;
      }
    } else if (this.#quietSince === 0) {
      this.#quietSince = now;
    } else if (now - this.#quietSince >= PARK_AFTER_MS && this.#parserReusable()) {
      // Awaiting a response that takes its time (a long-poll), or idle between requests: no parser until bytes arrive.
      this.#feed.park();
    }
  }

  /**
   * A fresh parser may take over: reading (not stopped for a pipelined request or a slow body consumer) and the last
   * request allowed another (else llhttp refuses further bytes, and a fresh parser would not).
   */
  #parserReusable(): boolean {
    return !this.#readStopped && !this.socket.writableEnded && (this.#serving?.keepAlive ?? true);
  }

  // --- parser events ---

  onMessageBegin(): void {
    this.#quietSince = 0;
    this.#messageStart = Date.now();
    this.#headDone = false;
  }

  onHead(minor: number, headers: string[], method: string, url: string, upgrade: boolean, keepAlive: boolean): 0 | 2 {
    // The parser goes on through the rest of a read after an abandon (e.g. a 417): nothing pipelined behind it is served.
    if (this.#closed) return 0;
    this.#headDone = true;
    const req = new FrontRequest(method, url, headers, this.socket, minor === 0, keepAlive, this);
    if (upgrade && method !== 'CONNECT') {
      this.#upgrade = req;
      return 2;
    }
    this.#reading = req;
    if (this.#serving) {
      this.#waiting.push(req);
      this.#updateFlow();
    } else this.#serve(req);
    return 0;
  }

  onBody(chunk: Buffer): void {
    this.#reading?.push(chunk);
  }

  onMessageComplete(): void {
    if (this.#closed) return;
    const req = this.#reading;
    this.#reading = undefined;
    this.#messageStart = 0;
    if (!req) return;
    req.end();
    if (req === this.#serving && this.#response === undefined) this.#next();
  }

  // --- body flow (a streamed body whose consumer is slower than the client) ---

  pauseBody(): void {
    this.#bodyPaused = true;
    this.#updateFlow();
  }

  resumeBody(): void {
    this.#bodyPaused = false;
    this.#updateFlow();
  }

  // --- responses ---

  responseDone(res: FrontResponse, keepAlive: boolean): void {
    if (res !== this.#response) return;
    this.#response = undefined;
    const req = this.#serving!;
    if (!keepAlive) {
      this.#serving = undefined;
      // Idle from now: the keep-alive sweep must not destroy the socket (and its unflushed response) early.
      this.#idleSince = Date.now();
      this.socket.end();
      return;
    }
    if (!req.complete) {
      req.discard(); // the next request starts when this body has been read past
      return;
    }
    this.#next();
  }

  #serve(req: FrontRequest): void {
    this.#serving = req;
    this.#unflushedAtSweep = 0; // progress is judged per response
    const res = new FrontResponse(this, req.keepAlive, req.http10, req.method === 'HEAD');
    this.#response = res;
    const expect = req.known.expect;
    if (expect !== undefined) {
      if (expect.toLowerCase() !== '100-continue') {
        this.#abandon(417, 'proxy: unsupported expectation');
        return;
      }
      if (!req.http10 && !req.complete) this.socket.write(CONTINUE);
    }
    this.#host.request(req, res);
  }

  #next(): void {
    this.#serving = undefined;
    this.#bodyPaused = false; // whatever the last body's consumer asked no longer matters
    const req = this.#waiting.shift();
    if (req) {
      this.#serve(req);
      this.#updateFlow();
      return;
    }
    this.#idleSince = Date.now();
    this.#updateFlow();
    if (this.#host.draining && this.idle) this.socket.end();
  }

  #updateFlow(): void {
    if (this.#closed) return;
    const stop = this.#bodyPaused || this.#waiting.length > 0;
    const h = this.#feed.handle;
    if (!h) {
      if (stop) this.socket.pause();
      else this.socket.resume();
      return;
    }
    if (stop === this.#readStopped) return;
    this.#readStopped = stop;
    if (stop) h.readStop();
    else h.readStart();
  }

  /** After each read was parsed; `chunk`: its bytes if they came as a 'data' event. */
  readonly #afterExecute = (r: number | ParseFailure, chunk?: Buffer): void => {
    if (typeof r !== 'number') {
      this.#parseFailed(r);
      return;
    }
    const up = this.#upgrade;
    if (up) {
      this.#upgrade = undefined;
      this.#messageStart = 0;
      if (this.#serving) {
        // An upgrade pipelined behind a request in flight: not supported.
        this.socket.destroy();
        return;
      }
      const data = chunk ?? this.#parser.currentBuffer();
      this.#detach();
      this.#host.upgrade(up, this.socket, data.subarray(r));
    }
  };

  /**
   * The client closed its side: as node:http does, a request still in flight is abandoned (the client is gone). A
   * connection a response already ended is left to close itself (a second `end()` only builds an error, with its stack).
   */
  readonly #onEnd = (): void => {
    const err = this.#parser.finish();
    if (err || this.#messageStart !== 0 || this.#serving !== undefined) this.socket.destroy();
    else if (!this.socket.writableEnded) this.socket.end();
  };

  #parseFailed(err: ParseFailure): void {
    if (this.#serving) {
      this.socket.destroy(); // garbage behind a request in flight: its response cannot be followed by an error
      return;
    }
    if (err.code === 'HPE_HEADER_OVERFLOW') this.#abandon(431, 'proxy: request head too large');
    else this.#abandon(400, 'proxy: malformed request');
  }

  /** Answers with an error and closes (nothing more is read from this connection). */
  #abandon(status: number, errmsg: string): void {
    this.#detach();
    const res = this.#response;
    this.#response = undefined;
    if (res?.headersSent) {
      this.socket.destroy();
      return;
    }
    // Nothing reads this connection any more and it is half-open capable: close it once the error is out (as node:http
    // does), or a client that never closes its side would keep it, and server.close(), forever.
    this.socket.end(closingErrorResponse(status, errmsg, SERVER_HEADER), () => this.socket.destroy());
  }

  /** Stops reading requests from the socket. */
  #detach(): void {
    this.socket.off('end', this.#onEnd);
    this.#release();
  }

  #onClose(): void {
    this.#serving?.abort();
    if (this.#reading !== this.#serving) this.#reading?.abort();
    for (const r of this.#waiting) r.abort();
    this.#release();
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#feed.stop();
    const h = this.#feed.handle;
    if (h && this.#readStopped && !this.socket.destroyed) h.readStart();
    this.#host.forget(this);
  }
}
