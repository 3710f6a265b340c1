// RedisRateLimits against real Redis: shared buckets across connections, token-bucket semantics, quotas, outages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { silentLogger } from '../../shared/log.js';
import { startPrivateRedis } from '../../test/helpers/redis-server.js';
import type { PrivateServer } from '../../test/helpers/private-server.js';
import { requireRedis } from '../../test/helpers/services.js';
import { uniqueName } from '../../test/helpers/unique-name.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { resolveProxyConfig } from '../config.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ManualClock } from '../util/manual-clock.js';
import type { RateDecision, RateLimiter } from './limiter.js';
import { RedisRateLimits, resolveRedisLimitOptions, type RedisLimitOptions } from './redis-limiter.js';
import { TokenBucketLimiter } from './token-bucket.js';

const cfg = resolveProxyConfig({ workers: 0 });
const REQS = '*:perApp:requests';

/** Every instance a test opens, closed in after(). */
const opened: RedisRateLimits[] = [];
/**
 * A 2 s command timeout unless a test says otherwise: on a starved test machine an event-loop stall longer than the
 * timeout fails calls whose replies already arrived (timers run before I/O), and exact counts would then include
 * local decisions. The hung-Redis test sets its own short timeout.
 */
function limits(url: string, o: Partial<RedisLimitOptions> = {}, clock?: Clock): RedisRateLimits {
  const l = new RedisRateLimits({ url, reconnectMaxDelayMs: 100, commandTimeoutMs: 2_000, ...o }, { logger: silentLogger, ...(clock ? { clock } : {}) });
  opened.push(l);
  return l;
}
const shared = (...ls: RedisRateLimits[]) =>
  waitFor(() => ls.every((l) => l.mode === 'shared'), { timeoutMs: 10_000, message: 'Redis link ready' });
const local = (...ls: RedisRateLimits[]) =>
  waitFor(() => ls.every((l) => l.mode === 'local'), { timeoutMs: 10_000, message: 'fallback to local' });

/** One limiter of rule `name` (rate, capacity) built the way startProxy builds it. */
const limiter = (l: RedisRateLimits, rate: number, cap: number, name = REQS, clock: Clock = systemClock): RateLimiter =>
  l.limiterFactory(cfg, clock)(rate, cap, name);
const acquire = async (l: RateLimiter, key: string, cost = 1): Promise<RateDecision> => l.tryAcquire(key, cost);
/** Acquires until refused; returns how many were allowed (stops at `max`). */
async function drain(l: RateLimiter, key: string, max = 1000): Promise<number> {
  let n = 0;
  while (n < max && (await acquire(l, key)).allowed) n++;
  return n;
}

after(async () => {
  await Promise.all(opened.map((l) => l.close()));
});

