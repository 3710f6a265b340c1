// Global rate limits shared by every proxy (and cluster worker) through Redis, with local buckets while Redis is away.
import { Redis, type RedisOptions } from 'ioredis';
import { createLogger, type Logger } from '../../shared/log.js';
import type { ProxyConfig } from '../config.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { LimiterFactory } from './admission.js';
import type { RateLimiter } from './limiter.js';
import { RedisBreaker, type BreakerState } from './redis-breaker.js';
import { SharedBatch, SharedRule, type FallbackStats } from './redis-fallback.js';
import { hostPort, resolveRedisLimitOptions, type RedisLimitOptions } from './redis-options.js';
import { RedisBuckets } from './redis-buckets.js';
import { QuotaBook, withQuotas, type AppQuota, type QuotaSource } from './redis-quotas.js';
import { TokenBucketLimiter } from './token-bucket.js';

export { resolveRedisLimitOptions, type RedisLimitOptions } from './redis-options.js';

export interface RedisLimitDeps {
  /** Breaker time (default the system clock); local buckets use the clock startProxy hands to the factory. */
  clock?: Clock;
  logger?: Logger;
}

/** 'shared': Redis decides; 'local': Redis is unreachable or cooling off, each process decides alone. */
export type LimitMode = 'shared' | 'local';

export interface RedisLimitStats extends FallbackStats {
  mode: LimitMode;
  breaker: BreakerState;
  /** ioredis connection status ('ready' when usable). */
  connection: string;
}

/**
 * Owns one Redis connection (per process) and hands startProxy a LimiterFactory (`limiterFactory`, the
 * ProxyDeps seam) whose limiters share their buckets through Redis. Each limiter is a SharedRule (with a local TokenBucketLimiter
 * standing in while Redis is away) of this link's SharedBatch, which decides all of a request's buckets in one
 * script call; per-app quotas from tenant meta (`setQuotas`, `followTenants`)
 * replace the config default per-app rule for their apps. Redis calls never queue while disconnected
 * (enableOfflineQueue false), fail at once when the connection drops (maxRetriesPerRequest 0) and are bounded by
 * `commandTimeoutMs`. Survives proxy reloads: quotas and the connection are kept, limiters are rebuilt.
 */
export class RedisRateLimits {
  readonly #o: Required<RedisLimitOptions>;
  readonly #client: Redis;
  readonly #breaker: RedisBreaker;
  readonly #batch: SharedBatch;
  readonly #book = new QuotaBook();
  readonly #stats: FallbackStats = { shared: 0, local: 0, failures: 0 };
  readonly #log: Logger;
  #wasReady = false;
  #closing: Promise<void> | undefined;

  constructor(opts: RedisLimitOptions, deps: RedisLimitDeps = {}) {
    const o = resolveRedisLimitOptions(opts);
    this.#o = o;
    this.#log = deps.logger ?? createLogger({ svc: 'proxy', part: 'ratelimit' });
    const clientOpts: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: o.commandTimeoutMs,
      connectTimeout: o.connectTimeoutMs,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 10), o.reconnectMaxDelayMs),
      // 'ready' only once INFO says the server is not loading: until then decisions stay local.
      enableReadyCheck: true,
    };
    this.#client = /^rediss?:\/\//.test(o.url) ? new Redis(o.url, clientOpts) : new Redis({ ...hostPort(o.url), ...clientOpts });
    this.#breaker = new RedisBreaker({
      clock: deps.clock ?? systemClock,
      openMs: o.openMs,
      connected: () => this.#client.status === 'ready',
      onChange: (s) => {
        if (s === 'open') this.#log.warn('Redis rate-limit call failed; deciding locally', { retryInMs: o.openMs });
        else if (s === 'closed') this.#log.info('rate limits shared through Redis again');
      },
    });
    this.#batch = new SharedBatch(new RedisBuckets(this.#client), this.#breaker, this.#stats);
    this.#client.on('ready', () => {
      this.#wasReady = true;
      this.#breaker.reset();
      this.#log.info('rate limits shared through Redis', { url: redact(o.url) });
    });
    this.#client.on('close', () => {
      if (!this.#wasReady) return;
      this.#wasReady = false;
      if (!this.#closing) this.#log.warn('Redis connection lost; rate limits fall back to local buckets', { url: redact(o.url) });
    });
    // ioredis reports every failed reconnect; the 'close' above already said Redis is gone.
    this.#client.on('error', (err: Error) => this.#log.debug('Redis client error', { err }));
  }

  /** The ProxyDeps seam: `startProxy(opts, { source, limiterFactory: limits.limiterFactory })`. */
  readonly limiterFactory = (cfg: ProxyConfig, clock: Clock): LimiterFactory => {
    const share = this.#o.fallbackShare;
    const maxKeys = cfg.rateLimit.maxKeys;
    return withQuotas(
      this.#book,
      (rate, cap, name): RateLimiter =>
        new SharedRule(
          this.#batch,
          `${this.#o.keyPrefix}:${name}`,
          rate,
          cap,
          new TokenBucketLimiter({ ratePerSec: rate * share, capacity: Math.max(1, cap * share), maxKeys, clock }),
        ),
    );
  };

  /** Replaces the per-app quotas (Appid → {requestsPerSec, bytesPerSec}); an app left out gets the config rule. */
  setQuotas(quotas: ReadonlyMap<string, AppQuota | undefined> | Readonly<Record<string, AppQuota | undefined>>): void {
    this.#book.set(quotas);
  }

  /** Follows a tenant source's AppRecord.quotas (e.g. the ZooKeeper tenant source); returns the unsubscribe. */
  followTenants(source: QuotaSource): () => void {
    return this.#book.follow(source);
  }

  get mode(): LimitMode {
    return this.#client.status === 'ready' && this.#breaker.state === 'closed' ? 'shared' : 'local';
  }

  stats(): RedisLimitStats {
    return { ...this.#stats, mode: this.mode, breaker: this.#breaker.state, connection: this.#client.status };
  }

  /** QUIT (bounded by the command timeout), then no reconnects. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#client.status === 'ready') {
        try {
          await this.#client.quit();
          return;
        } catch {
          // fall through to a hard disconnect
        }
      }
      this.#client.disconnect();
    })();
    return this.#closing;
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.#closing ??= Promise.resolve();
    this.#client.disconnect();
  }
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
