// Node's own llhttp request parser (the one node:http runs), for the raw front.
import { HTTPParser, methods, type ParseFailure, type StreamHandle } from '../util/llhttp-binding.js';

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
 */
export class RequestParser {
  readonly #p = new HTTPParser();
  #headers: string[] = [];
  #url = '';

  constructor(ev: RequestEvents) {
    const p = this.#p;
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
  }

  /** Bytes parsed, or the failure. */
  execute(data: Buffer): number | ParseFailure {
    return this.#p.execute(data);
  }

  /**
   * Reads `handle` natively, as node:http does: bytes go from libuv into llhttp with no Buffer, stream or 'data'
   * event in between; `onExecute` gets each read's result (bytes parsed or the failure). EOF and read errors still
   * reach the socket ('end', 'error').
   */
  consume(handle: StreamHandle, onExecute: (r: number | ParseFailure) => void): void {
    this.#p[HTTPParser.kOnExecute] = onExecute;
    this.#p.consume(handle);
  }

  /** The bytes of the read being parsed (consume mode). */
  currentBuffer(): Buffer {
    return this.#p.getCurrentBuffer();
  }

  /** Gives the handle back to the socket: its reads are 'data' events again. */
  unconsume(): void {
    this.#p.unconsume();
  }

  /** The peer closed: a failure if a request was cut short. */
  finish(): ParseFailure | undefined {
    return this.#p.finish();
  }

  /** Frees the native parser; call outside its callbacks. */
  close(): void {
    this.#p.close();
  }
}
