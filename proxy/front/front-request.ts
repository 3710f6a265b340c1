// One client request as the raw front parsed it: the head, and the body as it arrives (whole, streamed or discarded).
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

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
  }

  /** First value of a header; `lowerName` must be lower case. */
  header(lowerName: string): string | undefined {
    const h = this.rawHeaders;
    const n = lowerName.length;
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]!;
      if (name.length === n && name.toLowerCase() === lowerName) return h[i + 1];
    }
    return undefined;
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
   * The connection closed before the body was complete. The stream ends without an error: the exchange hears of
   * the client's departure from the socket itself (client-watch) and aborts the upstream request.
   */
  abort(): void {
    if (!this.#complete) this.#stream?.destroy();
  }

  #joined(): Buffer {
    const c = this.#chunks;
    this.#chunks = undefined;
    if (!c) return Buffer.alloc(0);
    return c.length === 1 ? c[0]! : Buffer.concat(c, this.#length);
  }
}
