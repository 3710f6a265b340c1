// Incremental HTTP/1.1 response parser for the proxy's own upstream client: heads, Content-Length, chunked, EOF bodies.
import { HOP_BY_HOP } from '../hop-by-hop.js';

/** What the parser reports; `onBody` returning false asks the caller to stop reading for a while. */
export interface ResponseEvents {
  /** A final (non-1xx) head. Headers are [name, value, ...] with hop-by-hop headers already removed. */
  onHead(status: number, statusText: string, headers: string[]): void;
  onBody(chunk: Buffer): boolean;
  onEnd(): void;
}

export class ParseError extends Error {
  readonly code = 'PX_UPSTREAM_PROTOCOL';
}

const MAX_HEAD = 64 * 1024;
const MAX_LINE = 4 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const HOP_LENGTHS = new Set([...HOP_BY_HOP].map((h) => h.length));

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkCrlf,
  Trailers,
  UntilEof,
  Done,
}

/**
 * One response at a time (the client does not pipeline). Feed socket chunks to `execute`; it returns the bytes that
 * follow the response (a well-behaved server sends none) once the response is complete, else undefined. Body
 * chunks are zero-copy views into the socket's buffers. Framing follows RFC 9112 §6.3: no body for HEAD, 1xx, 204
 * and 304; chunked wins over Content-Length; otherwise Content-Length; otherwise the body runs to EOF (`finish`).
 * Throws ParseError on anything malformed (the connection is then unusable).
 */
export class ResponseParser {
  /** The server allows reusing the connection after this response. */
  keepAlive = true;
  /** Keep-Alive: timeout=N from the server, ms, if given. */
  keepAliveHintMs: number | undefined;
  #state = State.Head;
  #head: Buffer | undefined;
  #remaining = 0;
  #line = '';
  readonly #noBody: boolean;
  readonly #ev: ResponseEvents;

  constructor(isHead: boolean, ev: ResponseEvents) {
    this.#noBody = isHead;
    this.#ev = ev;
  }

  get done(): boolean {
    return this.#state === State.Done;
  }

  /** True while no byte of a final head has been parsed (safe-to-report "nothing arrived"). */
  get headPending(): boolean {
    return this.#state === State.Head;
  }

