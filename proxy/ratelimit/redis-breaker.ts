// When to ask Redis: a circuit breaker over the injected clock (closed → open after a failure → one half-open probe).
import type { Clock } from '../util/clock.js';

/** 'closed': decisions go to Redis; 'open': local only until the cool-off ends; 'probing': one call is testing Redis. */
export type BreakerState = 'closed' | 'open' | 'probing';

export interface RedisBreakerOptions {
  clock: Clock;
  /** After a failed or timed-out call, decisions stay local this long before one probe tries Redis again, ms. */
  openMs: number;
  /** Whether the connection is usable at all (ioredis status 'ready'); false sends every decision local at once. */
  connected: () => boolean;
  /** Told about every state change (for logs and metrics). */
  onChange?: (state: BreakerState) => void;
}

/**
 * Decides, without waiting, whether a decision may use Redis. Failures come from the Redis calls themselves (errors
 * and command timeouts), so a Redis that accepts connections but hangs costs at most one command timeout per
 * cool-off period, and only for the calls already in flight. Pure policy: no I/O, time only from the clock.
 */
export class RedisBreaker {
  readonly #o: RedisBreakerOptions;
  #state: BreakerState = 'closed';
  #until = 0;

  constructor(o: RedisBreakerOptions) {
    if (!(o.openMs >= 0)) throw new RangeError('invalid breaker openMs');
    this.#o = o;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** True if this call may go to Redis; in 'open' past the cool-off the first caller becomes the probe. */
  tryUse(): boolean {
    if (!this.#o.connected()) return false;
    if (this.#state === 'closed') return true;
    if (this.#state === 'open' && this.#o.clock.now() >= this.#until) {
      this.#set('probing');
      return true;
    }
    return false;
  }

  /** A Redis call answered. */
  succeeded(): void {
    if (this.#state !== 'closed') this.#set('closed');
  }

  /** A Redis call failed or timed out: local decisions for `openMs`. */
  failed(): void {
    this.#until = this.#o.clock.now() + this.#o.openMs;
    if (this.#state !== 'open') this.#set('open');
  }

  /** The connection was (re)established and checked: trust it again at once. */
  reset(): void {
    this.succeeded();
  }

  #set(s: BreakerState): void {
    this.#state = s;
    this.#o.onChange?.(s);
  }
}
