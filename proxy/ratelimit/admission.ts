// The admit stage: per-Appid and per-Appid+topic limits on requests/s and bytes/s, rules from config.
import type { RateLimitConfig, RateRule } from '../config.js';
import type { Clock } from '../util/clock.js';
import { decideInTurn, type BucketClaim, type RateDecision, type RateLimiter } from './limiter.js';
import { TokenBucketLimiter } from './token-bucket.js';

type Scope = 'perApp' | 'perAppTopic';
type Dimension = 'requests' | 'bytes';

/** Builds the limiter for one rule dimension (the seam where the Redis-shared limiters plug in). */
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
 * Checks every configured limit (per app, then per app+topic; requests, then bytes). Limiters of one batch (Redis)
 * decide them all in one call, all or nothing; others in turn, up to the first refusal. Returns the refusal, or
 * undefined (local) or an allowed decision (batch) when all pass, undefined when nothing applies. Requests without an Appid are not limited here:
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
    const claims: BucketClaim[] = [];
    for (let step = 0; step < 4; step++) {
      const scope: Scope = step < 2 ? 'perApp' : 'perAppTopic';
      const dim: Dimension = step % 2 === 0 ? 'requests' : 'bytes';
      if (scope === 'perAppTopic' && r.topic === undefined) continue;
      const cost = dim === 'requests' ? 1 : r.bytes;
      if (cost === 0) continue;
      const limiter = this.#limiter(r.appid, scope, dim);
      if (!limiter) continue;
      const key = scope === 'perApp' ? r.appid : `${r.appid}|${r.topic}`;
      claims.push({ limiter: limiter.resolve?.(key) ?? limiter, key, cost });
    }
    if (claims.length === 0) return undefined;
    // Shared limits: one round trip decides every bucket of the request, all or nothing.
    const batch = claims[0]!.limiter.batch;
    if (batch && claims.every((c) => c.limiter.batch === batch)) return batch.decide(claims);
    return decideInTurn(claims);
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
