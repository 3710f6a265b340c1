// The rate-limit seam: local token buckets now, a Redis-shared implementation later, same interface.

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
}
