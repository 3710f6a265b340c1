// RedisBreaker: closed while calls succeed, open for openMs after a failure, one half-open probe, connection gate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../util/manual-clock.js';
import { RedisBreaker, type BreakerState } from './redis-breaker.js';

function setup(openMs = 1000) {
  const clock = new ManualClock();
  const conn = { up: true };
  const changes: BreakerState[] = [];
  const b = new RedisBreaker({ clock, openMs, connected: () => conn.up, onChange: (s) => changes.push(s) });
  return { clock, conn, changes, b };
}

describe('RedisBreaker > tryUse', () => {
  it('lets every call through while closed and connected', () => {
    const { b } = setup();
    for (let i = 0; i < 5; i++) assert.equal(b.tryUse(), true);
    assert.equal(b.state, 'closed');
  });

  it('refuses every call while the connection is not ready, whatever the state', () => {
    const { b, conn } = setup();
    conn.up = false;
    assert.equal(b.tryUse(), false);
    assert.equal(b.state, 'closed');
    conn.up = true;
    assert.equal(b.tryUse(), true);
  });

  it('opens for openMs after a failure, then lets exactly one probe through', () => {
    const { b, clock, changes } = setup(1000);
    b.failed();
    assert.equal(b.tryUse(), false);
    clock.advance(999);
    assert.equal(b.tryUse(), false);
    clock.advance(1);
    assert.equal(b.tryUse(), true, 'the first call after the cool-off probes');
    assert.equal(b.state, 'probing');
    assert.equal(b.tryUse(), false, 'others stay local while the probe is out');
    b.succeeded();
    assert.equal(b.tryUse(), true);
    assert.deepEqual(changes, ['open', 'probing', 'closed']);
  });

  it('reopens for another openMs when the probe fails', () => {
    const { b, clock } = setup(500);
    b.failed();
    clock.advance(500);
    assert.equal(b.tryUse(), true);
    b.failed();
    assert.equal(b.state, 'open');
    clock.advance(499);
    assert.equal(b.tryUse(), false);
    clock.advance(1);
    assert.equal(b.tryUse(), true);
  });

  it('a late failure of a call sent before the probe extends the cool-off', () => {
    const { b, clock } = setup(1000);
    b.failed();
    clock.advance(600);
    b.failed();
    clock.advance(600);
    assert.equal(b.tryUse(), false, '1,000 ms have not passed since the last failure');
    clock.advance(400);
    assert.equal(b.tryUse(), true);
  });

  it('reset (a fresh connection) closes it at once', () => {
    const { b } = setup();
    b.failed();
    b.reset();
    assert.equal(b.state, 'closed');
    assert.equal(b.tryUse(), true);
  });

  it('rejects a negative openMs', () => {
    assert.throws(() => new RedisBreaker({ clock: new ManualClock(), openMs: -1, connected: () => true }), RangeError);
  });
});
