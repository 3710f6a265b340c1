// One client request as the raw front parsed it: the head, and the body as it arrives (whole, streamed or discarded).
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

/** Something to tell that its client went away (the exchange answering the request). */
export interface ClientBound {
  clientGone(): void;
}

/** The request headers the proxy reads (lower case), by the length of their names (no two share one). */
const KNOWN_BY_LENGTH: readonly (KnownHeader | undefined)[] = (() => {
  const names: KnownHeader[] = ['content-length', 'transfer-encoding', 'expect', 'appid'];
  const byLength: (KnownHeader | undefined)[] = [];
  for (const n of names) byLength[n.length] = n;
  return byLength;
})();
type KnownHeader = 'content-length' | 'transfer-encoding' | 'expect' | 'appid';
type KnownHeaders = Record<KnownHeader, string | undefined>;

/** Flow control the request asks of its connection while its body is streamed. */
export interface BodyFlow {
  pauseBody(): void;
  resumeBody(): void;
}

/**
 * The head is plain data; the body is held until the pipeline says how it wants it: `readAll` (small bodies,
 * no stream at all), `stream` (a Readable with backpressure to the socket) or `discard`. Chunks that arrive before
 * that are kept (a pipelined request waits for the one before it).
 */
export class FrontRequest {
  /** [name, value, ...] as received. */
  readonly rawHeaders: string[];
  /** The first value of each header the proxy itself acts on, found in one pass over the head. */
  readonly known: Readonly<KnownHeaders>;
  #watcher: ClientBound | undefined;
  #chunks: Buffer[] | undefined;
  #length = 0;
  #complete = false;
  #whole: ((body: Buffer) => void) | undefined;
  #stream: Readable | undefined;
  #discard = false;
  readonly #flow: BodyFlow;

  constructor(
    readonly method: string,
    readonly url: string,
    rawHeaders: string[],
    readonly socket: Socket,
    /** HTTP/1.0 client (responses of unknown length end with the connection). */
    readonly http10: boolean,
    /** The client allows another request on the connection after this one. */
    readonly keepAlive: boolean,
    flow: BodyFlow,
  ) {
    this.rawHeaders = rawHeaders;
    this.#flow = flow;
    const known: KnownHeaders = { 'content-length': undefined, 'transfer-encoding': undefined, expect: undefined, appid: undefined };
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      // One length comparison rules out nearly every other header before any lower-casing.
      const want = KNOWN_BY_LENGTH[name.length];
      if (want !== undefined && known[want] === undefined && name.toLowerCase() === want) known[want] = rawHeaders[i + 1];
    }
    this.known = known;
  }

  /**
   * `x` is told if the client connection closes while the request is being answered (at once if it already has);
   * undefined stops that.
   */
  watch(x: ClientBound | undefined): void {
    if (x && this.socket.destroyed) x.clientGone();
    else this.#watcher = x;
  }

  /** The whole body has arrived. */
  get complete(): boolean {
    return this.#complete;
  }

  /** Calls `cb` once with the whole body (small bodies of known length). */
  readAll(cb: (body: Buffer) => void): void {
    if (this.#complete) {
      cb(this.#joined());
      return;
    }
    this.#whole = cb;
  }

  /** The body as a Readable (large or chunked bodies), created once. */
  stream(): Readable {
    if (this.#stream) return this.#stream;
    const s = new Readable({ read: () => this.#flow.resumeBody() });
    this.#stream = s;
    for (const c of this.#chunks ?? []) s.push(c);
    this.#chunks = undefined;
    if (this.#complete) s.push(null);
    return s;
  }

  /** Drops the rest of the body (the response was given without it). */
  discard(): void {
    this.#discard = true;
    this.#chunks = undefined;
    if (this.#stream && !this.#complete) this.#stream.destroy();
    this.#flow.resumeBody();
  }

  /** From the parser. */
  push(chunk: Buffer): void {
    if (this.#discard) return;
    if (this.#stream) {
      if (!this.#stream.push(chunk)) this.#flow.pauseBody();
      return;
    }
    (this.#chunks ??= []).push(chunk);
    this.#length += chunk.length;
  }

  /** From the parser: the body is complete. */
  end(): void {
    this.#complete = true;
    if (this.#discard) return;
    if (this.#stream) this.#stream.push(null);
    else if (this.#whole) this.#whole(this.#joined());
  }

  /**
   * The connection closed. A body not complete yet ends its stream without an error; the watcher (the exchange)
   * hears of the client's departure and aborts the upstream request.
   */
  abort(): void {
    if (!this.#complete) this.#stream?.destroy();
    const w = this.#watcher;
    this.#watcher = undefined;
    w?.clientGone();
  }

  #joined(): Buffer {
    const c = this.#chunks;
    this.#chunks = undefined;
    if (!c) return Buffer.alloc(0);
    return c.length === 1 ? c[0]! : Buffer.concat(c, this.#length);
  }
}
