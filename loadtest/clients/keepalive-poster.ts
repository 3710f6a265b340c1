// The mixed scenario's publisher transport: keep-alive HTTP/1.1 connections over net.Socket, one request in flight
// on each, with the request written as one string and the response framed by Content-Length.
//
// Why not undici: at 1,000 requests/s on this 2-core machine an undici Pool cost the generator ~2.7× the CPU per
// request of this (≈ 480 against ≈ 170 µs/request measured side by side, load ~4), as much as the gateway it measured;
// under contention the generator fell behind and its own queueing became most of the "publish" tail (p99 0.2–0.7 s
// against 2–18 ms through this transport in the same minute). A generator must cost far less than the server it loads.
import net from 'node:net';
import { HEAD_END, rawHttp1Target } from './raw-http1-target.js';

export interface PostResponse {
  status: number;
  body: string;
}

interface Pending {
  head: string;
  body: string;
  resolve(r: PostResponse): void;
  reject(e: Error): void;
}

const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CHUNKED = /\r\ntransfer-encoding:[ \t]*chunked/i;

/** One keep-alive connection; `send` only while `idle`. */
class PostConnection {
  readonly #socket: net.Socket;
  #buf: Buffer = Buffer.alloc(0);
  #current: Pending | undefined;
  #open = true;

  constructor(host: string, port: number, readonly onIdle: (c: PostConnection) => void, readonly onGone: (c: PostConnection) => void) {
    this.#socket = net.connect(port, host);
    this.#socket.setNoDelay(true);
    this.#socket.on('data', (d: Buffer) => this.#onData(d));
    this.#socket.on('error', (e) => this.#fail(e));
    this.#socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  get idle(): boolean {
    return this.#open && this.#current === undefined;
  }

  send(p: Pending): void {
    this.#current = p;
    this.#socket.write(p.head + p.body);
  }

  destroy(e: Error): void {
    this.#fail(e);
    this.#socket.destroy();
  }

  #onData(d: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
    const end = this.#buf.indexOf(HEAD_END);
    if (end < 0) return;
    const head = this.#buf.toString('latin1', 0, end);
    if (CHUNKED.test(head)) return this.destroy(new Error('chunked publish responses are not supported'));
    const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
    const total = end + HEAD_END.length + length;
    if (this.#buf.length < total) return;
    const body = this.#buf.toString('utf8', end + HEAD_END.length, total);
    this.#buf = this.#buf.subarray(total);
    const p = this.#current;
    this.#current = undefined;
    p?.resolve({ status: Number(head.slice(9, 12)), body });
    if (/\r\nconnection:[ \t]*close/i.test(head)) this.destroy(new Error('connection closed by the server'));
    else this.onIdle(this);
  }

  #fail(e: Error): void {
    if (!this.#open) return;
    this.#open = false;
    const p = this.#current;
    this.#current = undefined;
    p?.reject(e);
    this.onGone(this);
  }
}

/** POSTs over up to `maxConnections` keep-alive connections; requests beyond that wait in order for a free one. */
export class KeepalivePoster {
  readonly #host: string;
  readonly #port: number;
  readonly #headers: string;
  readonly #max: number;
  readonly #idle: PostConnection[] = [];
  readonly #all = new Set<PostConnection>();
  readonly #queue: Pending[] = [];
  #closed = false;

  /** `headers`: extra request header lines, each ending in CRLF. */
  constructor(url: string, headers: Record<string, string>, maxConnections: number) {
    ({ host: this.#host, port: this.#port, headerLines: this.#headers } = rawHttp1Target(url, headers));
    this.#max = maxConnections;
  }

  post(path: string, body: string): Promise<PostResponse> {
    if (this.#closed) return Promise.reject(new Error('poster closed'));
    return new Promise((resolve, reject) => {
      const head = `POST ${path} HTTP/1.1\r\n${this.#headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
      const p: Pending = { head, body, resolve, reject };
      const c = this.#idle.pop() ?? (this.#all.size < this.#max ? this.#connect() : undefined);
      if (c) c.send(p);
      else this.#queue.push(p);
    });
  }

  /** Fails what is queued or in flight (with `reason`) and closes every connection. */
  close(reason = new Error('poster closed')): void {
    this.#closed = true;
    const e = reason;
    for (const p of this.#queue.splice(0)) p.reject(e);
    for (const c of [...this.#all]) c.destroy(e);
  }

  #connect(): PostConnection {
    const c = new PostConnection(
      this.#host,
      this.#port,
      (free) => {
        const next = this.#queue.shift();
        if (next) free.send(next);
        else this.#idle.push(free);
      },
      (gone) => {
        this.#all.delete(gone);
        const i = this.#idle.indexOf(gone);
        if (i >= 0) this.#idle.splice(i, 1);
        // Queued requests need a connection even if this one was the last.
        if (!this.#closed && this.#queue.length > 0) this.#connect().send(this.#queue.shift()!);
      },
    );
    this.#all.add(c);
    return c;
  }
}
