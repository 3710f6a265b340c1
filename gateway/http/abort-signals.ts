// Abort signals for requests: one per HTTP/1 connection, shared by the requests it carries; one per HTTP/2 stream.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A long-poll waits with an abort signal so that a client who goes away stops waiting. An AbortController is costly
 * to create (a fresh EventTarget), and under load nearly every long-poll waits. On HTTP/1 a response ends early
 * only when its connection closes (client gone, request timeout, or shutdown cutting it), so one signal per
 * connection, aborted when the connection closes, serves every request the connection carries. HTTP/2 streams end
 * on their own, so they get a signal of their own.
 */
export class AbortSignals {
  readonly #byConnection = new WeakMap<Socket, AbortController>();

  /** Aborts when `res` can no longer be answered. */
  for(res: ServerResponse): AbortSignal {
    const socket = res.socket;
    if (res.req.httpVersionMajor < 2 && socket) return this.#connection(socket).signal;
    return ofResponse(res).signal;
  }

  #connection(socket: Socket): AbortController {
    const known = this.#byConnection.get(socket);
    if (known) return known;
    const controller = new AbortController();
    this.#byConnection.set(socket, controller);
    if (socket.destroyed) controller.abort();
    else socket.once('close', () => controller.abort());
    return controller;
  }
}

/** A signal that aborts when `res` closes before it finished. */
function ofResponse(res: ServerResponse): AbortController {
  const controller = new AbortController();
  if (res.destroyed) {
    if (!res.writableFinished) controller.abort();
  } else {
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
  }
  return controller;
}
