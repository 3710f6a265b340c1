// A consecutive-failure circuit breaker (closed → open → half-open) with an injected clock; no timers.

/** Milliseconds since an arbitrary origin; injected so tests control time. */
export type Clock = () => number;

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. Must be >= 1; default 5 (the original kateway's pub pool). */
  failureThreshold?: number;
  /** How long the breaker stays open before it lets one probe through, in ms. Must be > 0; default 10,000. */
  openMs?: number;
  /** Time source; default `Date.now`. */
  now?: Clock;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What `tryAcquire` answers: either go ahead, or wait `retryAfterMs` before trying again. */
export type BreakerDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Opens after `failureThreshold` consecutive failures and rejects every call for `openMs`.
 * Then it turns half-open: exactly one caller (the probe) is allowed; its success closes the
 * breaker, its failure re-opens it for another `openMs`. A success while closed resets the count,
 * unlike the original's breaker, which let failures pile up across successes.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #openMs: number;
  readonly #now: Clock;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probeInFlight = false;
  #opens = 0;

  constructor(opts: CircuitBreakerOptions = {}) {
    const threshold = opts.failureThreshold ?? 5;
    const openMs = opts.openMs ?? 10_000;
    if (!Number.isInteger(threshold) || threshold < 1) throw new TypeError('failureThreshold must be an integer >= 1');
    if (!(openMs > 0)) throw new TypeError('openMs must be > 0');
    this.#threshold = threshold;
    this.#openMs = openMs;
    this.#now = opts.now ?? Date.now;
  }

  /** The state as of now (an expired open breaker reads as half-open). */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#openMs) return 'half-open';
    return this.#state;
  }

  /** How many times the breaker has opened since it was built (for metrics and tests). */
  get opens(): number {
    return this.#opens;
  }

  /** Asks to make one call. An allowed caller must report `onSuccess` or `onFailure` exactly once. */
  tryAcquire(): BreakerDecision {
    const state = this.state;
    if (state === 'closed') return { allowed: true };
    if (state === 'open') return { allowed: false, retryAfterMs: this.#openMs - (this.#now() - this.#openedAt) };
    // half-open: one probe at a time; the others wait as if still open for a short while.
    if (this.#probeInFlight) return { allowed: false, retryAfterMs: Math.min(1000, this.#openMs) };
    this.#state = 'half-open';
    this.#probeInFlight = true;
    return { allowed: true };
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#probeInFlight = false;
    this.#state = 'closed';
  }

  onFailure(): void {
    if (this.#state === 'half-open') {
      this.#probeInFlight = false;
      this.#open();
      return;
    }
    if (this.#state === 'open') return; // a call admitted before the breaker opened; nothing to add
    this.#failures += 1;
    if (this.#failures >= this.#threshold) this.#open();
  }

  /** Reports a call that ended without telling anything about the backend's health (e.g. unknown topic). */
  onNeutral(): void {
    if (this.#state === 'half-open' && this.#probeInFlight) {
      // The probe reached the backend and got a definite answer: that is health enough.
      this.onSuccess();
    }
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#failures = 0;
    this.#opens += 1;
  }
}
