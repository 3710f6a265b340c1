// Front listeners: node:http servers feeding the pipeline, reconciled on reload, drained on close.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/log.js';
import type { ClientConfig, ListenerConfig } from './config.js';
import type { Pipeline } from './pipeline.js';

interface Entry {
  /** Mutable binding: a reload may change the service of a listener in place. */
  cfg: ListenerConfig;
  server: Server;
  address: AddressInfo;
  draining: boolean;
}

const keyOf = (l: ListenerConfig): string => `${l.host}:${l.port}`;

/**
 * One node:http server per configured listener. A listener is identified by host:port: on reload new ones start,
 * removed ones drain (stop accepting, close idle keep-alive connections, answer in-flight requests with
 * Connection: close), and kept ones pick up a changed service without touching their connections.
 */
export class FrontServer {
  readonly #pipeline: Pipeline;
  readonly #log: Logger;
  /** By bound address:port. */
  readonly #entries = new Map<string, Entry>();
  readonly #onDeadline: () => void;
  #client: ClientConfig;

  /** `onDeadline` ends what the HTTP server does not track: upgraded (WebSocket) sockets. */
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
      this.#tune(e.server);
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
  }

  async #start(l: ListenerConfig): Promise<Entry> {
    const pipeline = this.#pipeline;
    const server = createServer({ noDelay: true });
    const entry: Entry = { cfg: l, server, address: { address: l.host, family: 'IPv4', port: l.port }, draining: false };
    this.#tune(server);
    server.on('request', (req, res) => {
      if (entry.draining) res.shouldKeepAlive = false;
      pipeline.handle(req, res, entry.cfg);
    });
    server.on('upgrade', (req, socket, head: Buffer) => pipeline.upgrade(req, socket, head, entry.cfg));
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

  #tune(server: Server): void {
    server.keepAliveTimeout = this.#client.keepAliveTimeoutMs;
    server.headersTimeout = this.#client.headersTimeoutMs;
    server.requestTimeout = this.#client.requestTimeoutMs;
  }

  #drain(e: Entry, drainTimeoutMs: number): Promise<void> {
    e.draining = true;
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.#log.warn('drain deadline passed; closing remaining connections', { port: e.address.port });
        e.server.closeAllConnections();
        this.#onDeadline();
      }, drainTimeoutMs);
      force.unref();
      e.server.close(() => {
        clearTimeout(force);
        resolve();
      });
      e.server.closeIdleConnections();
    });
  }
}
