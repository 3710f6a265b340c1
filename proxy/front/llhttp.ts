// Node's own llhttp request parser (the one node:http runs), for the raw front.
import { HTTPParser, methods, type NativeParser, type ParseFailure } from '../util/llhttp-binding.js';
import { LazyParser } from '../util/lazy-parser.js';

export type { ParseFailure, StreamHandle } from '../util/llhttp-binding.js';

/** The callbacks a parser calls, in llhttp's order. */
export interface RequestEvents {
  onMessageBegin(): void;
  /**
   * A request head. Returns 0 to parse the body, 2 for a protocol upgrade (parsing stops after the head, and
   * `execute` returns the offset where the upgraded bytes begin).
   */
  onHead(versionMinor: number, headers: string[], method: string, url: string, upgrade: boolean, keepAlive: boolean): 0 | 2;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
}

/**
 * One connection's request parser. Strict (no lenient flags, as node:http by default), the default 16 KiB head
 * limit (`--max-http-header-size`). Heads of more than 32 headers arrive in pieces (kOnHeaders) and are joined here.
 * A read returns the bytes parsed, or the failure.
 */
export class RequestParser extends LazyParser<number | ParseFailure> {
  readonly #ev: RequestEvents;
  #headers: string[] = [];
  #url = '';

  constructor(ev: RequestEvents) {
    super();
    this.#ev = ev;
  }

  /** The bytes of the read being parsed (consume mode). */
  currentBuffer(): Buffer {
    return this.currentRead();
  }

  /** The peer closed: a failure if a request was cut short. */
  finish(): ParseFailure | undefined {
    return this.finishNative();
  }

  protected result(r: number | ParseFailure): number | ParseFailure {
    return r;
  }

  protected make(): NativeParser {
    const p = new HTTPParser();
    const ev = this.#ev;
    p.initialize(HTTPParser.REQUEST, {}, 0, 0);
    p[HTTPParser.kOnMessageBegin] = () => ev.onMessageBegin();
    p[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
      for (const h of headers) this.#headers.push(h);
      this.#url += url;
    };
    p[HTTPParser.kOnHeadersComplete] = (
      _major: number,
      minor: number,
      headers: string[] | undefined,
      method: number,
      url: string | undefined,
      _status: unknown,
      _text: unknown,
      upgrade: boolean,
      keepAlive: boolean,
    ) => {
      if (!headers) {
        headers = this.#headers;
        this.#headers = [];
      }
      if (!url) {
        url = this.#url;
        this.#url = '';
      }
      return ev.onHead(minor, headers, methods[method] ?? 'GET', url, upgrade, keepAlive);
    };
    p[HTTPParser.kOnBody] = (b: Buffer) => ev.onBody(b);
    p[HTTPParser.kOnMessageComplete] = () => ev.onMessageComplete();
    return p;
  }
}
