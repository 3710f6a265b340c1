// Unit tests of CircuitBreaker with a fake clock: open, reject, half-open probe, close.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from './circuit-breaker.js';

const fakeClock = () => {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
};

describe('CircuitBreaker', () => {
  it('stays closed below the failure threshold and a success resets the count', () => {
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 100, now: fakeClock().now });
    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    b.onFailure();
    assert.equal(b.state, 'closed');
    assert.deepEqual(b.tryAcquire(), { allowed: true });
  });

  it('opens after N consecutive failures and rejects with the remaining open time', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 100, now: clock.now });
    for (let i = 0; i < 3; i++) b.onFailure();
    assert.equal(b.state, 'open');
    assert.equal(b.opens, 1);
    clock.advance(30);
    assert.deepEqual(b.tryAcquire(), { allowed: false, retryAfterMs: 70 });
  });

  it('lets exactly one probe through when half-open; its success closes the breaker', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker({ failureThreshold: 1, openMs: 100, now: clock.now });
    b.onFailure();
    clock.advance(100);
    assert.equal(b.state, 'half-open');
    assert.deepEqual(b.tryAcquire(), { allowed: true });
    assert.equal(b.tryAcquire().allowed, false, 'a second caller waits for the probe');
    b.onSuccess();
    assert.equal(b.state, 'closed');
    assert.deepEqual(b.tryAcquire(), { allowed: true });
  });

  it('re-opens for a full period when the probe fails', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker({ failureThreshold: 2, openMs: 100, now: clock.now });
    b.onFailure();
    b.onFailure();
    clock.advance(150);
    assert.equal(b.tryAcquire().allowed, true);
    b.onFailure();
    assert.equal(b.state, 'open');
    assert.equal(b.opens, 2);
    assert.deepEqual(b.tryAcquire(), { allowed: false, retryAfterMs: 100 });
  });

  it('a neutral outcome of the probe (backend answered) closes the breaker', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker({ failureThreshold: 1, openMs: 10, now: clock.now });
    b.onFailure();
    clock.advance(10);
    assert.equal(b.tryAcquire().allowed, true);
    b.onNeutral();
    assert.equal(b.state, 'closed');
  });

  it('ignores failures of calls admitted before it opened', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker({ failureThreshold: 1, openMs: 100, now: clock.now });
    b.onFailure();
    clock.advance(50);
    b.onFailure();
    assert.deepEqual(b.tryAcquire(), { allowed: false, retryAfterMs: 50 });
  });

  it('rejects invalid options at construction', () => {
    assert.throws(() => new CircuitBreaker({ failureThreshold: 0 }), TypeError);
    assert.throws(() => new CircuitBreaker({ openMs: 0 }), TypeError);
  });
});
