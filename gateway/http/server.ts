// The pub, sub and man listeners: HTTP/1.1, or HTTPS with HTTP/2 by ALPN; dispatch, WebSocket upgrades, draining.
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { GatewayConfig } from '../config.js';
import type { GatewayMetrics } from '../gateway-metrics.js';
import { compileQueryValidator, type QueryValidator } from './query-validator.js';
import { sendError, toAppError } from './respond.js';
import type { Listener, RequestContext, Route } from './route.js';
import { Router } from './router.js';

type AnyServer = http.Server | http2.Http2SecureServer;

interface Prepared {
  route: Route;
  query: QueryValidator | undefined;
  params: [string, RegExp][];
}

interface Inflight {
  baseHeaders: OutgoingHttpHeaders;
  h2: boolean;
}

export class GatewayServer {
  readonly #routers = new Map<Listener, Router>();
  readonly #prepared = new Map<Route, Prepared>();
  readonly #servers = new Map<Listener, AnyServer>();
  readonly #sockets = new Map<Listener, Set<Socket | Duplex>>();
  readonly #inflight = new Set<Inflight>();
  #draining = false;
  #onIdle: (() => void) | undefined;

  constructor(
    readonly config: GatewayConfig,
    routes: readonly Route[],
    readonly metrics: GatewayMetrics,
    readonly log: Logger,
  ) {
    for (const l of ['pub', 'sub', 'man'] as const) this.#routers.set(l, new Router());
    for (const r of routes) {
      for (const l of r.listeners) this.#routers.get(l)!.add(r);
      this.#prepared.set(r, {
        route: r,
        query: r.query ? compileQueryValidator(r.query) : undefined,
        params: Object.entries(r.params ?? {}).flatMap(([n, s]) => (s.pattern ? [[n, new RegExp(s.pattern)] as [string, RegExp]] : [])),
      });
    }
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
    for (const f of this.#inflight) if (!f.h2) f.baseHeaders['Connection'] = 'close';
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
      const body = JSON.stringify({ errmsg: err.code === 'HPE_HEADER_OVERFLOW' ? 'request header too large' : 'bad request' });
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    });
    return server;
  }

  #baseHeaders(req: IncomingMessage): OutgoingHttpHeaders {
    const h: OutgoingHttpHeaders = { Server: 'kateway' };
    if (req.headers['x-trace'] === 'true') h['X-Serverid'] = this.config.id;
    if (this.#draining && req.httpVersionMajor < 2) h['Connection'] = 'close';
    return h;
  }

  #dispatch(listener: Listener, req: IncomingMessage, res: ServerResponse): void {
    const baseHeaders = this.#baseHeaders(req);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const match = this.#routers.get(listener)!.match(req.method ?? 'GET', path);
    if (match.kind !== 'found') {
      const err =
        match.kind === 'not-found'
          ? new AppError(ErrorCode.NOT_FOUND, `no route ${req.method} ${path} on the ${listener} listener`)
          : new AppError(ErrorCode.METHOD_NOT_ALLOWED, `method ${req.method} not allowed; use ${match.allowed.join(', ')}`);
      if (match.kind === 'method-not-allowed') baseHeaders['Allow'] = match.allowed.join(', ');
      this.#fail(req, res, err, baseHeaders, 'unmatched');
      return;
    }
    const prepared = this.#prepared.get(match.route)!;
    const entry: Inflight = { baseHeaders, h2: req.httpVersionMajor >= 2 };
    this.#inflight.add(entry);
    let controller: AbortController | undefined;
    res.once('close', () => {
      if (!res.writableFinished) controller?.abort();
      this.#inflight.delete(entry);
      if (this.#inflight.size === 0) this.#onIdle?.();
    });
    try {
      if (match.route.websocket) {
        throw new AppError(ErrorCode.BAD_REQUEST, 'this route needs a WebSocket upgrade (Upgrade: websocket)');
      }
      for (const [name, re] of prepared.params) {
        if (!re.test(match.params[name]!)) throw new AppError(ErrorCode.BAD_REQUEST, `invalid ${name}: must match ${re.source}`);
      }
      const ctx: RequestContext = {
        req,
        res,
        params: match.params,
        query: prepared.query ? prepared.query(q < 0 ? '' : url.slice(q + 1)) : {},
        baseHeaders,
        get signal() {
          controller ??= new AbortController();
          if (res.destroyed && !res.writableFinished) controller.abort();
          return controller.signal;
        },
      };
      const done = match.route.handle(ctx);
      if (done) done.catch((err: unknown) => this.#fail(req, res, err, baseHeaders, match.route.operationId));
    } catch (err) {
      this.#fail(req, res, err, baseHeaders, match.route.operationId);
    }
  }

  #fail(req: IncomingMessage, res: ServerResponse, err: unknown, headers: OutgoingHttpHeaders, route: string): void {
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
    const match = this.#routers.get(listener)!.match(req.method ?? 'GET', path);
    try {
      if (this.#draining) throw new AppError(ErrorCode.SHUTTING_DOWN, 'server is shutting down');
      if (match.kind !== 'found' || !match.route.handleUpgrade) throw new AppError(ErrorCode.NOT_FOUND, `no WebSocket route ${path}`);
      const prepared = this.#prepared.get(match.route)!;
      for (const [name, re] of prepared.params) {
        if (!re.test(match.params[name]!)) throw new AppError(ErrorCode.BAD_REQUEST, `invalid ${name}: must match ${re.source}`);
      }
      const query = prepared.query ? prepared.query(q < 0 ? '' : url.slice(q + 1)) : {};
      // From here the WebSocket layer owns the socket and closes it with a close frame on shutdown; drain must not
      // cut it (that would be an abnormal 1006 close for the client).
      this.#sockets.get(listener)!.delete(socket);
      await match.route.handleUpgrade({ req, socket, head, params: match.params, query });
    } catch (err) {
      const e = toAppError(err, this.log);
      if (!socket.writable) return void socket.destroy();
      const body = JSON.stringify({ errmsg: e.message });
      socket.end(
        `HTTP/1.1 ${e.status} ${http.STATUS_CODES[e.status] ?? ''}\r\nContent-Type: application/json; charset=utf8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
  }
}

