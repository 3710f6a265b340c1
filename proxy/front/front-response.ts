// The response to one client request, written straight to the socket: status line, headers, body (length or chunked).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { DirectWriter } from '../util/direct-write.js';

/** What a response tells its connection. */
export interface ResponseOwner {
  readonly socket: Socket;
  /** The socket's writes (straight to its handle). */
  readonly writer: DirectWriter;
  /** True while the listener drains: every response then ends the connection. */
  readonly draining: boolean;
  /** The response is complete (or cut short); `keepAlive` = the connection may carry the next request. */
  responseDone(res: FrontResponse, keepAlive: boolean): void;
}

/** Header names and values as node:http accepts them (no CR, LF or NUL: no response splitting). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Queued output is handed to the socket at this size at the latest; below it, it goes out as one joined Buffer. */
const JOIN_LIMIT = 16 * 1024;

export class InvalidHeaderError extends Error {
  readonly code = 'PX_INVALID_HEADER';
}

/**
 * Framing as received from upstream: a Content-Length header is kept and the body is written as is; without one
 * the body is chunk-encoded (HTTP/1.1 clients) or ends with the connection (HTTP/1.0 clients). No body for HEAD,
 * 1xx, 204 and 304. Output is queued until `flush` (the forwarder calls it after each read from the gateway),
 * `end`, or 16 KiB: head, body and chunk framing of one upstream read leave in one write. (Not a nextTick: the
 * parser's callbacks each run the tick queue.) `Connection: close` is sent when the client asked for it, when
 * draining, or when `shouldKeepAlive` was cleared.
 */
export class FrontResponse {
  /** Cleared to end the connection after this response. */
  shouldKeepAlive: boolean;
  headersSent = false;
  #head: string | undefined;
  #chunked = false;
  #bodyless = false;
  #keep = true;
  #finished = false;
  /** Output after the head not handed to the socket yet, and its size in bytes (strings are latin1). */
  #out: (string | Buffer)[] = [];
  #outBytes = 0;
  readonly #owner: ResponseOwner;
  readonly #http10: boolean;
  readonly #isHead: boolean;

  constructor(owner: ResponseOwner, keepAlive: boolean, http10: boolean, isHead: boolean) {
    this.#owner = owner;
    this.shouldKeepAlive = keepAlive;
    this.#http10 = http10;
    this.#isHead = isHead;
  }

  get destroyed(): boolean {
    return this.#owner.socket.destroyed;
  }

  /** Status and headers ([name, value, ...]); written with the first body bytes or at `end`. */
  writeHead(status: number, statusText: string | undefined, headers: readonly string[]): void {
    const text = statusText || STATUS_CODES[status] || '';
    if (BAD_VALUE.test(text)) throw new InvalidHeaderError('invalid status text');
    let head = `HTTP/1.1 ${status} ${text}\r\n`;
    let length = false;
    let keep = this.shouldKeepAlive && !this.#owner.draining;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) throw new InvalidHeaderError(`invalid header ${JSON.stringify(name)}`);
      if (name.length === 10 && name.toLowerCase() === 'connection') {
        if (value.toLowerCase().includes('close')) keep = false;
        continue; // written below, once
      }
      if (name.length === 14 && name.toLowerCase() === 'content-length') length = true;
      head += `${name}: ${value}\r\n`;
    }
    this.#bodyless = this.#isHead || status === 204 || status === 304 || status < 200;
    if (!this.#bodyless && !length) {
      if (this.#http10) keep = false; // the body ends with the connection
      else {
        this.#chunked = true;
        head += 'transfer-encoding: chunked\r\n';
      }
    }
    this.#keep = keep;
    head += keep ? (this.#http10 ? 'connection: keep-alive\r\n\r\n' : '\r\n') : 'connection: close\r\n\r\n';
    this.#head = head;
    this.headersSent = true;
  }

  /** Queues body bytes; false = the socket's buffer is full (the output was flushed; wait for `onceDrain`). */
  write(chunk: Buffer): boolean {
    if (this.#finished || this.#bodyless || chunk.length === 0) return true;
    if (this.#chunked) {
      this.#queue(`${chunk.length.toString(16)}\r\n`);
      this.#queue(chunk);
      this.#queue('\r\n');
    } else this.#queue(chunk);
    if (this.#outBytes >= JOIN_LIMIT || this.#owner.writer.needDrain) return this.flush();
    return true;
  }

  /** Hands the queued output to the socket in one write; false = the socket's buffer is full. */
  flush(): boolean {
    const writer = this.#owner.writer;
    const head = this.#head ?? '';
    this.#head = undefined;
    const out = this.#out;
    if (out.length === 0) return head ? writer.write(head) : !writer.needDrain;
    const total = head.length + this.#outBytes;
    this.#outBytes = 0;
    if (total > JOIN_LIMIT) {
      // Large: no copy; the pieces leave in one writev (through the socket's Writable, which the writer then follows).
      const socket = this.#owner.socket;
      socket.cork();
      if (head) socket.write(head, 'latin1');
      for (const piece of out) socket.write(piece, 'latin1');
      socket.uncork();
      out.length = 0;
      return !writer.needDrain;
    }
    const joined = Buffer.allocUnsafe(total);
    let at = joined.write(head, 0, 'latin1');
    for (const piece of out) at += typeof piece === 'string' ? joined.write(piece, at, 'latin1') : piece.copy(joined, at);
    out.length = 0;
    return writer.write(joined);
  }

  onceDrain(fn: () => void): void {
    this.#owner.writer.onceDrain(fn);
  }

  /** Ends the response (with a last piece of body). */
  end(last?: Buffer | string): void {
    if (this.#finished) return;
    if (last !== undefined) this.write(typeof last === 'string' ? Buffer.from(last) : last);
    this.#finished = true;
    if (this.#chunked) this.#queue('0\r\n\r\n');
    this.flush();
    this.#owner.responseDone(this, this.#keep);
  }

  /** Cuts the response short: the connection closes. */
  destroy(): void {
    if (!this.#finished) {
      this.#finished = true;
      this.#owner.socket.destroy();
      this.#owner.responseDone(this, false);
    }
  }

  #queue(piece: string | Buffer): void {
    this.#out.push(piece);
    this.#outBytes += piece.length;
  }
}
