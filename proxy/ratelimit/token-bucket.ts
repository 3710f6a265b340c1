// Local token-bucket limiter: one bucket per key, refilled lazily from the injected clock, bounded memory.
import type { Clock } from '../util/clock.js';
import type { RateDecision, RateLimiter } from './limiter.js';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSec: number;
  /** Bucket size (largest burst), tokens. */
  capacity: number;
  /** Most buckets kept; beyond it full buckets (equivalent to absent ones) are dropped first, then the oldest. */
  maxKeys: number;
  clock: Clock;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Classic token bucket (the GCRA-equivalent of HAProxy/Envoy local limits). A request needs min(cost, capacity)
 * tokens and then takes its full cost, so one body larger than the bucket passes when the bucket is full and
 * leaves a debt that later requests wait out: big publishes are slowed, never refused forever.
 */
export class TokenBucketLimiter implements RateLimiter {
  readonly #rate: number;
  readonly #cap: number;
  readonly #maxKeys: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();

  constructor(o: TokenBucketOptions) {
    if (!(o.ratePerSec > 0) || !(o.capacity > 0) || !(o.maxKeys >= 1)) throw new RangeError('invalid token bucket options');
    this.#rate = o.ratePerSec / 1000;
    this.#cap = o.capacity;
    this.#maxKeys = o.maxKeys;
    this.#clock = o.clock;
  }

  tryAcquire(key: string, cost: number): RateDecision {
    const now = this.#clock.now();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.#maxKeys) this.#evict(now);
      b = { tokens: this.#cap, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#cap, b.tokens + (now - b.at) * this.#rate);
      b.at = now;
    }
    const need = Math.min(cost, this.#cap);
    const allowed = b.tokens >= need;
    if (allowed) b.tokens -= cost;
    return {
      allowed,
      retryAfterMs: allowed ? 0 : Math.ceil((need - b.tokens) / this.#rate),
      limit: this.#cap,
      remaining: Math.max(0, Math.floor(b.tokens)),
      resetMs: Math.ceil((this.#cap - b.tokens) / this.#rate),
    };
  }

  get size(): number {
    return this.#buckets.size;
  }

  #evict(now: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#rate >= this.#cap) this.#buckets.delete(k);
    }
    // Still full of busy buckets: drop the oldest-created (Map order). Rare, and fails towards allowing.
    const it = this.#buckets.keys();
    while (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(it.next().value as string);
  }
}
