// One HTTP request as handlers see it: a plain object of fixed shape, with the abort signal looked up on demand.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AbortSignals } from './abort-signals.js';
import type { HeaderList, RequestContext } from './route.js';

/** Most requests are answered without waiting, so `signal` is looked up only when a handler asks, just before it waits. */
export class Exchange implements RequestContext {
  #signal: AbortSignal | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly params: Readonly<Record<string, string>>,
    readonly query: Readonly<Record<string, unknown>>,
    readonly baseHeaders: HeaderList,
    readonly signals: AbortSignals,
  ) {}

  get signal(): AbortSignal {
    return (this.#signal ??= this.signals.for(this.res));
  }
}
