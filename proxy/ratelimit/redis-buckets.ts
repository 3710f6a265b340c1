// Shared token buckets in Redis: one atomic script decides every bucket of a request in one round trip.
import type { Redis } from 'ioredis';

/**
 * The buckets' update, run atomically in Redis, all or nothing: it refills every bucket, and only if each has
 * min(cost, capacity) tokens does it take the full cost from each (an oversized body passes when its bucket is full
 * and leaves a debt that later requests wait out, like `TokenBucketLimiter`). When one bucket refuses, none is
 * touched: a request that is refused was not served, so it must not spend the other buckets (sequential checks did,
 * and a bytes refusal then still cost a request token).
 *
 * Time is Redis's own clock (TIME), the one clock every proxy shares. Each key is a hash {tokens, at (ms)} that
 * expires once the bucket would be full again, so idle keys cost no memory. A refusal writes nothing: a bucket's
 * level is a function of its stored state and the time.
 *
 * KEYS[i] = bucket i; ARGV[3i-2], ARGV[3i-1], ARGV[3i] = its cost (integer), capacity, rate (tokens per ms).
 * Returns {refused, retryAfterMs, remaining_1, full_1, …}: refused = 0 when all pass, else the index (from 1) of
 * the refusing bucket that waits longest and retryAfterMs = its wait until min(cost, capacity) tokens are back;
 * remaining_i = whole tokens left (after the take when all pass), full_i = ms until bucket i is full again.
 */
const TAKE_BUCKETS_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local n = #KEYS
local tokens, at = {}, {}
local refused, wait = 0, 0
for i = 1, n do
  local cost, cap, rate = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
  local s = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tk, a = tonumber(s[1]), tonumber(s[2])
  if tk == nil or a == nil then
    tk, a = cap, now
  else
    if now > a then
      tk = tk + (now - a) * rate
      a = now
    end
    tk = math.min(cap, tk)
  end
  tokens[i], at[i] = tk, a
  local need = math.min(cost, cap)
  if tk < need then
    local w = math.ceil((need - tk) / rate)
    if refused == 0 or w > wait then refused, wait = i, w end
  end
end
local out = {refused, wait}
for i = 1, n do
  local cap, rate = tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
  local tk = tokens[i]
  if refused == 0 then
    tk = tk - tonumber(ARGV[3 * i - 2])
    local full = math.ceil((cap - tk) / rate)
    redis.call('HSET', KEYS[i], 'tokens', tostring(tk), 'at', tostring(at[i]))
    redis.call('PEXPIRE', KEYS[i], full + 1000)
  end
  out[2 * i + 1] = math.max(0, math.floor(tk))
  out[2 * i + 2] = math.ceil((cap - tk) / rate)
end
return out
`;

/** One bucket to take from: its Redis key, the request's cost, and the bucket's rule. */
export interface BucketTake {
  key: string;
  cost: number;
  capacity: number;
  ratePerSec: number;
}

/** What Redis said about each bucket of one call. */
export interface BucketsAnswer {
  /** Index (from 0) of the refusing bucket that waits longest, -1 when all took their cost. */
  refused: number;
  /** When refused, ms until that bucket has enough tokens again. */
  retryAfterMs: number;
  /** Per bucket, in call order: whole tokens left. */
  remaining: number[];
  /** Per bucket, in call order: ms until full again. */
  resetMs: number[];
}

const COMMAND = 'kwTakeBuckets';
type WithCommand = Redis & { [COMMAND](numKeys: number, ...args: string[]): Promise<number[]> };

/**
 * The script as an ioredis command (EVALSHA, EVAL once when the server answers NOSCRIPT, e.g. after a restart).
 * `take` rejects when Redis did not answer (not connected, command timeout, error): the caller decides what a
 * failure means (see SharedBatch). Keys of one call must live on one server (no Redis Cluster slot routing).
 */
export class RedisBuckets {
  readonly #client: WithCommand;

  constructor(client: Redis) {
    client.defineCommand(COMMAND, { lua: TAKE_BUCKETS_LUA });
    this.#client = client as WithCommand;
  }

  async take(buckets: readonly BucketTake[]): Promise<BucketsAnswer> {
    const n = buckets.length;
    const args = new Array<string>(n * 4);
    for (let i = 0; i < n; i++) {
      const b = buckets[i]!;
      args[i] = b.key;
      const a = n + 3 * i;
      args[a] = String(Number.isFinite(b.cost) && b.cost > 1 ? Math.ceil(b.cost) : 1);
      args[a + 1] = String(b.capacity);
      args[a + 2] = String(b.ratePerSec / 1000);
    }
    const r = await this.#client[COMMAND](n, ...args);
    const remaining = new Array<number>(n);
    const resetMs = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      remaining[i] = r[2 * i + 2]!;
      resetMs[i] = r[2 * i + 3]!;
    }
    return { refused: r[0]! - 1, retryAfterMs: r[1]!, remaining, resetMs };
  }
}
