// Response parsing for the proxy's own upstream client on Node's llhttp (the parser node:http's client runs).
import { HTTPParser, type NativeParser, type ParseFailure } from '../../util/llhttp-binding.js';
import { LazyParser } from '../../util/lazy-parser.js';
import { downstreamHeaders, type ResponseHops } from '../headers.js';

export type { ParseFailure } from '../../util/llhttp-binding.js';

/** What the parser reports for the response it expects. */
export interface ResponseEvents {
  /** The final (non-1xx) head. Headers are [name, value, ...] with hop-by-hop headers already removed. */
  onHead(status: number, statusText: string, headers: string[]): void;
  /** A piece of the body, de-chunked (a Buffer of its own). */
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

/** Response heads up to 64 KiB (llhttp's default is 16). */
const MAX_HEAD = 64 * 1024;

function failure(message: string): ParseFailure {
  return Object.assign(new Error(message), { code: 'PX_UPSTREAM_PROTOCOL' });
}

/**
 * One keep-alive connection's parser, one response at a time (the client does not pipeline): `expect` before each
 * request, then feed it with `consume` (llhttp reads the socket's handle natively: no Buffer, stream or 'data'
 * event per read) or `execute`. Framing is llhttp's (RFC 9112 §6.3): no body for HEAD, 1xx, 204 and 304; chunked,
 * then Content-Length, else the body runs to EOF (`finish`); a 101 or malformed bytes are failures. 1xx heads are
 * skipped. A response with both Transfer-Encoding and Content-Length is read chunked, its length is not passed on
 * and the connection is not reused (RFC 9112 §6.3 item 3). Bytes after the response, or on an idle connection,
 * set `trailing`: the connection is unusable. The native parser may be freed between responses (`inMessage` false).
 */
export class ResponseParser extends LazyParser<ParseFailure | undefined> {
  /** The server allows reusing the connection after this response. */
  keepAlive = true;
  /** True from `expect` until the final head has been parsed. */
  headPending = false;
  /** Bytes arrived that are not part of the expected response. */
  trailing = false;
  /** Between a message's first byte and its end: the native parser holds state (it must not be freed). */
  inMessage = false;
  readonly #ev: ResponseEvents;
  readonly #hops: ResponseHops = { keepAliveHintMs: undefined, transferEncoding: false };
  /** A response is expected and not complete yet. */
  #expecting = false;
  #isHead = false;
  /** The final head was parsed (1xx messages complete too, and are skipped). */
  #final = false;
  /** Heads of more than 32 headers arrive in pieces. */
  #pieces: string[] = [];
  #failure: ParseFailure | undefined;

  constructor(ev: ResponseEvents) {
    super();
    this.#ev = ev;
  }

  protected make(): NativeParser {
    const p = new HTTPParser();
    p.initialize(HTTPParser.RESPONSE, {}, MAX_HEAD, HTTPParser.kLenientChunkedLength);
    p[HTTPParser.kOnMessageBegin] = () => {
      this.inMessage = true;
      if (!this.#expecting) this.trailing = true;
    };
    p[HTTPParser.kOnHeaders] = (headers: string[]) => {
      for (const h of headers) this.#pieces.push(h);
    };
    p[HTTPParser.kOnHeadersComplete] = (
      _major: number,
      _minor: number,
      headers: string[] | undefined,
      _method: unknown,
      _url: unknown,
      status: number,
      statusText: string | undefined,
      _upgrade: boolean,
      keepAlive: boolean,
    ) => this.#onHeadersComplete(headers, status, statusText ?? '', keepAlive);
    p[HTTPParser.kOnBody] = (chunk: Buffer) => {
      if (this.#final && this.#expecting) this.#ev.onBody(chunk);
    };
    p[HTTPParser.kOnMessageComplete] = () => {
      this.inMessage = false;
      if (!this.#final || !this.#expecting) return; // a 1xx, or bytes nobody asked for
      this.#final = false;
      this.#expecting = false;
      this.#ev.onEnd();
    };
    return p;
  }

  /** `Keep-Alive: timeout=N` from the server's last response that had one, ms. */
  get keepAliveHintMs(): number | undefined {
    return this.#hops.keepAliveHintMs;
  }

  /** The next response belongs to a request just sent; `isHead`: it has no body whatever its headers say. */
  expect(isHead: boolean): void {
    this.#isHead = isHead;
    this.#expecting = true;
    this.#final = false;
    this.headPending = true;
    this.keepAlive = true;
    this.trailing = false;
  }

  /** The connection reached EOF: completes a read-to-EOF body, else a failure if a response was cut short. */
  finish(): ParseFailure | undefined {
    const r = this.finishNative();
    return r ? this.result(r) : undefined;
  }

  /** A read's failure, if any; a failure leaves the connection unusable. */
  protected result(r: number | ParseFailure): ParseFailure | undefined {
    // A 101 stops llhttp without an error of its own (it takes it for an upgrade).
    if (this.#failure) return this.#failure;
    if (typeof r === 'number') return undefined;
    if (this.#expecting) return r;
    this.trailing = true; // garbage after the response: the connection goes, the response stands
    return undefined;
  }

  #onHeadersComplete(headers: string[] | undefined, status: number, statusText: string, keepAlive: boolean): number {
    if (!headers) {
      headers = this.#pieces;
      this.#pieces = [];
    }
    if (!this.#expecting) return 1; // trailing bytes; the connection is dropped
    if (status === 101) {
      this.#failure = failure('unexpected upgrade');
      return -1;
    }
    if (status < 200) return 1; // informational: no body, the final head follows
    const hops = this.#hops;
    hops.transferEncoding = false;
    const out = downstreamHeaders(headers, hops);
    this.keepAlive = keepAlive;
    if (hops.transferEncoding) this.#dropLength(out);
    this.#final = true;
    this.headPending = false;
    this.#ev.onHead(status, statusText, out);
    return this.#isHead ? 1 : 0;
  }

  /** Chunked wins over Content-Length: the length must not reach the client, and the connection is not reused. */
  #dropLength(headers: string[]): void {
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      if (headers[i]!.length === 14 && headers[i]!.toLowerCase() === 'content-length') {
        headers.splice(i, 2);
        this.keepAlive = false;
      }
    }
  }
}
