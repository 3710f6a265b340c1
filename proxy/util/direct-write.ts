// Writes to a socket's libuv handle directly, without net.Socket's Writable: for the proxy's two writes per request.
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

/** A libuv write request object (node's WriteWrap); `oncomplete` runs when a write that went async has finished. */
interface WriteReq {
  oncomplete: (this: WriteReq, status: number) => void;
  /** Keeps the bytes alive while libuv still reads them. */
  buffer: Buffer | string | null;
  writer: DirectWriter;
}

interface WritableHandle {
  readonly isStreamBase?: boolean;
  writeBuffer(req: WriteReq, data: Buffer): number;
  writeLatin1String(req: WriteReq, data: string): number;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

/**
 * Node's stream_wrap binding, the one net.Socket writes through. process.binding is deprecated (DEP0111, a warning
 * only with --pending-deprecation) but is the only way to its WriteWrap; the proxy already relies on Node's
 * internals for llhttp (util/llhttp-binding.ts).
 */
const binding = (process as unknown as { binding(name: 'stream_wrap'): StreamWrapBinding }).binding('stream_wrap');
const { WriteWrap, streamBaseState, kLastWriteWasAsync } = binding;

/**
 * The request object of the next write. A write the kernel takes at once leaves it untouched (node binds it to a
 * native write request only when the write goes async), so it serves every such write: no object per write.
 */
let spare = new WriteWrap();

function onComplete(this: WriteReq, status: number): void {
  const bytes = this.buffer!.length;
  this.buffer = null;
  this.writer.completed(status, bytes);
}

/**
 * One socket's writes, handed to its handle as node's own `writeGeneric` does but without the Writable around it:
 * net.Socket's write path is five JS layers, a request object and a nextTick (with its tick-queue run) per write,
 * ~5 % of a worker's CPU at two writes per request. The kernel takes the bytes at once nearly always; when it
 * cannot (a slow reader), libuv queues the rest in order and `needDrain` holds until every such write is done.
 * Whenever the Writable has bytes of its own queued, the socket is ending or not connected, writes go through
 * `socket.write` so that the order of bytes on the wire stays the order of the calls.
 */
export class DirectWriter {
  readonly socket: Socket;
  /** Direct writes the kernel did not take at once, still in libuv's queue. */
  #pending = 0;
  /** Their size in bytes (strings are latin1). */
  #pendingBytes = 0;
  /** Waiting for the queued writes (made on first use: most sockets never wait). */
  #drained: (() => void)[] | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Bytes (strings: latin1) for the socket; false = its buffer is full (wait for `onceDrain`). */
  write(data: Buffer | string): boolean {
    const s = this.socket;
    const handle = (s as unknown as { _handle: WritableHandle | null })._handle;
    if (!handle?.isStreamBase || s.writableLength > 0 || s.writableEnded || s.connecting || s.destroyed) {
      s.write(data, 'latin1');
      return !this.needDrain;
    }
    const req = spare;
    const err = typeof data === 'string' ? handle.writeLatin1String(req, data) : handle.writeBuffer(req, data);
    if (err !== 0) {
      spare = new WriteWrap(); // a failed write may have bound it, briefly
      s.destroy(writeError(err));
      return false;
    }
    if (streamBaseState[kLastWriteWasAsync]) {
      // Bound to libuv's request now; it reports on `oncomplete` (never before this returns).
      spare = new WriteWrap();
      req.oncomplete = onComplete;
      req.writer = this;
      req.buffer = data;
      this.#pending++;
      this.#pendingBytes += data.length;
      return false;
    }
    return !s.writableNeedDrain;
  }

  /** Writes wait in libuv's queue or in the socket's Writable. */
  get needDrain(): boolean {
    return this.#pending > 0 || this.socket.writableNeedDrain;
  }

  /** Bytes written that the kernel has not taken yet (in libuv's queue or in the socket's Writable). */
  get unflushedBytes(): number {
    return this.#pendingBytes + this.socket.writableLength;
  }

  /** Calls `fn` once the socket can take more (at once if it can now). */
  onceDrain(fn: () => void): void {
    if (this.#pending > 0) (this.#drained ??= []).push(fn);
    else if (this.socket.writableNeedDrain) this.socket.once('drain', fn);
    else fn();
  }

  /** From a write request that went async. */
  completed(status: number, bytes: number): void {
    this.#pending--;
    this.#pendingBytes -= bytes;
    if (status < 0) {
      this.socket.destroy(writeError(status));
      return;
    }
    if (this.#pending > 0) return;
    const waiting = this.#drained;
    if (waiting === undefined || waiting.length === 0) return;
    this.#drained = undefined;
    if (this.socket.writableNeedDrain) for (const fn of waiting) this.socket.once('drain', fn);
    else for (const fn of waiting) fn();
  }
}

function writeError(errno: number): Error {
  const code = getSystemErrorName(errno);
  return Object.assign(new Error(`write ${code}`), { code, errno, syscall: 'write' });
}
