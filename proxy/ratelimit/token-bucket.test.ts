// TokenBucketLimiter: burst, refill, retry-after, debt for oversized costs, bounded key count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../util/manual-clock.js';
import { TokenBucketLimiter } from './token-bucket.js';

describe('TokenBucketLimiter > tryAcquire', () => {
  it('allows a burst of `capacity`, then refuses with the wait until one token is back', () => {
    const clock = new ManualClock();
    const l = new TokenBucketLimiter({ ratePerSec: 10, capacity: 5, maxKeys: 10, clock });
    for (let i = 0; i < 5; i++) assert.equal(l.tryAcquire('a', 1).allowed, true);
    const d = l.tryAcquire('a', 1);
    assert.deepEqual(d, { allowed: false, retryAfterMs: 100, limit: 5, remaining: 0, resetMs: 500 });
    clock.advance(100);
    assert.equal(l.tryAcquire('a', 1).allowed, true);
  });

  it('keeps keys apart', () => {
    const l = new TokenBucketLimiter({ ratePerSec: 1, capacity: 1, maxKeys: 10, clock: new ManualClock() });
    assert.equal(l.tryAcquire('a', 1).allowed, true);
    assert.equal(l.tryAcquire('b', 1).allowed, true);
    assert.equal(l.tryAcquire('a', 1).allowed, false);
  });

  it('lets a cost above capacity through when full, and makes later requests wait out the debt', () => {
    const clock = new ManualClock();
    const l = new TokenBucketLimiter({ ratePerSec: 1000, capacity: 1000, maxKeys: 10, clock });
    assert.equal(l.tryAcquire('a', 3000).allowed, true);
    const d = l.tryAcquire('a', 100);
    assert.equal(d.allowed, false);
    assert.equal(d.retryAfterMs, 2100);
    clock.advance(2100);
    assert.equal(l.tryAcquire('a', 100).allowed, true);
  });

  it('never holds more than maxKeys buckets', () => {
    const clock = new ManualClock();
    const l = new TokenBucketLimiter({ ratePerSec: 1, capacity: 10, maxKeys: 100, clock });
    for (let i = 0; i < 1000; i++) l.tryAcquire(`k${i}`, 1);
    assert.ok(l.size <= 100);
  });
});
