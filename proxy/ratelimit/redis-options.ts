// Options of the Redis-shared limiter: defaults and validation, free of ioredis so config.ts can import it.

/** Where and how to share limits. Every field but `url` has a default. */
export interface RedisLimitOptions {
  /** `host:port` (e.g. `127.0.0.1:6379`) or a `redis://[[user]:password@]host:port[/db]` URL. */
  url: string;
  /** Prefix of every bucket key (default 'kateway:rl'); proxies that must share limits use the same one. */
  keyPrefix?: string;
  /** Bound on one Redis call, ms (default 250): a hung Redis delays a decision at most this long, then the
   *  breaker sends decisions local. Not much lower: an event-loop stall longer than this fails calls whose replies
   *  already arrived (Node runs timers before I/O) and sends decisions local for `openMs`. A stopped Redis costs
   *  no wait at all (the connection is known down). */
  commandTimeoutMs?: number;
  /** TCP connect timeout to Redis, ms (default 1,000). */
  connectTimeoutMs?: number;
  /** Local-only period after a failed Redis call before one call probes Redis again, ms (default 1,000). */
  openMs?: number;
  /** Longest wait between reconnect attempts, ms (default 1,000; attempts back off from 50 ms). */
  reconnectMaxDelayMs?: number;
  /** Share of each rate a local fallback bucket gets, (0, 1] (default 1): with N proxy processes, 1/N keeps the
   *  fleet near the global limit while Redis is down; 1 keeps every process at the full limit (N× in total). */
  fallbackShare?: number;
}

const DEFAULTS = { keyPrefix: 'kateway:rl', commandTimeoutMs: 250, connectTimeoutMs: 1_000, openMs: 1_000, reconnectMaxDelayMs: 1_000, fallbackShare: 1 };

/** Options with defaults applied; throws a RangeError naming the first bad field (config validation can call it). */
export function resolveRedisLimitOptions(opts: RedisLimitOptions): Required<RedisLimitOptions> {
  const set = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as Partial<RedisLimitOptions>;
  const o: Required<RedisLimitOptions> = { ...DEFAULTS, ...set, url: opts.url };
  validate(o);
  return o;
}

function validate(o: Required<RedisLimitOptions>): void {
  const fail = (f: string, why: string): never => {
    throw new RangeError(`invalid Redis rate-limit option ${f}: ${why}`);
  };
  if (typeof o.url !== 'string' || o.url === '') fail('url', 'must be host:port or a redis:// URL');
  if (!/^rediss?:\/\//.test(o.url)) hostPort(o.url);
  if (typeof o.keyPrefix !== 'string' || o.keyPrefix === '') fail('keyPrefix', 'must be a non-empty string');
  for (const f of ['commandTimeoutMs', 'connectTimeoutMs', 'reconnectMaxDelayMs'] as const) {
    if (!Number.isInteger(o[f]) || o[f] < 1 || o[f] > 600_000) fail(f, `must be an integer in [1, 600000], got ${o[f]}`);
  }
  if (!Number.isInteger(o.openMs) || o.openMs < 0 || o.openMs > 600_000) fail('openMs', `must be an integer in [0, 600000], got ${o.openMs}`);
  if (!(o.fallbackShare > 0 && o.fallbackShare <= 1)) fail('fallbackShare', `must be in (0, 1], got ${o.fallbackShare}`);
}

/** `host:port`, `[v6]:port`. */
export function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const host = s.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`invalid Redis rate-limit option url: expected host:port, got ${JSON.stringify(s)}`);
  }
  return { host, port };
}
