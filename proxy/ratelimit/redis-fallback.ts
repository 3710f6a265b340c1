// Shared limiters: one Redis call decides all of a request's buckets while the breaker allows it, else — and on any
// failure — each rule's local bucket decides.
import type { BucketClaim, RateBatch, RateDecision, RateLimiter } from './limiter.js';
import type { BucketsAnswer, BucketTake } from './redis-buckets.js';
import type { TokenBucketLimiter } from './token-bucket.js';

/** The part of RedisBuckets a SharedBatch uses (rejects when the store did not answer). */
export interface RemoteBuckets {
  take(buckets: readonly BucketTake[]): Promise<BucketsAnswer>;
}

/** The part of RedisBreaker a SharedBatch uses. */
export interface BreakerGate {
  tryUse(): boolean;
  succeeded(): void;
  failed(): void;
}

/** Decision counters shared by every limiter of one Redis link. */
export interface FallbackStats {
  /** Decisions Redis made (one per call, however many buckets it decided). */
  shared: number;
  /** Decisions made locally because the breaker said so (Redis down or cooling off). */
  local: number;
  /** Redis calls that failed or timed out (each one then decided locally). */
  failures: number;
}

/** One shared rule (rate, capacity) under its Redis key prefix, with the local bucket that stands in for it. */
export class SharedRule implements RateLimiter {
  readonly batch: SharedBatch;
  readonly prefix: string;
  readonly ratePerSec: number;
  readonly capacity: number;
  readonly local: TokenBucketLimiter;

  constructor(batch: SharedBatch, prefix: string, ratePerSec: number, capacity: number, local: TokenBucketLimiter) {
    if (!(ratePerSec > 0) || !(capacity > 0) || !Number.isFinite(ratePerSec) || !Number.isFinite(capacity)) {
      throw new RangeError('invalid shared rate limit rate or capacity');
    }
    this.batch = batch;
    this.prefix = prefix;
    this.ratePerSec = ratePerSec;
    this.capacity = capacity;
    this.local = local;
  }

  tryAcquire(key: string, cost: number): RateDecision | Promise<RateDecision> {
    return this.batch.decide([{ limiter: this, key, cost }]);
  }
}

/**
 * Honours the RateLimiter contract over Redis for every SharedRule of one link: never throws, never waits on a
 * Redis the breaker knows is down (the local answer is then synchronous: no promise, no microtask), and turns a
 * failed Redis call into the local decision instead of an error — no 5xx and no unlimited traffic while Redis is
 * away. Local decisions go rule by rule up to the first refusal (the local buckets are each process's own).
 */
export class SharedBatch implements RateBatch {
  readonly #remote: RemoteBuckets;
  readonly #gate: BreakerGate;
  readonly #stats: FallbackStats;

  constructor(remote: RemoteBuckets, gate: BreakerGate, stats: FallbackStats) {
    this.#remote = remote;
    this.#gate = gate;
    this.#stats = stats;
  }

  decide(claims: readonly BucketClaim[]): RateDecision | Promise<RateDecision> {
    const rules = claims.map((c) => this.#rule(c.limiter));
    if (!this.#gate.tryUse()) {
      this.#stats.local++;
      return decideLocally(claims, rules);
    }
    const takes = claims.map((c, i): BucketTake => {
      const r = rules[i]!;
      return { key: `${r.prefix}:${c.key}`, cost: c.cost, capacity: r.capacity, ratePerSec: r.ratePerSec };
    });
    return this.#remote.take(takes).then(
      (a) => {
        this.#stats.shared++;
        this.#gate.succeeded();
        return decision(a, rules);
      },
      () => {
        this.#stats.failures++;
        this.#gate.failed();
        return decideLocally(claims, rules);
      },
    );
  }

  #rule(l: RateLimiter): SharedRule {
    if (!(l instanceof SharedRule) || l.batch !== this) throw new TypeError('a claim of another limiter reached a shared batch');
    return l;
  }
}

/** The refusing bucket's answer, or when all passed the one with the smallest share of its capacity left. */
function decision(a: BucketsAnswer, rules: readonly SharedRule[]): RateDecision {
  let i = a.refused;
  if (i < 0) {
    i = 0;
    for (let j = 1; j < rules.length; j++) if (a.remaining[j]! / rules[j]!.capacity < a.remaining[i]! / rules[i]!.capacity) i = j;
  }
  return {
    allowed: a.refused < 0,
    retryAfterMs: a.refused < 0 ? 0 : a.retryAfterMs,
    limit: rules[i]!.capacity,
    remaining: a.remaining[i]!,
    resetMs: a.resetMs[i]!,
  };
}

function decideLocally(claims: readonly BucketClaim[], rules: readonly SharedRule[]): RateDecision {
  let d: RateDecision | undefined;
  for (let i = 0; i < claims.length; i++) {
    d = rules[i]!.local.tryAcquire(claims[i]!.key, claims[i]!.cost);
    if (!d.allowed) break;
  }
  return d!;
}
