// Per-app quotas from tenant meta (ZooKeeper AppRecord.quotas): a quota book and a wrapper that applies them per key.
import type { LimiterFactory } from './admission.js';
import type { RateDecision, RateLimiter } from './limiter.js';

/** An app's quotas as tenant meta stores them (AppRecord.quotas); unset or invalid = the config rule applies. */
export interface AppQuota {
  requestsPerSec?: number;
  bytesPerSec?: number;
}

/**
 * What the book needs from a tenant source: structurally gateway/auth/tenant-source.ts `TenantSource` (file or
 * ZooKeeper meta), named here so that proxy/ does not import gateway/.
 */
export interface QuotaSource {
  current(): { apps: ReadonlyMap<string, { quotas?: AppQuota | undefined }> };
  onChange(cb: (snap: { apps: ReadonlyMap<string, { quotas?: AppQuota | undefined }> }) => void): () => void;
}

/** Which rule a LimiterFactory `name` is: Admission names them `<appid or *>:<scope>:<dimension>`. */
export interface RuleName {
  /** '*' for the config default, else the Appid of a config override (`rateLimit.apps`). */
  owner: string;
  scope: 'perApp' | 'perAppTopic';
  dim: 'requests' | 'bytes';
}

export function parseRuleName(name: string): RuleName | undefined {
  const parts = name.split(':');
  if (parts.length < 3) return undefined;
  const dim = parts.pop();
  const scope = parts.pop();
  if ((dim !== 'requests' && dim !== 'bytes') || (scope !== 'perApp' && scope !== 'perAppTopic')) return undefined;
  return { owner: parts.join(':'), scope, dim };
}

const valid = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** The current quotas, replaced as a whole. Invalid values (≤ 0, NaN, non-numbers) are dropped, not applied. */
export class QuotaBook {
  #quotas: ReadonlyMap<string, Readonly<AppQuota>> = new Map();

  get size(): number {
    return this.#quotas.size;
  }

  get(appid: string): Readonly<AppQuota> | undefined {
    return this.#quotas.get(appid);
  }

  /** Replaces every quota (an app absent from `quotas` falls back to the config rules). */
  set(quotas: ReadonlyMap<string, AppQuota | undefined> | Readonly<Record<string, AppQuota | undefined>>): void {
    const entries = quotas instanceof Map ? [...quotas.entries()] : Object.entries(quotas);
    const next = new Map<string, Readonly<AppQuota>>();
    for (const [app, q] of entries) {
      if (!q) continue;
      const clean: AppQuota = {};
      if (valid(q.requestsPerSec)) clean.requestsPerSec = q.requestsPerSec;
      if (valid(q.bytesPerSec)) clean.bytesPerSec = q.bytesPerSec;
      if (clean.requestsPerSec !== undefined || clean.bytesPerSec !== undefined) next.set(app, Object.freeze(clean));
    }
    this.#quotas = next;
  }

  /** Takes the source's quotas now and on every change; returns the unsubscribe function. */
  follow(source: QuotaSource): () => void {
    const apply = (snap: { apps: ReadonlyMap<string, { quotas?: AppQuota | undefined }> }): void => {
      const m = new Map<string, AppQuota | undefined>();
      for (const [id, app] of snap.apps) m.set(id, app.quotas);
      this.set(m);
    };
    apply(source.current());
    return source.onChange(apply);
  }
}

/** Builds the limiter of one (rate, capacity). */
export type BucketFactory = (ratePerSec: number, capacity: number) => RateLimiter;

/** Most distinct quota rates kept per rule before the cache starts over (bounds memory under churning quotas). */
const MAX_RATES = 1_000;

/**
 * Wraps the limiter of a config default per-app rule: a key (an Appid) with a quota for this dimension gets a
 * bucket of the quota's rate, with the same burst (in seconds of rate) as the rule; others get the rule's bucket.
 * The Redis key is the same whatever the rate, so a quota change keeps the app's bucket (clamped to the new size).
 */
export class QuotaLimiter implements RateLimiter {
  readonly #dim: 'requestsPerSec' | 'bytesPerSec';
  readonly #book: QuotaBook;
  readonly #base: RateLimiter;
  readonly #burstSec: number;
  readonly #make: BucketFactory;
  readonly #byRate = new Map<number, RateLimiter>();

  constructor(dim: 'requests' | 'bytes', book: QuotaBook, ratePerSec: number, capacity: number, make: BucketFactory) {
    this.#dim = dim === 'requests' ? 'requestsPerSec' : 'bytesPerSec';
    this.#book = book;
    this.#burstSec = capacity / ratePerSec;
    this.#make = make;
    this.#base = make(ratePerSec, capacity);
  }

  tryAcquire(key: string, cost: number): RateDecision | Promise<RateDecision> {
    return this.resolve(key).tryAcquire(key, cost);
  }

  resolve(key: string): RateLimiter {
    const rate = this.#book.get(key)?.[this.#dim];
    if (rate === undefined) return this.#base;
    let l = this.#byRate.get(rate);
    if (!l) {
      if (this.#byRate.size >= MAX_RATES) this.#byRate.clear();
      l = this.#make(rate, Math.max(1, rate * this.#burstSec));
      this.#byRate.set(rate, l);
    }
    return l;
  }

}

/**
 * `make` with the book's quotas applied: tenant-meta quotas are per app, so they replace the config default per-app
 * rule (Admission names it `*:perApp:<dim>`), never a config file override for one app (`rateLimit.apps`).
 */
export const withQuotas =
  (book: QuotaBook, make: LimiterFactory): LimiterFactory =>
  (ratePerSec, capacity, name) => {
    const rule = parseRuleName(name);
    if (rule?.scope === 'perApp' && rule.owner === '*') return new QuotaLimiter(rule.dim, book, ratePerSec, capacity, (r, c) => make(r, c, name));
    return make(ratePerSec, capacity, name);
  };
