// The mixed scenario's subscriber transport: one keep-alive HTTP/1.1 connection over net.Socket that sends a GET at a
// time and hands each piece of the response body over the moment its bytes are read (Content-Length or chunked).
//
// Why not undici: at 1,000 msgs/s the chunked subscriber cost ~160–190 µs of CPU per message, most of it undici's
// parser (llhttp in WebAssembly) and the body's async iteration around a recv per chunk; a generator must cost far
// less than the server it loads (see keepalive-poster.ts for the publisher's side of the same choice).
import net from 'node:net';
import { HEAD_END, rawHttp1Target } from './raw-http1-target.js';

const CRLF = Buffer.from('\r\n');

type Framing = { kind: 'length'; left: number } | { kind: 'chunk-size' } | { kind: 'chunk-data'; left: number } | { kind: 'chunk-end' } | { kind: 'trailer' };

interface Exchange {
  onBody(piece: Buffer): void;
  resolve(status: number): void;
  reject(e: Error): void;
}

/** Splits a response stream into head, body pieces and end; one response at a time. */
class ResponseReader {
  #buf: Buffer = Buffer.alloc(0);
  #status = 0;
  #close = false;
  #framing: Framing | undefined;

  constructor(private readonly on: { body(piece: Buffer): void; end(status: number, close: boolean): void; error(e: Error): void }) {}

  feed(d: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
    while (this.#step());
  }

  /** Consumes what it can of the buffer; false when it needs more bytes. */
  #step(): boolean {
    const f = this.#framing;
    if (f === undefined) return this.#head();
    switch (f.kind) {
      case 'length':
      case 'chunk-data': {
        if (this.#buf.length === 0) return false;
        const n = Math.min(f.left, this.#buf.length);
        const piece = this.#buf.subarray(0, n);
        this.#buf = this.#buf.subarray(n);
        f.left -= n;
        this.on.body(piece);
        if (f.left === 0) {
          if (f.kind === 'length') this.#end();
          else this.#framing = { kind: 'chunk-end' };
        }
        return true;
      }
      case 'chunk-size': {
        const line = this.#line();
        if (line === undefined) return false;
        const size = parseInt(line, 16);
        if (!Number.isInteger(size) || size < 0) return this.#fail(`bad chunk size ${JSON.stringify(line)}`);
        this.#framing = size === 0 ? { kind: 'trailer' } : { kind: 'chunk-data', left: size };
        return true;
      }
      case 'chunk-end': {
        const line = this.#line();
        if (line === undefined) return false;
        if (line !== '') return this.#fail('chunk not followed by CRLF');
        this.#framing = { kind: 'chunk-size' };
        return true;
      }
      case 'trailer': {
        // Trailer fields (none expected) up to the empty line that ends the response.
        const line = this.#line();
        if (line === undefined) return false;
        if (line === '') this.#end();
        return true;
      }
    }
  }

  #head(): boolean {
    const end = this.#buf.indexOf(HEAD_END);
    if (end < 0) return false;
    const lines = this.#buf.toString('latin1', 0, end).split('\r\n');
    this.#buf = this.#buf.subarray(end + HEAD_END.length);
    this.#status = Number(lines[0]!.slice(9, 12));
    const fields = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim().toLowerCase()]));
    this.#close = fields.get('connection') === 'close';
    if (this.#status === 204 || this.#status === 304) this.#end();
    else if (fields.get('transfer-encoding') === 'chunked') this.#framing = { kind: 'chunk-size' };
    else {
      const length = Number(fields.get('content-length') ?? 0);
      if (length > 0) this.#framing = { kind: 'length', left: length };
      else this.#end();
    }
    return true;
  }

  /** The next CRLF-terminated line (without it), or undefined until it is all here. */
  #line(): string | undefined {
    const i = this.#buf.indexOf(CRLF);
    if (i < 0) return undefined;
    const line = this.#buf.toString('latin1', 0, i);
    this.#buf = this.#buf.subarray(i + CRLF.length);
    return line;
  }

  #end(): void {
    this.#framing = undefined;
    this.on.end(this.#status, this.#close);
  }

  #fail(why: string): false {
    this.on.error(new Error(why));
    return false;
  }
}

/** GETs over one keep-alive connection, one request at a time; reconnects after the server closed it. */
export class KeepaliveGetter {
  readonly #host: string;
  readonly #port: number;
  readonly #headers: string;
  #socket: net.Socket | undefined;
  #current: Exchange | undefined;
  #closed = false;

  /** `headers`: extra request header fields. */
  constructor(url: string, headers: Record<string, string>) {
    ({ host: this.#host, port: this.#port, headerLines: this.#headers } = rawHttp1Target(url, headers));
  }

  /** Sends `GET path`; `onBody` gets each piece of the body as it is read; resolves with the status once it ended. */
  get(path: string, onBody: (piece: Buffer) => void): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('getter closed'));
    if (this.#current) return Promise.reject(new Error('a request is already in flight'));
    return new Promise((resolve, reject) => {
      this.#current = { onBody, resolve, reject };
      (this.#socket ?? this.#connect()).write(`GET ${path} HTTP/1.1\r\n${this.#headers}\r\n`);
    });
  }

  /** Fails the request in flight and closes the connection. */
  close(): void {
    this.#closed = true;
    this.#drop(new Error('getter closed'));
  }

  #connect(): net.Socket {
    const socket = net.connect(this.#port, this.#host);
    socket.setNoDelay(true);
    // Events of a connection already given up (a late 'close') must not touch its successor.
    const drop = (e: Error): void => {
      if (this.#socket === socket) this.#drop(e);
    };
    const reader = new ResponseReader({
      body: (piece) => this.#current?.onBody(piece),
      end: (status, close) => {
        const c = this.#current;
        this.#current = undefined;
        if (close) drop(new Error('connection closed by the server'));
        c?.resolve(status);
      },
      error: drop,
    });
    socket.on('data', (d: Buffer) => reader.feed(d));
    socket.on('error', drop);
    socket.on('close', () => drop(new Error('connection closed by the server')));
    this.#socket = socket;
    return socket;
  }

  /** Forgets the connection (the next get opens another) and fails the request in flight, if any. */
  #drop(e: Error): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
    const c = this.#current;
    this.#current = undefined;
    c?.reject(e);
  }
}
