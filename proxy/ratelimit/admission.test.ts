// Admission: which rules apply to a request, per-app overrides, async limiters through the same seam.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaults, type RateLimitConfig } from '../config.js';
import { ManualClock } from '../util/manual-clock.js';
import { Admission, localLimiterFactory } from './admission.js';
import type { RateDecision } from './limiter.js';

const cfg = (o: Partial<RateLimitConfig>): RateLimitConfig => ({ ...defaults.rateLimit, ...o });

describe('Admission > check', () => {
  it('is disabled without rules', () => {
    const a = new Admission(cfg({}), localLimiterFactory(new ManualClock(), 10));
    assert.equal(a.enabled, false);
    assert.equal(a.check({ appid: 'a', topic: 't', bytes: 1 }), undefined);
  });

  it('limits requests per app across topics', () => {
    const a = new Admission(cfg({ perApp: { requestsPerSec: 2 } }), localLimiterFactory(new ManualClock(), 10));
    assert.equal(a.check({ appid: 'a', topic: 't1', bytes: 0 }), undefined);
    assert.equal(a.check({ appid: 'a', topic: 't2', bytes: 0 }), undefined);
    assert.equal((a.check({ appid: 'a', topic: 't3', bytes: 0 }) as RateDecision).allowed, false);
    assert.equal(a.check({ appid: 'b', topic: 't1', bytes: 0 }), undefined);
  });

  it('limits bytes per app and topic', () => {
    const a = new Admission(cfg({ perAppTopic: { bytesPerSec: 1000 } }), localLimiterFactory(new ManualClock(), 10));
    assert.equal(a.check({ appid: 'a', topic: 't', bytes: 800 }), undefined);
    assert.equal((a.check({ appid: 'a', topic: 't', bytes: 800 }) as RateDecision).allowed, false);
    assert.equal(a.check({ appid: 'a', topic: 'other', bytes: 800 }), undefined);
  });

  it('applies a per-app override instead of the default rule', () => {
    const a = new Admission(
      cfg({ perApp: { requestsPerSec: 1 }, apps: { vip: { perApp: { requestsPerSec: 100 } } } }),
      localLimiterFactory(new ManualClock(), 10),
    );
    for (let i = 0; i < 50; i++) assert.equal(a.check({ appid: 'vip', topic: undefined, bytes: 0 }), undefined);
    a.check({ appid: 'x', topic: undefined, bytes: 0 });
    assert.notEqual(a.check({ appid: 'x', topic: undefined, bytes: 0 }), undefined);
  });

  it('does not limit requests without an Appid', () => {
    const a = new Admission(cfg({ perApp: { requestsPerSec: 1 } }), localLimiterFactory(new ManualClock(), 10));
    for (let i = 0; i < 5; i++) assert.equal(a.check({ appid: undefined, topic: 't', bytes: 0 }), undefined);
  });

  it('accepts an asynchronous limiter (the Redis seam)', async () => {
    const refuse: RateDecision = { allowed: false, retryAfterMs: 1500, limit: 1, remaining: 0, resetMs: 1500 };
    const a = new Admission(cfg({ perApp: { requestsPerSec: 1 } }), () => ({ tryAcquire: async () => refuse }));
    assert.deepEqual(await a.check({ appid: 'a', topic: undefined, bytes: 0 }), refuse);
  });
});
