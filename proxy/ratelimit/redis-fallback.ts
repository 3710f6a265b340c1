// Wrapper: ask the shared (Redis) limiter while the breaker allows it, else — and on any failure — the local one.
import type { RateDecision, RateLimiter } from './limiter.js';

/** A limiter whose answer comes from elsewhere and may fail (rejects when its store did not answer). */
export interface RemoteLimiter {
  acquire(key: string, cost: number): Promise<RateDecision>;
}

/** The part of RedisBreaker a FallbackLimiter uses. */
export interface BreakerGate {
  tryUse(): boolean;
  succeeded(): void;
  failed(): void;
}

/** Decision counters shared by every limiter of one Redis link. */
export interface FallbackStats {
  /** Decisions Redis made. */
  shared: number;
  /** Decisions made locally because the breaker said so (Redis down or cooling off). */
  local: number;
  /** Redis calls that failed or timed out (each one then decided locally). */
  failures: number;
}

/**
 * Honours the RateLimiter contract over a remote limiter: never throws, never waits on a Redis the breaker knows
 * is down (the local answer is then synchronous: no promise, no microtask), and turns a failed Redis call into the
 * local decision instead of an error — no 5xx and no unlimited traffic while Redis is away.
 */
export class FallbackLimiter implements RateLimiter {
  readonly #remote: RemoteLimiter;
  readonly #local: RateLimiter;
  readonly #gate: BreakerGate;
  readonly #stats: FallbackStats;

  constructor(remote: RemoteLimiter, local: RateLimiter, gate: BreakerGate, stats: FallbackStats) {
    this.#remote = remote;
    this.#local = local;
    this.#gate = gate;
    this.#stats = stats;
  }

  tryAcquire(key: string, cost: number): RateDecision | Promise<RateDecision> {
    if (!this.#gate.tryUse()) {
      this.#stats.local++;
      return this.#local.tryAcquire(key, cost);
    }
    return this.#remote.acquire(key, cost).then(
      (d) => {
        this.#stats.shared++;
        this.#gate.succeeded();
        return d;
      },
      () => {
        this.#stats.failures++;
        this.#gate.failed();
        return this.#local.tryAcquire(key, cost);
      },
    );
  }
}
