// Front listeners: raw TCP servers whose connections parse requests with llhttp (front/), reconciled on reload, drained on close.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from '../shared/log.js';
import type { ClientConfig, ListenerConfig } from './config.js';
import { FrontConnection, type ConnectionHost } from './front/front-connection.js';
import type { FrontRequest } from './front/front-request.js';
import type { FrontResponse } from './front/front-response.js';
import type { Pipeline } from './pipeline.js';

interface Entry extends ConnectionHost {
  /** Mutable binding: a reload may change the service of a listener in place. */
  cfg: ListenerConfig;
  server: Server;
  address: AddressInfo;
  draining: boolean;
  readonly connections: Set<FrontConnection>;
}

const keyOf = (l: ListenerConfig): string => `${l.host}:${l.port}`;

/** The sweep that enforces client timeouts runs this often at most (and twice per shortest timeout at least). */
const SWEEP_MAX_MS = 1_000;

/**
 * One TCP server per configured listener. A listener is identified by host:port: on reload new ones start,
 * removed ones drain (stop accepting, close idle keep-alive connections, answer in-flight requests with
 * Connection: close), and kept ones pick up a changed service without touching their connections. Client timeouts
 * are checked by one sweep timer over all connections, not by a timer per request.
 */
export class FrontServer {
  readonly #pipeline: Pipeline;
  readonly #log: Logger;
  /** By bound address:port. */
  readonly #entries = new Map<string, Entry>();
  /** Draining listeners whose connections the sweep still watches. */
  readonly #draining = new Set<Entry>();
  readonly #onDeadline: () => void;
  #client: ClientConfig;
  #sweep: NodeJS.Timeout | undefined;

  /** `onDeadline` ends what the listeners do not track: upgraded (WebSocket) sockets. */
  constructor(pipeline: Pipeline, client: ClientConfig, logger: Logger, onDeadline: () => void) {
    this.#pipeline = pipeline;
    this.#client = client;
    this.#log = logger;
    this.#onDeadline = onDeadline;
  }

  addresses(): AddressInfo[] {
    return [...this.#entries.values()].map((e) => e.address);
  }

  /** Brings the listeners in line with `listeners`; resolves when new ones listen (removed ones drain on their own). */
  async apply(listeners: readonly ListenerConfig[], client: ClientConfig, drainTimeoutMs: number): Promise<void> {
    this.#client = client;
    this.#restartSweep();
    const kept = new Set<Entry>();
    const toStart: ListenerConfig[] = [];
    for (const l of listeners) {
      // A listener asked for port 0 is also known by the port it got, so a reload may name that port.
      const e = [...this.#entries.values()].find(
        (x) => !kept.has(x) && (keyOf(x.cfg) === keyOf(l) || (x.address.port === l.port && x.cfg.host === l.host)),
      );
      if (!e) {
        toStart.push(l);
        continue;
      }
      kept.add(e);
      e.cfg = l;
    }
    for (const [key, e] of this.#entries) {
      if (kept.has(e)) continue;
      this.#entries.delete(key);
      void this.#drain(e, drainTimeoutMs);
    }
    for (const l of toStart) {
      const e = await this.#start(l);
      this.#entries.set(`${e.address.address}:${e.address.port}`, e);
    }
  }

  /** Drains every listener; resolves when all client connections are gone (forced after `drainTimeoutMs`). */
  async close(drainTimeoutMs: number): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => this.#drain(e, drainTimeoutMs)));
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  async #start(l: ListenerConfig): Promise<Entry> {
    const pipeline = this.#pipeline;
    const server = createServer({ noDelay: true, allowHalfOpen: true });
    const connections = new Set<FrontConnection>();
    const entry: Entry = {
      cfg: l,
      server,
      address: { address: l.host, family: 'IPv4', port: l.port },
      draining: false,
      connections,
      request: (req: FrontRequest, res: FrontResponse) => pipeline.handle(req, res, entry.cfg),
      upgrade: (req: FrontRequest, socket: Socket, head: Buffer) => pipeline.upgrade(req, socket, head, entry.cfg),
      forget: (c: FrontConnection) => void connections.delete(c),
    };
    server.on('connection', (socket: Socket) => {
      if (entry.draining) {
        socket.destroy();
        return;
      }
      connections.add(new FrontConnection(socket, entry));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: l.host, port: l.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.#log.error('listener error', { err, listener: keyOf(l) }));
    entry.address = server.address() as AddressInfo;
    this.#log.info('listening', { address: entry.address.address, port: entry.address.port, service: l.service });
    return entry;
  }

  #restartSweep(): void {
    clearInterval(this.#sweep);
    const c = this.#client;
    const shortest = Math.min(...[c.keepAliveTimeoutMs, c.headersTimeoutMs, c.requestTimeoutMs].filter((t) => t > 0), SWEEP_MAX_MS * 2);
    this.#sweep = setInterval(() => {
      const now = Date.now();
      for (const e of [...this.#entries.values(), ...this.#draining]) for (const conn of e.connections) conn.checkTimeouts(now, c);
    }, Math.max(10, Math.floor(shortest / 2)));
    this.#sweep.unref();
  }

  #drain(e: Entry, drainTimeoutMs: number): Promise<void> {
    e.draining = true;
    this.#draining.add(e);
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.#log.warn('drain deadline passed; closing remaining connections', { port: e.address.port });
        for (const conn of e.connections) conn.socket.destroy();
        this.#onDeadline();
      }, drainTimeoutMs);
      force.unref();
      e.server.close(() => {
        clearTimeout(force);
        this.#draining.delete(e);
        resolve();
      });
      for (const conn of e.connections) conn.closeIfIdle();
    });
  }
}
