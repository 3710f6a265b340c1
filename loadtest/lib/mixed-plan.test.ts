// Tests which mixed rows npm run bench repeats (the ones issue 5 judges) and which it runs once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mixedPlan } from './mixed-plan.js';

describe('mixed-plan', () => {
  it('repeats the chunked and WebSocket rows through the proxy on a judged store, then runs batch=1 once', () => {
    assert.deepEqual(mixedPlan('sqlite', ['direct', 'proxy'], 3, false), {
      rounds: 3,
      repeated: [
        { path: 'proxy', mode: 'chunked' },
        { path: 'proxy', mode: 'ws' },
      ],
      once: [{ path: 'proxy', mode: 'longpoll' }],
    });
    assert.equal(mixedPlan('kafka', ['direct', 'proxy'], 5, false).rounds, 5);
  });

  it('runs the memory store, and --quick, once with the two push modes and no batch=1 row', () => {
    const once = { rounds: 1, repeated: [], once: [{ path: 'proxy', mode: 'chunked' }, { path: 'proxy', mode: 'ws' }] };
    assert.deepEqual(mixedPlan('memory', ['direct', 'proxy'], 3, false), once);
    assert.deepEqual(mixedPlan('sqlite', ['direct', 'proxy'], 3, true), once);
  });

  it('falls back to the direct path without a proxy, and to nothing without a front', () => {
    assert.deepEqual(mixedPlan('sqlite', ['direct'], 3, false).repeated.map((v) => v.path), ['direct', 'direct']);
    assert.deepEqual(mixedPlan('sqlite', [], 3, false), { rounds: 0, repeated: [], once: [] });
  });
});
