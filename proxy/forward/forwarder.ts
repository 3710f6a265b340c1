// One undici Pool per gateway listener (the cheapest Node forwarding measured, limits.md 2d), built by a factory.
import { Pool, type Dispatcher } from 'undici';
import type { UpstreamConfig } from '../config.js';
import type { Host } from '../upstream/host.js';

/** Builds the connection pool of one listener (tests inject their own). */
export type PoolFactory = (origin: string, opts: Pool.Options) => Dispatcher;

export const defaultPoolFactory: PoolFactory = (origin, opts) => new Pool(origin, opts);

const poolKeys = (c: UpstreamConfig): string => `${c.connectTimeoutMs}/${c.keepAliveTimeoutMs}/${c.connectionsPerHost}`;

/**
 * Pools are created on first use and keyed by host key. `retire` (the host left discovery) closes a pool
 * gracefully: requests already on it finish, new ones go elsewhere because the host is no longer in any set.
 */
export class Forwarder {
  #cfg: UpstreamConfig;
  readonly #factory: PoolFactory;
  readonly #pools = new Map<string, Dispatcher>();
  /** Retired pools still finishing their requests. */
  readonly #closing = new Map<Dispatcher, Promise<void>>();

  constructor(cfg: UpstreamConfig, factory: PoolFactory = defaultPoolFactory) {
    this.#cfg = cfg;
    this.#factory = factory;
  }

  dispatch(host: Host, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    let pool = this.#pools.get(host.key);
    if (!pool) {
      pool = this.#factory(`http://${host.address}`, {
        connections: this.#cfg.connectionsPerHost,
        pipelining: 1,
        connectTimeout: this.#cfg.connectTimeoutMs,
        keepAliveTimeout: this.#cfg.keepAliveTimeoutMs,
        keepAliveMaxTimeout: Math.max(this.#cfg.keepAliveTimeoutMs, 600_000),
      });
      this.#pools.set(host.key, pool);
    }
    pool.dispatch(opts, handler);
  }

  /** New settings; pools whose connection settings changed are retired and rebuilt on next use. */
  reconfigure(cfg: UpstreamConfig): void {
    const rebuild = poolKeys(cfg) !== poolKeys(this.#cfg);
    this.#cfg = cfg;
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
