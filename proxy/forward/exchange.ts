// One client request on its way through a gateway: the undici dispatch handler, retries of never-sent attempts.
import type { Readable } from 'node:stream';
import type { FrontStats } from '../admin/front-stats.js';
import type { Outcome } from '../health/outlier-detector.js';
import type { ClientBound, FrontRequest } from '../front/front-request.js';
import type { FrontResponse } from '../front/front-response.js';
import type { Host } from '../upstream/host.js';
import type { Forwarder } from './forwarder.js';
import { classifyFailure, failureError } from './map-error.js';
import { sendError } from './respond.js';
import type { UpstreamHandler, UpstreamRequest } from './upstream.js';

/** What an exchange needs from the pipeline around it. */
export interface ExchangeEnv {
  readonly forwarder: Forwarder;
  readonly front: FrontStats;
  /** Another host for a request none of whose attempts was sent; `x.tried` lists the hosts to avoid. */
  repick(x: Exchange): Host | undefined;
  /** The report stage: every attempt's outcome goes to the outlier detector. */
  report(h: Host, outcome: Outcome): void;
  /** Total attempts allowed for a never-sent request (1 + retries). */
  readonly maxAttempts: number;
  /** True while draining: responses then carry `Connection: close`. */
  readonly draining: boolean;
}

/**
 * The UpstreamHandler of one client request: response headers and body chunks go straight to the client response
 * with no intermediate stream. `onConnect` is the signal that the request was handed to a connection; before it,
 * nothing reached the gateway, so only then may the request go to another gateway (a publish is never sent twice).
 * A client that goes away aborts the upstream request, except a publish already handed over whole (its body was
 * buffered): aborting it would not un-publish it, only cost a gateway connection, so its answer is read and dropped
 * and the connection stays pooled. A long-poll is always aborted (the gateway then releases its group session).
 */
export class Exchange implements UpstreamHandler, ClientBound {
  readonly req: FrontRequest;
  readonly res: FrontResponse;
  /** Affinity key for hashing policies. */
  readonly key: string | undefined;
  /** Hosts already attempted (retries avoid them). */
  readonly tried: Host[] = [];
  host: Host | undefined;
  readonly #env: ExchangeEnv;
  readonly #opts: UpstreamRequest;
  #bodyBytes: number;
  /** The body is a Buffer or absent: once onConnect has returned, the connection has every byte of the request. */
  readonly #wholeOnSend: boolean;
  #sent = false;
  #abort: ((err?: Error) => void) | undefined;
  #clientGone = false;
  /** Left to finish after its client went: the response is read and dropped. */
  #detached = false;
  #status = 0;
  #resume: (() => void) | undefined;
  #onDrain: (() => void) | undefined;
  #awaitingDrain = false;

  constructor(
    env: ExchangeEnv,
    req: FrontRequest,
    res: FrontResponse,
    key: string | undefined,
    headers: string[],
    body: Buffer | Readable | null,
    timeoutMs: number,
  ) {
    this.#env = env;
    this.req = req;
    this.res = res;
    this.key = key;
    this.#bodyBytes = Buffer.isBuffer(body) ? body.length : 0;
    this.#wholeOnSend = body === null || Buffer.isBuffer(body);
    const cl = req.known['content-length'];
    this.#opts = {
      method: req.method,
      path: req.url,
      headers,
      body,
      bodyLength: cl === undefined || req.known['transfer-encoding'] !== undefined ? undefined : Number(cl),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    };
    req.watch(this);
  }

  /** The client connection closed before the response completed: stop the upstream request too, unless left to finish. */
  clientGone(): void {
    this.#clientGone = true;
    if (this.#sent && this.#wholeOnSend && this.host!.service === 'pub') {
      this.#detached = true; // finishes without its client
      this.host!.stats.clientAborts++;
      this.#env.front.clientAborts++;
      return;
    }
    this.#abort?.(new Error('client went away'));
  }

  /** Starts (or restarts) the exchange on `host`, which the caller picked as available. */
  send(host: Host): void {
    this.host = host;
    this.#sent = false;
    this.#abort = undefined;
    host.inflight++;
    host.stats.requests++;
    host.stats.bytesIn += this.#bodyBytes;
    this.#env.forwarder.dispatch(host, this.#opts, this);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#sent = true;
    this.#abort = abort;
    if (this.#clientGone) abort(new Error('client went away'));
  }

  onBodySent(bytes: number): void {
    // Streamed bodies only (buffered ones were counted at send): the bytes that actually left.
    if (this.#bodyBytes === 0) this.host!.stats.bytesIn += bytes;
  }

  onHeaders(status: number, headers: string[], resume: () => void, statusText: string): boolean {
    this.#status = status;
    this.#resume = resume;
    this.host!.stats.responses[(status / 100) | 0]!++;
    if (this.#detached) return true; // nobody to answer
    if (this.#env.draining) this.res.shouldKeepAlive = false; // the response then says Connection: close and the connection ends
    try {
      this.res.writeHead(status, statusText, headers);
    } catch (err) {
      // A header the client must not see (CR/LF, bad name): the gateway's response cannot be passed on.
      this.#abort?.(err as Error);
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#detached) return true;
    this.host!.stats.bytesOut += chunk.length;
    return this.#flowing(this.res.write(chunk));
  }

  onReadEnd(): boolean {
    return this.#detached || this.#flowing(this.res.flush());
  }

  /** Client slower than the gateway: the upstream connection stops reading until the client drains (chunked sub batches). */
  #flowing(ok: boolean): boolean {
    if (ok) return true;
    if (!this.#awaitingDrain) {
      this.#awaitingDrain = true;
      this.#onDrain ??= () => {
        this.#awaitingDrain = false;
        this.#resume?.();
      };
      this.res.onceDrain(this.#onDrain);
    }
    return false;
  }

  onComplete(): void {
    const h = this.host!;
    h.inflight--;
    this.req.watch(undefined);
    if (!this.#detached) this.res.end();
    this.#env.report(h, this.#status >= 500 ? '5xx' : 'ok');
  }

  onError(err: Error): void {
    const h = this.host!;
    h.inflight--;
    if (this.#detached) return; // counted as a client abort when its client went; nobody to answer
    const env = this.#env;
    // A client that vanished mid-upload fails the request body first: not the gateway's fault.
    const kind = classifyFailure(err, this.#sent, this.#clientGone || this.req.socket.destroyed);
    if (kind !== 'unsent') this.req.watch(undefined);
    switch (kind) {
      case 'invalid':
        break;
      case 'client-abort':
        h.stats.clientAborts++;
        env.front.clientAborts++;
        if (!this.res.destroyed) this.res.destroy();
        return;
      case 'unsent': {
        h.stats.connectErrors++;
        env.report(h, 'local-failure');
        this.tried.push(h);
        const next = this.tried.length < env.maxAttempts ? env.repick(this) : undefined;
        if (next) {
          h.stats.retried++;
          env.front.retries++;
          this.send(next);
          return;
        }
        this.req.watch(undefined);
        env.front.unreachable++;
        break;
      }
      case 'timeout':
        h.stats.timeouts++;
        env.front.timeouts++;
        env.report(h, 'local-failure');
        break;
      case 'failed':
        h.stats.sendErrors++;
        env.front.failed++;
        env.report(h, 'local-failure');
        break;
    }
    if (env.draining) this.res.shouldKeepAlive = false;
    sendError(this.res, failureError(kind, err));
  }
}
