// The pub, sub and man listeners: HTTP/1.1, or HTTPS with HTTP/2 by ALPN; dispatch, WebSocket upgrades, draining.
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { closingErrorResponse } from '../../shared/http/closing-response.js';
import type { Logger } from '../../shared/log.js';
import type { GatewayConfig } from '../config.js';
import type { GatewayMetrics } from '../gateway-metrics.js';
import { AbortSignals } from './abort-signals.js';
import { Exchange } from './exchange.js';
import { sendError, toAppError } from './respond.js';
import type { HeaderList, Listener, Route } from './route.js';
import { RouteTable } from './route-table.js';

type AnyServer = http.Server | http2.Http2SecureServer;

const BASE_HEADERS: HeaderList = Object.freeze(['Server', 'kateway']);

export class GatewayServer {
  readonly #routes: RouteTable;
  readonly #servers = new Map<Listener, AnyServer>();
  readonly #sockets = new Map<Listener, Set<Socket | Duplex>>();
  /** Responses not yet closed: drain marks them `Connection: close` and waits for the set to empty. */
  readonly #inflight = new Set<ServerResponse>();
  /** One listener for every response's 'close' (called with the response as `this`): no closure per request. */
  readonly #responseClosed: (this: ServerResponse) => void;
  readonly #signals = new AbortSignals();
  /** Base headers of a request that asked `X-Trace: true`. */
  readonly #traceHeaders: HeaderList;
  #draining = false;
  #onIdle: (() => void) | undefined;

  constructor(
    readonly config: GatewayConfig,
    routes: readonly Route[],
    readonly metrics: GatewayMetrics,
    readonly log: Logger,
  ) {
    this.#routes = new RouteTable(routes);
    this.#traceHeaders = Object.freeze([...BASE_HEADERS, 'X-Serverid', config.id]);
    const inflight = this.#inflight;
    const idle = (): void => this.#onIdle?.();
    this.#responseClosed = function (this: ServerResponse) {
      inflight.delete(this);
      if (inflight.size === 0) idle();
    };
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Open connections per listener. */
  connections(): Record<string, number> {
    return Object.fromEntries([...this.#sockets].map(([l, s]) => [l, s.size]));
  }

  /** Binds every listener; resolves the bound ports. */
  async listen(): Promise<Record<Listener, number>> {
    const ports = {} as Record<Listener, number>;
    for (const l of ['pub', 'sub', 'man'] as const) {
      const server = this.#create(l);
      this.#servers.set(l, server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.config.ports[l], this.config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      ports[l] = (server.address() as AddressInfo).port;
    }
    return ports;
  }

  /**
   * Graceful stop: refuse new connections, mark every open response `Connection: close`, close idle
   * keep-alive connections, then wait for in-flight requests up to `timeoutMs` and cut what is left.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    for (const res of this.#inflight) closeAfter(res);
    for (const s of this.#servers.values()) {
      s.close();
      if (s instanceof http.Server) s.closeIdleConnections();
    }
    if (this.#inflight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const set of this.#sockets.values()) for (const sock of set) sock.destroy();
  }

  #create(listener: Listener): AnyServer {
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => this.#dispatch(listener, req, res);
    let server: AnyServer;
    if (this.config.tls) {
      server = http2.createSecureServer(
        { cert: readFileSync(this.config.tls.certFile), key: readFileSync(this.config.tls.keyFile), allowHTTP1: true },
        onRequest as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
      );
    } else {
      server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, onRequest);
    }
    const sockets = new Set<Socket | Duplex>();
    this.#sockets.set(listener, sockets);
    server.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.#upgrade(listener, req, socket, head));
    server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
      if (!socket.writable) return socket.destroy();
      const overflow = err.code === 'HPE_HEADER_OVERFLOW';
      socket.end(closingErrorResponse(overflow ? 431 : 400, overflow ? 'request header too large' : 'bad request'));
    });
    return server;
  }

  #dispatch(listener: Listener, req: IncomingMessage, res: ServerResponse): void {
    if (this.#draining) closeAfter(res);
    const base = req.headers['x-trace'] === 'true' ? this.#traceHeaders : BASE_HEADERS;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const found = this.#routes.resolve(listener, req.method ?? 'GET', path);
    if (found.kind === 'not-found') {
      this.#fail(req, res, new AppError(ErrorCode.NOT_FOUND, `no route ${req.method} ${path} on the ${listener} listener`), base, 'unmatched');
      return;
    }
    if (found.kind === 'method-not-allowed') {
      const allowed = found.allowed.join(', ');
      const err = new AppError(ErrorCode.METHOD_NOT_ALLOWED, `method ${req.method} not allowed; use ${allowed}`);
      this.#fail(req, res, err, [...base, 'Allow', allowed], 'unmatched');
      return;
    }
    const route = found.route;
    this.#inflight.add(res);
    res.on('close', this.#responseClosed);
    try {
      if (route.websocket) throw new AppError(ErrorCode.BAD_REQUEST, 'this route needs a WebSocket upgrade (Upgrade: websocket)');
      if (found.kind === 'invalid-param') throw found.error;
      const query = found.query ? found.query(q < 0 ? '' : url.slice(q + 1)) : NO_QUERY;
      const done = route.handle(new Exchange(req, res, found.params, query, base, this.#signals));
      if (done) done.catch((err: unknown) => this.#fail(req, res, err, base, route.operationId));
    } catch (err) {
      this.#fail(req, res, err, base, route.operationId);
    }
  }

  #fail(req: IncomingMessage, res: ServerResponse, err: unknown, headers: HeaderList, route: string): void {
    const appErr = toAppError(err, this.log);
    this.metrics.errors.inc([route, String(appErr.status)]);
    // A body we never read would otherwise stall or poison the keep-alive connection.
    if (!req.complete) req.resume();
    sendError(res, appErr, headers, this.log);
  }

  async #upgrade(listener: Listener, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const found = this.#routes.resolve(listener, req.method ?? 'GET', path);
    try {
      if (this.#draining) throw new AppError(ErrorCode.SHUTTING_DOWN, 'server is shutting down');
      if (found.kind === 'invalid-param' && found.route.handleUpgrade) throw found.error;
      if (found.kind !== 'found' || !found.route.handleUpgrade) throw new AppError(ErrorCode.NOT_FOUND, `no WebSocket route ${path}`);
      const query = found.query ? found.query(q < 0 ? '' : url.slice(q + 1)) : NO_QUERY;
      // From here the WebSocket layer owns the socket and closes it with a close frame on shutdown; drain must not
      // cut it (that would be an abnormal 1006 close for the client).
      this.#sockets.get(listener)!.delete(socket);
      await found.route.handleUpgrade({ req, socket, head, params: found.params, query });
    } catch (err) {
      const e = toAppError(err, this.log);
      if (!socket.writable) return void socket.destroy();
      socket.end(closingErrorResponse(e.status, e.message));
    }
  }
}


const NO_QUERY: Readonly<Record<string, unknown>> = Object.freeze({});

/** Answers with `Connection: close` and closes the connection after it (HTTP/1; HTTP/2 streams need nothing). */
function closeAfter(res: ServerResponse): void {
  if (res.req.httpVersionMajor < 2 && !res.headersSent) res.shouldKeepAlive = false;
}