  execute(chunk: Buffer): Buffer | undefined {
    let buf = chunk;
    while (buf.length > 0) {
      switch (this.#state) {
        case State.Head: {
          const all = this.#head ? Buffer.concat([this.#head, buf]) : buf;
          const end = all.indexOf(CRLFCRLF);
          if (end < 0) {
            if (all.length > MAX_HEAD) throw new ParseError('response head too large');
            this.#head = all;
            return undefined;
          }
          this.#head = undefined;
          buf = all.subarray(end + 4);
          this.#parseHead(all.toString('latin1', 0, end));
          break;
        }
        case State.Length: {
          const n = Math.min(this.#remaining, buf.length);
          this.#remaining -= n;
          const part = buf.subarray(0, n);
          buf = buf.subarray(n);
          if (this.#remaining === 0) this.#state = State.Done;
          this.#ev.onBody(part);
          if (this.#state === State.Done) return this.#finishMessage(buf);
          break;
        }
        case State.ChunkSize:
        case State.Trailers:
        case State.ChunkCrlf: {
          const nl = buf.indexOf(10);
          const piece = buf.toString('latin1', 0, nl < 0 ? buf.length : nl + 1);
          buf = nl < 0 ? buf.subarray(buf.length) : buf.subarray(nl + 1);
          this.#line += piece;
          if (this.#line.length > MAX_LINE) throw new ParseError('chunk line too long');
          if (nl < 0) return undefined;
          const line = this.#line.endsWith('\r\n') ? this.#line.slice(0, -2) : this.#line.slice(0, -1);
          this.#line = '';
          if (this.#state === State.ChunkCrlf) {
            if (line !== '') throw new ParseError('missing CRLF after chunk');
            this.#state = State.ChunkSize;
          } else if (this.#state === State.ChunkSize) {
            const hex = line.split(';', 1)[0]!.trim();
            if (!/^[0-9A-Fa-f]{1,12}$/.test(hex)) throw new ParseError('bad chunk size');
            this.#remaining = parseInt(hex, 16);
            this.#state = this.#remaining === 0 ? State.Trailers : State.ChunkData;
          } else if (line === '') {
            this.#state = State.Done; // end of trailers (they are not forwarded)
            return this.#finishMessage(buf);
          }
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.#remaining, buf.length);
          this.#remaining -= n;
          const part = buf.subarray(0, n);
          buf = buf.subarray(n);
          if (this.#remaining === 0) this.#state = State.ChunkCrlf;
          this.#ev.onBody(part);
          break;
        }
        case State.UntilEof:
          this.#ev.onBody(buf);
          return undefined;
        case State.Done:
          return buf;
      }
    }
    return this.#state === State.Done ? buf : undefined;
  }

  /** The connection reached EOF: completes a read-to-EOF body, otherwise the response was cut short. */
  finish(): void {
    if (this.#state === State.UntilEof) {
      this.#state = State.Done;
      this.#ev.onEnd();
      return;
    }
    if (this.#state !== State.Done) throw new ParseError('connection closed before the response completed');
  }

  #finishMessage(rest: Buffer): Buffer {
    this.#ev.onEnd();
    return rest;
  }

  #parseHead(text: string): void {
    // Status line "HTTP/1.x SSS reason", parsed by position (no regex on the hot path).
    const eol = text.indexOf('\r\n');
    const first = eol < 0 ? text : text.slice(0, eol);
    const minor = first.charCodeAt(7);
    const status = Number(first.slice(9, 12));
    if (!first.startsWith('HTTP/1.') || (minor !== 48 && minor !== 49) || first.charCodeAt(8) !== 32 || !(status >= 100 && status <= 999) || (first.length > 12 && first.charCodeAt(12) !== 32)) {
      throw new ParseError('bad status line');
    }
    const statusText = first.length > 13 ? first.slice(13) : '';
    const headers: string[] = [];
    let length: number | undefined;
    let chunked = false;
    let otherCoding = false;
    let connClose = minor === 48; // HTTP/1.0: close unless keep-alive is announced
    let named: string[] | undefined;
    let pos = eol < 0 ? text.length : eol + 2;
    while (pos < text.length) {
      let end = text.indexOf('\r\n', pos);
      if (end < 0) end = text.length;
      const c = text.indexOf(':', pos);
      if (c <= pos || c > end) throw new ParseError('bad header line');
      const name = text.slice(pos, c);
      const value = text.slice(c + 1, end).trim();
      pos = end + 2;
      // Names are checked again by Node when the head is written to the client; here only framing matters.
      if (name.charCodeAt(0) <= 32 || name.charCodeAt(name.length - 1) <= 32) throw new ParseError('bad header name');
      const n = name.length;
      if (n === 10 || n === 14 || n === 17 || HOP_LENGTHS.has(n)) {
        const lower = name.toLowerCase();
        if (lower === 'content-length') {
          if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) throw new ParseError('bad content-length');
          length = Number(value);
        } else if (lower === 'transfer-encoding') {
          const codings = value.toLowerCase().split(',');
          chunked = codings[codings.length - 1]!.trim() === 'chunked';
          otherCoding = !chunked;
        } else if (lower === 'connection') {
          for (const t of value.toLowerCase().split(',')) {
            const tok = t.trim();
            if (tok === 'close') connClose = true;
            else if (tok === 'keep-alive') connClose = false;
            else if (tok) (named ??= []).push(tok);
          }
        } else if (lower === 'keep-alive') {
          const t = /timeout=(\d+)/i.exec(value);
          if (t) this.keepAliveHintMs = Number(t[1]) * 1000;
        }
        if (HOP_BY_HOP.has(lower)) continue;
      }
      headers.push(name, value);
    }
    if (status < 200) {
      if (status === 101) throw new ParseError('unexpected upgrade');
      return; // informational: the final head follows
    }
    if (named) for (let i = headers.length - 2; i >= 0; i -= 2) if (named.includes(headers[i]!.toLowerCase())) headers.splice(i, 2);
    this.keepAlive = !connClose;
    if (chunked && length !== undefined) {
      // Both framings: chunked wins and the length must not reach the client (RFC 9112 §6.3 item 3).
      for (let i = headers.length - 2; i >= 0; i -= 2) if (headers[i]!.toLowerCase() === 'content-length') headers.splice(i, 2);
      length = undefined;
      this.keepAlive = false;
    }
    this.#ev.onHead(status, statusText, headers);
    if (this.#noBody || status === 204 || status === 304) this.#state = State.Done;
    else if (chunked) this.#state = State.ChunkSize;
    else if (otherCoding || length === undefined) {
      this.#state = State.UntilEof;
      this.keepAlive = false;
    } else if (length === 0) this.#state = State.Done;
    else {
      this.#state = State.Length;
      this.#remaining = length;
    }
    if (this.#state === State.Done) this.#ev.onEnd();
  }
}
