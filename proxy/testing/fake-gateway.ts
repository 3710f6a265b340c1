// A real node:http stand-in for a gateway (pub/sub/man listeners on free ports): /alive, X-Serverid, echo, faults.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { GatewayEndpoint } from '../../shared/discovery/gateway-endpoint.js';
import type { Service } from '../upstream/host.js';

/** How a listener behaves: answer, fail with 500, accept and never answer, or read the request then reset. */
export type FakeMode = 'ok' | '5xx' | 'hang' | 'reset';

export interface SeenRequest {
  service: Service;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
}

/**
 * Every non-/alive request gets 200 (201 for POST) with `X-Serverid: <id>` and a JSON echo
 * {id, service, method, url, bodyBytes, xff}; `?echo=1` echoes the body bytes instead; `?chunks=N` streams N
 * chunked parts; header `x-hold: <token>` parks the request until `release(token)`. WebSockets echo "<id>:<msg>".
 */
export class FakeGateway {
  readonly id: string;
  readonly cpu: number;
  readonly seen: SeenRequest[] = [];
  readonly mode: Record<Service, FakeMode> = { pub: 'ok', sub: 'ok', man: 'ok' };
  /** When false, /alive answers 503. */
  alive = true;
  /** Requests whose connection closed before they were answered (the proxy gave up on them). */
  abandoned = 0;
  /** TCP connections accepted, per listener. */
  readonly connections: Record<Service, number> = { pub: 0, sub: 0, man: 0 };
  readonly #servers = new Map<Service, Server>();
  readonly #ports = new Map<Service, number>();
  readonly #held = new Map<string, () => void>();
  readonly #heldWaiters = new Map<string, () => void>();

  private constructor(id: string, cpu: number) {
    this.id = id;
    this.cpu = cpu;
  }

  static async start(id: string, cpu = 1): Promise<FakeGateway> {
    const g = new FakeGateway(id, cpu);
    for (const s of ['pub', 'sub', 'man'] as const) await g.startListener(s);
    return g;
  }

  endpoint(): GatewayEndpoint {
    const a = (s: Service): string => `127.0.0.1:${this.#ports.get(s)}`;
    return { id: this.id, zone: 'test', host: '127.0.0.1', pub: a('pub'), sub: a('sub'), man: a('man'), cpu: this.cpu, ver: 'fake', startedAt: 0 };
  }

  count(service?: Service): number {
    return service ? this.seen.filter((r) => r.service === service).length : this.seen.length;
  }

  /** Resolves once a request carrying `x-hold: token` has arrived. */
  held(token: string): Promise<void> {
    if (this.#held.has(token)) return Promise.resolve();
    return new Promise((r) => this.#heldWaiters.set(token, r));
  }

  release(token: string): void {
    const answer = this.#held.get(token);
    this.#held.delete(token);
    answer?.();
  }

  /** Closes one listener (connections refused from now on) and cuts its open connections. */
  async stopListener(s: Service): Promise<void> {
    const srv = this.#servers.get(s);
    if (!srv) return;
    this.#servers.delete(s);
    const closed = once(srv, 'close');
    srv.close();
    srv.closeAllConnections();
    await closed;
  }

  /** (Re)opens a listener, on its previous port if it had one. */
  async startListener(s: Service): Promise<void> {
    const srv = createServer((req, res) => this.#handle(s, req, res));
    srv.on('connection', () => this.connections[s]++);
    const wss = new WebSocketServer({ noServer: true });
    srv.on('upgrade', (req, socket, head) => {
      if (this.mode[s] === '5xx') {
        socket.end('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        this.seen.push({ service: s, method: 'WS', url: req.url ?? '', headers: req.headers, bodyBytes: 0 });
        ws.on('message', (m: Buffer) => ws.send(`${this.id}:${m.toString()}`));
      });
    });
    srv.listen(this.#ports.get(s) ?? 0, '127.0.0.1');
    await once(srv, 'listening');
    this.#ports.set(s, (srv.address() as AddressInfo).port);
    this.#servers.set(s, srv);
  }

  async close(): Promise<void> {
    for (const token of [...this.#held.keys()]) this.release(token);
    for (const s of [...this.#servers.keys()]) await this.stopListener(s);
  }

  #handle(service: Service, req: IncomingMessage, res: ServerResponse): void {
    if (req.url === '/alive') {
      res.writeHead(this.alive ? 200 : 503, { 'content-type': 'application/json' }).end(this.alive ? '{"ok":1}' : '{"errmsg":"down"}');
      return;
    }
    const chunks: Buffer[] = [];
    res.once('close', () => {
      if (!res.writableFinished) this.abandoned++;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      this.seen.push({ service, method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes: body.length });
      const mode = this.mode[service];
      if (mode === 'hang') return;
      if (mode === 'reset') {
        req.socket.resetAndDestroy();
        return;
      }
      if (mode === '5xx') {
        res.writeHead(500, { 'x-serverid': this.id, 'content-type': 'application/json' }).end('{"errmsg":"boom"}');
        return;
      }
      const hold = req.headers['x-hold'];
      if (typeof hold === 'string') {
        this.#held.set(hold, () => this.#answer(service, req, res, body));
        this.#heldWaiters.get(hold)?.();
        return;
      }
      this.#answer(service, req, res, body);
    });
  }

  #answer(service: Service, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const status = req.method === 'POST' ? 201 : 200;
    const headers = { 'x-serverid': this.id, 'x-service': service };
    if (url.searchParams.get('echo') === '1') {
      res.writeHead(status, { ...headers, 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      return;
    }
    const n = Number(url.searchParams.get('chunks') ?? 0);
    if (n > 0) {
      res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream' });
      for (let i = 0; i < n; i++) res.write(`chunk-${i};`);
      res.end();
      return;
    }
    const text = JSON.stringify({ id: this.id, service, method: req.method, url: req.url, bodyBytes: body.length, xff: req.headers['x-forwarded-for'] ?? null });
    res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(text);
  }
}
