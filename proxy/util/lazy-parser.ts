// The native half of an llhttp parser, made when bytes need parsing and freed while its connection is quiet.
import { HTTPParser, type NativeParser, type ParseFailure, type StreamHandle } from './llhttp-binding.js';

/**
 * One connection's parser state in JS, its native llhttp parser (~1.8 KB of C++ plus its callbacks) made on first use
 * and given back by `free`: an idle long-poll, held for its whole timeout, then costs no parser on either side of the
 * proxy. Free it only between messages (a fresh parser starts at a message's first byte). `R` is what one parsed
 * read returns.
 */
export abstract class LazyParser<R> {
  #p: NativeParser | undefined;
  #consuming = false;

  /** A fresh native parser, initialized, with this parser's callbacks. */
  protected abstract make(): NativeParser;
  /** What a read's llhttp result (bytes parsed or the failure) means to the caller. */
  protected abstract result(r: number | ParseFailure): R;

  /** Whether the native parser exists now (tests). */
  get allocated(): boolean {
    return this.#p !== undefined;
  }

  /** Parses bytes read from the connection. */
  execute(data: Buffer): R {
    return this.result(this.#native().execute(data));
  }

  /**
   * Reads `handle` natively, as node:http does: bytes go from libuv into llhttp with no Buffer, stream or 'data'
   * event in between; `onRead` follows each read that was parsed. EOF and read errors still reach the socket.
   */
  consume(handle: StreamHandle, onRead: (r: R) => void): void {
    const p = this.#native();
    p[HTTPParser.kOnExecute] = (r: number | ParseFailure) => onRead(this.result(r));
    p.consume(handle);
    this.#consuming = true;
  }

  /** Gives the handle back to the socket: its reads are 'data' events again. */
  unconsume(): void {
    if (!this.#consuming) return;
    this.#consuming = false;
    this.#p!.unconsume();
  }

  /**
   * Stops consuming and lets the native parser go; the next `execute` or `consume` makes a fresh one. It is freed on
   * the next turn of the event loop: this may run within its callbacks, or in a microtask of one (Node's parser
   * still touches itself after its read callback returns; freeing it under its feet crashes the process).
   */
  free(): void {
    this.unconsume();
    const p = this.#p;
    this.#p = undefined;
    if (p) setImmediate(() => p.close());
  }

  /** The bytes of the read being parsed (consume mode). */
  protected currentRead(): Buffer {
    return this.#native().getCurrentBuffer();
  }

  /** The peer closed: llhttp's verdict on the message in progress (none if the parser was freed between messages). */
  protected finishNative(): ParseFailure | undefined {
    return this.#p?.finish();
  }

  #native(): NativeParser {
    return (this.#p ??= this.make());
  }
}