describe('RedisRateLimits > shared buckets', () => {
  let url: string;
  before(async () => (url = await requireRedis()));

  it('draws two instances (two connections, as two proxies) from one bucket', async () => {
    const keyPrefix = uniqueName('rl');
    const [a, b] = [limits(url, { keyPrefix }), limits(url, { keyPrefix })];
    await shared(a, b);
    const [la, lb] = [limiter(a, 0.1, 10), limiter(b, 0.1, 10)];
    for (let i = 0; i < 6; i++) assert.equal((await acquire(la, 'app')).allowed, true);
    const rem: number[] = [];
    for (let i = 0; i < 4; i++) rem.push((await acquire(lb, 'app')).remaining);
    assert.deepEqual(rem, [3, 2, 1, 0], 'B continues where A stopped');
    for (const l of [la, lb]) {
      const d = await acquire(l, 'app');
      assert.equal(d.allowed, false);
      assert.equal(d.limit, 10);
      assert.equal(d.remaining, 0);
      assert.ok(d.retryAfterMs > 9_000 && d.retryAfterMs <= 10_000, `retryAfterMs ${d.retryAfterMs}`);
      assert.ok(d.resetMs >= 99_000 && d.resetMs <= 100_000, `resetMs ${d.resetMs}`);
    }
    assert.deepEqual({ shared: a.stats().shared + b.stats().shared, local: a.stats().local, failures: b.stats().failures }, { shared: 12, local: 0, failures: 0 });
  });

  it('decides like the local TokenBucketLimiter (burst, remaining, retry-after)', async () => {
    const a = limits(url, { keyPrefix: uniqueName('rl') });
    await shared(a);
    const remote = limiter(a, 1, 5);
    const ref = new TokenBucketLimiter({ ratePerSec: 1, capacity: 5, maxKeys: 10, clock: new ManualClock() });
    for (const cost of [1, 2, 1, 1, 1, 1]) {
      const [r, l] = [await acquire(remote, 'k', cost), ref.tryAcquire('k', cost)];
      assert.equal(r.allowed, l.allowed, `cost ${cost}`);
      assert.equal(r.remaining, l.remaining);
      assert.equal(r.limit, l.limit);
      // The shared bucket refilled a little while the test ran; the local one did not (frozen clock).
      assert.ok(r.retryAfterMs <= l.retryAfterMs && r.retryAfterMs >= l.retryAfterMs - 500, `retry ${r.retryAfterMs} vs ${l.retryAfterMs}`);
      assert.ok(r.resetMs <= l.resetMs && r.resetMs >= l.resetMs - 500, `reset ${r.resetMs} vs ${l.resetMs}`);
    }
  });

  it('lets a cost above capacity through when the bucket is full and makes later ones wait out the debt', async () => {
    const a = limits(url, { keyPrefix: uniqueName('rl') });
    await shared(a);
    const bytes = limiter(a, 1000, 1000, '*:perApp:bytes');
    const big = await acquire(bytes, 'k', 3000);
    assert.equal(big.allowed, true);
    assert.equal(big.remaining, 0);
    const next = await acquire(bytes, 'k', 100);
    assert.equal(next.allowed, false);
    assert.ok(next.retryAfterMs > 1_500 && next.retryAfterMs <= 2_100, `retryAfterMs ${next.retryAfterMs}`);
  });

  it('keeps keys and rules apart, and lets idle buckets expire', async () => {
    const keyPrefix = uniqueName('rl');
    const a = limits(url, { keyPrefix });
    await shared(a);
    const perApp = limiter(a, 0.1, 2);
    const perTopic = limiter(a, 0.1, 2, '*:perAppTopic:requests');
    assert.equal(await drain(perApp, 'a'), 2);
    assert.equal(await drain(perApp, 'b'), 2);
    assert.equal(await drain(perTopic, 'a'), 2);
    const admin = new Redis(url.includes('://') ? url : `redis://${url}`);
    try {
      const keys = await admin.keys(`${keyPrefix}:*`);
      assert.deepEqual(keys.sort(), [`${keyPrefix}:*:perApp:requests:a`, `${keyPrefix}:*:perApp:requests:b`, `${keyPrefix}:*:perAppTopic:requests:a`]);
      for (const k of keys) {
        const ttl = await admin.pttl(k);
        assert.ok(ttl > 15_000 && ttl <= 20_000 + 1_000, `${k} expires once full again (20 s, +1 s), pttl ${ttl}`);
      }
    } finally {
      admin.disconnect();
    }
  });

  it('refills at the configured rate', async () => {
    const a = limits(url, { keyPrefix: uniqueName('rl') });
    await shared(a);
    const fast = limiter(a, 20, 1);
    // However slow the machine, some request finds the bucket empty; it is told the wait for one token (50 ms).
    const refused = await waitFor(
      async () => {
        const d = await acquire(fast, 'k');
        return d.allowed ? undefined : d;
      },
      { timeoutMs: 5_000, intervalMs: 1, message: 'a refusal' },
    );
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 50, `one token per 50 ms, got ${refused.retryAfterMs}`);
    assert.ok(refused.resetMs > 0 && refused.resetMs <= 50);
    await waitFor(async () => (await acquire(fast, 'k')).allowed, { timeoutMs: 2_000, intervalMs: 10, message: 'refill' });
  });

  it('applies per-app quotas from tenant meta to the default per-app rule, on every instance', async () => {
    const keyPrefix = uniqueName('rl');
    const [a, b] = [limits(url, { keyPrefix }), limits(url, { keyPrefix })];
    await shared(a, b);
    const quotas = { vip: { requestsPerSec: 0.05 }, heavy: { bytesPerSec: 10 } };
    a.setQuotas(quotas);
    b.setQuotas(new Map(Object.entries(quotas)));
    const [la, lb] = [limiter(a, 0.1, 10), limiter(b, 0.1, 10)];
    assert.equal(await drain(la, 'plain'), 10);
    assert.equal(await drain(la, 'heavy'), 10, 'a bytes quota leaves the requests rule alone');
    assert.equal((await acquire(la, 'vip')).limit, 5, '0.05/s × 100 s of burst');
    assert.equal(await drain(lb, 'vip'), 4, 'B shares the quota bucket');
    // A config-file override for an app (rateLimit.apps) is not replaced by the quota.
    assert.equal((await acquire(limiter(a, 0.1, 10, 'vip:perApp:requests'), 'vip')).limit, 10);
    a.setQuotas({});
    assert.equal((await acquire(la, 'vip')).limit, 10, 'quota removed: the rule again');
  });

  it('fills in defaults, and rejects bad options before connecting', () => {
    assert.deepEqual(resolveRedisLimitOptions({ url: '127.0.0.1:6379', openMs: undefined }), {
      url: '127.0.0.1:6379',
      keyPrefix: 'kateway:rl',
      commandTimeoutMs: 250,
      connectTimeoutMs: 1_000,
      openMs: 1_000,
      reconnectMaxDelayMs: 1_000,
      fallbackShare: 1,
    });
    const bad: Partial<RedisLimitOptions>[] = [{ url: '' }, { url: 'nohost' }, { url: '127.0.0.1:0' }, { fallbackShare: 0 }, { fallbackShare: 2 }, { commandTimeoutMs: 0 }, { openMs: -1 }, { keyPrefix: '' }];
    for (const o of bad) assert.throws(() => new RedisRateLimits({ url: '127.0.0.1:6379', ...o }, { logger: silentLogger }), RangeError, JSON.stringify(o));
  });
});

