// One connection pool per gateway listener, built by a factory (native HTTP/1.1 client by default, or undici).
import type { UpstreamConfig } from '../config.js';
import type { Host } from '../upstream/host.js';
import { H1Pool } from './h1/h1-pool.js';
import type { UpstreamHandler, UpstreamPool, UpstreamPoolFactory, UpstreamRequest } from './upstream.js';

/** undici is loaded only when configured: importing it costs every proxy process ~20 MB RSS. */
export const loadPoolFactory = async (client: UpstreamConfig['client']): Promise<UpstreamPoolFactory> =>
  client === 'undici' ? (await import('./undici-pool.js')).undiciPool : (o) => new H1Pool(o);

const poolKeys = (c: UpstreamConfig): string => `${c.client}/${c.connectTimeoutMs}/${c.keepAliveTimeoutMs}/${c.connectionsPerHost}`;

/**
 * Pools are created on first use and keyed by host key. `retire` (the host left discovery) closes a pool
 * gracefully: requests already on it finish, new ones go elsewhere because the host is no longer in any set.
 */
export class Forwarder {
  #cfg: UpstreamConfig;
  #factory: UpstreamPoolFactory;
  readonly #pools = new Map<string, UpstreamPool>();
  /** Retired pools still finishing their requests. */
  readonly #closing = new Map<UpstreamPool, Promise<void>>();

  /** `factory` builds the pools of the configured client (`loadPoolFactory`), or a test's. */
  constructor(cfg: UpstreamConfig, factory: UpstreamPoolFactory) {
    this.#cfg = cfg;
    this.#factory = factory;
  }

  dispatch(host: Host, req: UpstreamRequest, handler: UpstreamHandler): void {
    let pool = this.#pools.get(host.key);
    if (!pool) {
      pool = this.#factory({
        hostname: host.hostname,
        port: host.port,
        connections: this.#cfg.connectionsPerHost,
        connectTimeoutMs: this.#cfg.connectTimeoutMs,
        keepAliveTimeoutMs: this.#cfg.keepAliveTimeoutMs,
      });
      this.#pools.set(host.key, pool);
    }
    pool.dispatch(req, handler);
  }

  /** New settings; pools whose connection settings changed are retired and rebuilt on next use. */
  reconfigure(cfg: UpstreamConfig, factory: UpstreamPoolFactory): void {
    const rebuild = poolKeys(cfg) !== poolKeys(this.#cfg);
    this.#cfg = cfg;
    this.#factory = factory;
    if (rebuild) for (const key of [...this.#pools.keys()]) this.#retireKey(key);
  }

  retire(host: Host): void {
    this.#retireKey(host.key);
  }

  /** Graceful: waits for every request on every pool. */
  async close(): Promise<void> {
    for (const key of [...this.#pools.keys()]) this.#retireKey(key);
    await Promise.all(this.#closing.values());
  }

  /** Abort everything still open. */
  async destroy(): Promise<void> {
    const pools = [...this.#pools.values(), ...this.#closing.keys()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }

  #retireKey(key: string): void {
    const pool = this.#pools.get(key);
    if (!pool) return;
    this.#pools.delete(key);
    const p = pool.close().catch(() => undefined);
    this.#closing.set(pool, p);
    void p.then(() => this.#closing.delete(pool));
  }
}
