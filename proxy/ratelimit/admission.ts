// The admit stage: per-Appid and per-Appid+topic limits on requests/s and bytes/s, rules from config.
import type { RateLimitConfig, RateRule } from '../config.js';
import type { Clock } from '../util/clock.js';
import type { RateDecision, RateLimiter } from './limiter.js';
import { TokenBucketLimiter } from './token-bucket.js';

type Scope = 'perApp' | 'perAppTopic';
type Dimension = 'requests' | 'bytes';

/** Builds the limiter for one rule dimension (the seam where a Redis-backed limiter will plug in). */
export type LimiterFactory = (ratePerSec: number, capacity: number, name: string) => RateLimiter;

export const localLimiterFactory =
  (clock: Clock, maxKeys: number): LimiterFactory =>
  (ratePerSec, capacity) =>
    new TokenBucketLimiter({ ratePerSec, capacity, maxKeys, clock });

/** The request facts limits look at. */
export interface AdmitRequest {
  appid: string | undefined;
  /** Topic scope from the route ('owner/topic/ver'), if any. */
  topic: string | undefined;
  /** Declared body size (Content-Length), 0 if unknown. */
  bytes: number;
}

/**
 * Checks every configured limit in order (per app, then per app+topic; requests, then bytes) and returns the
 * first refusal, or undefined when all pass or nothing applies. Requests without an Appid are not limited here:
 * the gateway refuses them anyway. Per-app overrides replace a whole rule.
 */
export class Admission {
  readonly #cfg: RateLimitConfig;
  readonly #factory: LimiterFactory;
  readonly #limiters = new Map<string, RateLimiter>();
  readonly enabled: boolean;

  constructor(cfg: RateLimitConfig, factory: LimiterFactory) {
    this.#cfg = cfg;
    this.#factory = factory;
    const hasRate = (r: RateRule | undefined): boolean => !!r && (r.requestsPerSec !== undefined || r.bytesPerSec !== undefined);
    this.enabled = hasRate(cfg.perApp) || hasRate(cfg.perAppTopic) || Object.values(cfg.apps).some((o) => hasRate(o.perApp) || hasRate(o.perAppTopic));
  }

  check(r: AdmitRequest): RateDecision | Promise<RateDecision | undefined> | undefined {
    if (!this.enabled || !r.appid) return undefined;
    return this.#from(r, 0);
  }

  #from(r: AdmitRequest, step: number): RateDecision | Promise<RateDecision | undefined> | undefined {
    for (; step < 4; step++) {
      const scope: Scope = step < 2 ? 'perApp' : 'perAppTopic';
      const dim: Dimension = step % 2 === 0 ? 'requests' : 'bytes';
      if (scope === 'perAppTopic' && r.topic === undefined) continue;
      const cost = dim === 'requests' ? 1 : r.bytes;
      if (cost === 0) continue;
      const limiter = this.#limiter(r.appid!, scope, dim);
      if (!limiter) continue;
      const key = scope === 'perApp' ? r.appid! : `${r.appid}|${r.topic}`;
      const d = limiter.tryAcquire(key, cost);
      if (d instanceof Promise) {
        const next = step + 1;
        return d.then((dd) => (dd.allowed ? this.#from(r, next) : dd));
      }
      if (!d.allowed) return d;
    }
    return undefined;
  }

  #limiter(appid: string, scope: Scope, dim: Dimension): RateLimiter | undefined {
    const override = this.#cfg.apps[appid]?.[scope];
    const rule = override ?? this.#cfg[scope];
    const rate = dim === 'requests' ? rule.requestsPerSec : rule.bytesPerSec;
    if (rate === undefined) return undefined;
    const name = `${override ? appid : '*'}:${scope}:${dim}`;
    let l = this.#limiters.get(name);
    if (!l) {
      l = this.#factory(rate, Math.max(1, rate * (rule.burstSec ?? 1)), name);
      this.#limiters.set(name, l);
    }
    return l;
  }
}