describe('RedisRateLimits > Redis unavailable', () => {
  let redis: PrivateServer;
  before(async () => (redis = await startPrivateRedis()));
  after(() => redis.close());

  it('decides locally and synchronously while Redis is stopped, and shares again once it is back', async () => {
    const keyPrefix = uniqueName('rl');
    const [a, b] = [limits(redis.connectString, { keyPrefix }), limits(redis.connectString, { keyPrefix, fallbackShare: 0.5 })];
    await shared(a, b);
    const [la, lb] = [limiter(a, 0.1, 10), limiter(b, 0.1, 10)];
    assert.equal(await drain(la, 'app'), 10);
    assert.equal((await acquire(lb, 'app')).allowed, false, 'shared: A used the bucket up');

    await redis.stop();
    await local(a, b);
    const d = la.tryAcquire('app', 1);
    assert.ok(!(d instanceof Promise), 'no Redis call, no promise while the link is down');
    assert.equal(d.allowed, true, 'local bucket, full');
    let n = 1;
    for (;;) {
      const x = la.tryAcquire('app', 1) as RateDecision;
      if (!x.allowed) {
        assert.deepEqual({ limit: x.limit, remaining: x.remaining }, { limit: 10, remaining: 0 });
        assert.ok(x.retryAfterMs > 0 && x.resetMs > 0);
        break;
      }
      n++;
    }
    assert.equal(n, 10, 'A alone: the full rule');
    assert.equal(await drain(lb, 'app'), 5, 'B: fallbackShare 0.5 of the rule, its own bucket');

    await redis.restart();
    await shared(a, b);
    // The restarted Redis is empty (no persistence, scripts reloaded on NOSCRIPT): one fresh bucket for both.
    assert.equal(await drain(la, 'app'), 10);
    assert.equal((await acquire(lb, 'app')).allowed, false, 'shared again');
    const s = a.stats();
    assert.ok(s.shared >= 21 && s.local === 11 && s.failures === 0, JSON.stringify(s));
    assert.equal(s.mode, 'shared');
  });

  it('goes local at once when Redis is killed under a stream of decisions, never throwing', async () => {
    const a = limits(redis.connectString, { keyPrefix: uniqueName('rl') });
    await shared(a);
    const l = limiter(a, 1_000_000, 1_000_000);
    const results: Promise<RateDecision>[] = [];
    for (let i = 0; i < 200; i++) results.push(acquire(l, `k${i % 10}`));
    await redis.kill();
    for (let i = 0; i < 200; i++) results.push(acquire(l, `k${i % 10}`));
    const all = await Promise.all(results);
    assert.ok(all.every((d) => d.allowed));
    await local(a);
    assert.ok(!(l.tryAcquire('k', 1) instanceof Promise));
    await redis.restart();
    await shared(a);
    assert.equal((await acquire(l, 'k')).allowed, true);
  });

  it('spends one command timeout on a hung Redis, then stays local until a probe finds it answering', async () => {
    const clock = new ManualClock();
    const a = limits(redis.connectString, { keyPrefix: uniqueName('rl'), commandTimeoutMs: 100, openMs: 1_000 }, clock);
    const admin = new Redis(redis.port, '127.0.0.1');
    try {
      await shared(a);
      const l = limiter(a, 1000, 1000);
      assert.equal((await acquire(l, 'k')).allowed, true);
      await admin.call('CLIENT', 'PAUSE', '30000', 'WRITE'); // scripts that write wait: Redis "hangs" for the limiter
      const t0 = performance.now();
      const first = l.tryAcquire('k', 1);
      assert.ok(first instanceof Promise);
      assert.equal((await first).allowed, true, 'the local answer, not an error');
      const waited = performance.now() - t0;
      assert.ok(waited >= 90 && waited < 2_000, `bounded by the command timeout, waited ${waited.toFixed(0)} ms`);
      assert.equal(a.stats().breaker, 'open');
      assert.ok(!(l.tryAcquire('k', 1) instanceof Promise), 'open: local without waiting');
      clock.advance(1_000);
      const probe = l.tryAcquire('k', 1);
      assert.ok(probe instanceof Promise, 'after the cool-off one call probes Redis');
      assert.ok(!(l.tryAcquire('k', 1) instanceof Promise), 'the others stay local meanwhile');
      await probe;
      assert.equal(a.stats().breaker, 'open', 'probe timed out: open again');
      await admin.call('CLIENT', 'UNPAUSE');
      clock.advance(1_000);
      assert.equal((await acquire(l, 'k')).allowed, true);
      assert.equal(a.mode, 'shared');
      assert.equal(a.stats().failures, 2);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
    }
  });
});
