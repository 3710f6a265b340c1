// Feeds one socket's bytes to its LazyParser: natively from the socket's handle, or through 'data' while parked.
import type { Socket } from 'node:net';
import type { LazyParser } from './lazy-parser.js';
import { streamHandleOf, type StreamHandle } from './llhttp-binding.js';

/**
 * How long a connection stays quiet between messages before its parser is parked, ms: busy keep-alive connections
 * never pay the wake-up, idle ones (held long-polls, idle keep-alive) hold no parser. The connections' sweeps run
 * every second: found quiet by one sweep and still by the next, a connection parks 1–2 s after it went quiet (with
 * 1,000 here a timer firing a millisecond early by Date.now() would wait for a third sweep).
 */
export const PARK_AFTER_MS = 900;

/**
 * A TCP socket is read by llhttp natively (`consume`); any other stream through 'data' events. `park` frees the
 * native parser of a connection that is quiet between messages and reads the socket through 'data' until bytes
 * arrive: the first read makes a fresh parser, which parses it and consumes the handle again. A parked feed costs a
 * listener; waking costs one Buffer and a new parser, so the connection decides when quiet is quiet enough.
 */
export class ParserFeed<R> {
  readonly socket: Socket;
  /** The native handle llhttp reads from (undefined: reads come as 'data' events). */
  readonly handle: StreamHandle | undefined;
  readonly #parser: LazyParser<R>;
  /** After each read was parsed; `chunk` is the read's bytes when they came as a 'data' event. */
  readonly #onRead: (r: R, chunk?: Buffer) => void;
  #parked = false;
  #stopped = false;

  /** `parked`: start without a native parser (a connection that writes first and waits). */
  constructor(socket: Socket, parser: LazyParser<R>, onRead: (r: R, chunk?: Buffer) => void, parked = false) {
    this.socket = socket;
    this.#parser = parser;
    this.#onRead = onRead;
    this.handle = streamHandleOf(socket);
    if (!this.handle) socket.on('data', this.#onData);
    else if (parked) this.#park();
    else parser.consume(this.handle, onRead);
  }

  /** Whether the native parser is given back until bytes arrive. */
  get parked(): boolean {
    return this.#parked;
  }

  /**
   * Frees the native parser until bytes arrive. Only between messages, with the socket reading (not stopped for
   * backpressure). A feed without a handle or stopped stays as it is.
   */
  park(): void {
    if (this.handle && !this.#parked && !this.#stopped) this.#park();
  }

  /** The socket's bytes are its own again (upgrade, an abandoned connection, close); the native parser goes. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.socket.off('data', this.#onData);
    this.#parser.free();
  }

  #park(): void {
    this.#parked = true;
    this.#parser.free();
    this.socket.on('data', this.#onData);
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#parked) {
      this.#parked = false;
      this.socket.off('data', this.#onData);
      // Not flowing any more, as before the park (and as node:http hands an upgraded socket over): a flowing socket
      // with no 'data' listener drops what it reads, and the socket's next owner (an upgrade's tunnel, which reads
      // once its gateway connection is up) would lose the bytes that come before it listens.
      (this.socket as { readableFlowing: boolean | null }).readableFlowing = null;
      this.#parser.consume(this.handle!, this.#onRead); // the reads after this one
    }
    this.#onRead(this.#parser.execute(chunk), chunk);
  };
}
