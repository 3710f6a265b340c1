// The rate-limit seam: local token buckets or Redis-shared ones, same interface.

/** The answer for one request; fields map to 429 + Retry-After + RateLimit-* headers. */
export interface RateDecision {
  allowed: boolean;
  /** When denied, how long until the same cost would be allowed, ms (0 when allowed). */
  retryAfterMs: number;
  /** Bucket size in cost units (RateLimit-Limit). */
  limit: number;
  /** Units left after this request (RateLimit-Remaining), never negative. */
  remaining: number;
  /** Time until the bucket is full again, ms (RateLimit-Reset). */
  resetMs: number;
}

/**
 * Admits or refuses `cost` units for `key`. A local implementation answers synchronously; a shared one (Redis)
 * returns a promise. Callers handle both without awaiting the synchronous case (no microtask per request).
 * Implementations must fail open (allow) if their backing store is unreachable, and never throw.
 */
export interface RateLimiter {
  tryAcquire(key: string, cost: number): RateDecision | Promise<RateDecision>;
  /** Wrappers that pick a bucket per key (per-app quotas) return the limiter that holds `key`'s bucket. */
  resolve?(key: string): RateLimiter;
  /** Set when this limiter's buckets can be decided together with those of other limiters of the same batch. */
  readonly batch?: RateBatch;
}

/** One bucket a request must pass: a limiter (resolved for `key`), the key, the cost. */
export interface BucketClaim {
  limiter: RateLimiter;
  key: string;
  cost: number;
}

/** Decides several claims of one request at once: every bucket takes its cost, or none does. */
export interface RateBatch {
  /** The refusal (the bucket whose wait is longest), or the allowed decision of the bucket nearest its limit. */
  decide(claims: readonly BucketClaim[]): RateDecision | Promise<RateDecision>;
}

/**
 * Claims one after the other, stopping at the first refusal (earlier buckets keep what they took): the path of
 * limiters without a batch. Undefined when all pass.
 */
export function decideInTurn(claims: readonly BucketClaim[], from = 0): RateDecision | Promise<RateDecision | undefined> | undefined {
  for (let i = from; i < claims.length; i++) {
    const c = claims[i]!;
    const d = c.limiter.tryAcquire(c.key, c.cost);
    if (d instanceof Promise) return d.then((dd) => (dd.allowed ? decideInTurn(claims, i + 1) : dd));
    if (!d.allowed) return d;
  }
  return undefined;
}
