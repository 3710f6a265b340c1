// One HTTP request as handlers see it: a plain object of fixed shape, with the abort signal made only on demand.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeaderList, RequestContext } from './route.js';

/**
 * Most requests are answered without waiting, so the AbortController (and its 'close' listener) behind `signal`
 * is created only when a handler asks for it, which it does just before it waits.
 */
export class Exchange implements RequestContext {
  #controller: AbortController | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly params: Readonly<Record<string, string>>,
    readonly query: Readonly<Record<string, unknown>>,
    readonly baseHeaders: HeaderList,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    const res = this.res;
    // 'close' before the response finished = the client went away (or the gateway cut the connection).
    if (res.destroyed) {
      if (!res.writableFinished) controller.abort();
    } else {
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
    }
    return controller.signal;
  }
}
