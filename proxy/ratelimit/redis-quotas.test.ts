// Quotas: rule-name parsing, the quota book (validation, tenant-source following) and QuotaLimiter's per-app rates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppRecord, TenantSnapshot, TenantSource } from '../../gateway/auth/tenant-source.js';
import { ManualClock } from '../util/manual-clock.js';
import { parseRuleName, QuotaBook, QuotaLimiter } from './redis-quotas.js';
import { TokenBucketLimiter } from './token-bucket.js';

/** A TenantSource whose snapshot the test replaces (typed against the real interface, as a ZooKeeper source is). */
class PushTenantSource implements TenantSource {
  #snap: TenantSnapshot = { apps: new Map() };
  readonly #subs = new Set<(s: TenantSnapshot) => void>();
  current(): TenantSnapshot {
    return this.#snap;
  }
  onChange(cb: (s: TenantSnapshot) => void): () => void {
    this.#subs.add(cb);
    return () => this.#subs.delete(cb);
  }
  push(apps: AppRecord[]): void {
    this.#snap = { apps: new Map(apps.map((a) => [a.id, a])) };
    for (const cb of this.#subs) cb(this.#snap);
  }
  async close(): Promise<void> {}
}

const app = (id: string, quotas?: AppRecord['quotas']): AppRecord => ({
  id,
  secretHash: 'x',
  salt: 'y',
  topics: [],
  subscriptions: [],
  groups: [],
  ...(quotas ? { quotas } : {}),
});

describe('parseRuleName', () => {
  it('reads the owner, scope and dimension of Admission rule names', () => {
    assert.deepEqual(parseRuleName('*:perApp:requests'), { owner: '*', scope: 'perApp', dim: 'requests' });
    assert.deepEqual(parseRuleName('a1:perAppTopic:bytes'), { owner: 'a1', scope: 'perAppTopic', dim: 'bytes' });
    assert.deepEqual(parseRuleName('we:ird:perApp:bytes'), { owner: 'we:ird', scope: 'perApp', dim: 'bytes' });
  });

  it('returns undefined for anything else', () => {
    for (const n of ['', 'x', 'perApp:requests', '*:perApp:tokens', '*:global:requests']) assert.equal(parseRuleName(n), undefined, n);
  });
});

describe('QuotaBook', () => {
  it('keeps valid quotas and drops invalid values', () => {
    const b = new QuotaBook();
    b.set({ a: { requestsPerSec: 5 }, b: { requestsPerSec: 0, bytesPerSec: 100 }, c: { requestsPerSec: -1 }, d: undefined, e: { bytesPerSec: Number.NaN } });
    assert.deepEqual(b.get('a'), { requestsPerSec: 5 });
    assert.deepEqual(b.get('b'), { bytesPerSec: 100 });
    assert.equal(b.get('c'), undefined);
    assert.equal(b.get('d'), undefined);
    assert.equal(b.get('e'), undefined);
    assert.equal(b.size, 2);
  });

  it('replaces the whole set on every call', () => {
    const b = new QuotaBook();
    b.set(new Map([['a', { requestsPerSec: 5 }]]));
    b.set(new Map([['b', { requestsPerSec: 7 }]]));
    assert.equal(b.get('a'), undefined);
    assert.deepEqual(b.get('b'), { requestsPerSec: 7 });
  });

  it('follows a TenantSource: current quotas at once, then every change, until unsubscribed', () => {
    const src = new PushTenantSource();
    src.push([app('a', { requestsPerSec: 3 }), app('b')]);
    const b = new QuotaBook();
    const stop = b.follow(src);
    assert.deepEqual(b.get('a'), { requestsPerSec: 3 });
    assert.equal(b.get('b'), undefined);
    src.push([app('a', { requestsPerSec: 9, bytesPerSec: 1000 })]);
    assert.deepEqual(b.get('a'), { requestsPerSec: 9, bytesPerSec: 1000 });
    stop();
    src.push([]);
    assert.deepEqual(b.get('a'), { requestsPerSec: 9, bytesPerSec: 1000 });
  });
});

describe('QuotaLimiter > tryAcquire', () => {
  const setup = () => {
    const clock = new ManualClock();
    const book = new QuotaBook();
    const made: string[] = [];
    const make = (rate: number, cap: number) => {
      made.push(`${rate}/${cap}`);
      return new TokenBucketLimiter({ ratePerSec: rate, capacity: cap, maxKeys: 100, clock });
    };
    return { clock, book, made, l: new QuotaLimiter('requests', book, 10, 20, make) };
  };
  const burst = (l: QuotaLimiter, key: string): number => {
    let n = 0;
    while ((l.tryAcquire(key, 1) as { allowed: boolean }).allowed) n++;
    return n;
  };

  it('gives apps without a quota the rule, and an app with one its own rate with the same burst seconds', () => {
    const { l, book, made } = setup();
    book.set({ vip: { requestsPerSec: 50 }, bytesOnly: { bytesPerSec: 10 } });
    assert.equal(burst(l, 'plain'), 20);
    assert.equal(burst(l, 'bytesOnly'), 20, 'a bytes quota does not change the requests rule');
    assert.equal(burst(l, 'vip'), 100, '50/s × 2 s of burst');
    assert.deepEqual(made, ['10/20', '50/100']);
  });

  it('applies a quota change to the next request, reusing one bucket per rate', () => {
    const { l, book, made } = setup();
    book.set({ a: { requestsPerSec: 1 } });
    assert.equal(burst(l, 'a'), 2);
    book.set({ a: { requestsPerSec: 1 }, b: { requestsPerSec: 1 } });
    assert.equal(burst(l, 'b'), 2);
    assert.deepEqual(made, ['10/20', '1/2']);
  });

  it('uses the bytes quota for a bytes rule', () => {
    const clock = new ManualClock();
    const book = new QuotaBook();
    book.set({ a: { bytesPerSec: 100 } });
    const l = new QuotaLimiter('bytes', book, 1000, 1000, (r, c) => new TokenBucketLimiter({ ratePerSec: r, capacity: c, maxKeys: 10, clock }));
    const d = l.tryAcquire('a', 150);
    assert.equal((d as { limit: number }).limit, 100);
  });
});
