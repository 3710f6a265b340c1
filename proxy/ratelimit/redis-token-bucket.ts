// One shared token bucket rule in Redis: rate-limiter-flexible's RateLimiterRedis driving an atomic token-bucket script.
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateDecision } from './limiter.js';

/**
 * The bucket update, run atomically in Redis. It is rate-limiter-flexible's documented `customIncrTtlLuaScript` hook,
 * so the library keeps its part (EVALSHA with NOSCRIPT fallback, key prefix, readiness check, result mapping)
 * while the policy is the same token bucket as `TokenBucketLimiter`: a request needs min(cost, capacity) tokens
 * and takes its full cost (oversized bodies pass when the bucket is full and leave a debt). rate-limiter-flexible's
 * own script is a fixed window, which lets 2× the rate through around a window edge and refuses any cost above
 * `points` forever — wrong for a bytes/s limit in front of 512 KiB publishes.
 *
 * Time is Redis's own clock (TIME), the one clock every proxy shares. The key is a hash {tokens, at (ms)} that
 * expires once the bucket would be full again, so idle keys cost no memory.
 *
 * Call contract (rate-limiter-flexible): KEYS[1] = key; ARGV[1] = cost (integer); ARGV[2] = whole-second duration
 * (unused); ARGV[3] = `points` = capacity; ARGV[4] = `duration` = seconds to refill an empty bucket
 * (capacity / rate). Returns {consumed, ms}: when allowed, consumed ≤ floor(capacity) (so the library resolves,
 * remaining = capacity − consumed) and ms = time until full; when refused, consumed = floor(capacity) + 1 (the
 * library rejects) and ms = time until min(cost, capacity) tokens are back.
 */
export const TOKEN_BUCKET_LUA = `
local cost = tonumber(ARGV[1])
local cap = tonumber(ARGV[3])
local rate = cap / (tonumber(ARGV[4]) * 1000)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(s[1])
local at = tonumber(s[2])
if tokens == nil or at == nil then
  tokens = cap
  at = now
else
  if now > at then
    tokens = tokens + (now - at) * rate
    at = now
  end
  tokens = math.min(cap, tokens)
end
local need = math.min(cost, cap)
if tokens < need then
  return {math.floor(cap) + 1, math.ceil((need - tokens) / rate)}
end
tokens = tokens - cost
local full = math.ceil((cap - tokens) / rate)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], full + 1000)
return {math.min(math.floor(cap), math.ceil(cap - tokens)), full}
`;

export interface RedisTokenBucketOptions {
  client: Redis;
  /** Redis key prefix of this rule; the bucket of `key` is `<prefix>:<key>`. */
  prefix: string;
  /** Tokens per second, > 0. */
  ratePerSec: number;
  /** Bucket size, tokens, > 0. */
  capacity: number;
}

/**
 * Shared token bucket for one (rate, capacity). `acquire` resolves with the decision or rejects when Redis did not
 * answer (not connected, command timeout, error): the caller decides what a failure means (see FallbackLimiter).
 */
export class RedisTokenBucket {
  readonly #rl: RateLimiterRedis;
  readonly #cap: number;
  readonly #ratePerMs: number;
  /** Whole seconds ≥ 1, only so that the library takes its script path (it uses plain INCRBY below one second). */
  readonly #opts: { customDuration: number };

  constructor(o: RedisTokenBucketOptions) {
    if (!(o.ratePerSec > 0) || !(o.capacity > 0) || !Number.isFinite(o.ratePerSec) || !Number.isFinite(o.capacity)) {
      throw new RangeError('invalid Redis token bucket rate or capacity');
    }
    const fillSec = o.capacity / o.ratePerSec;
    this.#cap = o.capacity;
    this.#ratePerMs = o.ratePerSec / 1000;
    this.#opts = { customDuration: Math.max(1, Math.ceil(fillSec)) };
    this.#rl = new RateLimiterRedis({
      storeClient: o.client,
      keyPrefix: o.prefix,
      points: o.capacity,
      duration: fillSec,
      rejectIfRedisNotReady: true,
      customIncrTtlLuaScript: TOKEN_BUCKET_LUA,
    });
  }

  acquire(key: string, cost: number): Promise<RateDecision> {
    const units = Number.isFinite(cost) && cost > 1 ? Math.ceil(cost) : 1;
    return this.#rl.consume(key, units, this.#opts).then(
      (res) => ({
        allowed: true,
        retryAfterMs: 0,
        limit: this.#cap,
        remaining: Math.max(0, Math.floor(res.remainingPoints)),
        resetMs: res.msBeforeNext,
      }),
      (err: unknown) => {
        if (!(err instanceof RateLimiterRes)) throw err;
        const need = Math.min(units, this.#cap);
        return {
          allowed: false,
          retryAfterMs: err.msBeforeNext,
          limit: this.#cap,
          remaining: 0,
          resetMs: err.msBeforeNext + Math.ceil((this.#cap - need) / this.#ratePerMs),
        };
      },
    );
  }
}
