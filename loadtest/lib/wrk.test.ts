// Tests that wrk's text report is parsed into numbers (units, errors, non-2xx).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDurationMs, parseWrk } from './wrk.js';

const clean = `Running 8s test @ http://127.0.0.1:9191/v1/msgs/bench/v1
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.60ms  420.11us   9.87ms   80.00%
    Req/Sec    35.10k     1.20k   38.00k    70.00%
  Latency Distribution
     50%    1.59ms
     75%    1.80ms
     90%    2.01ms
     99%    8.41ms
  279361 requests in 8.00s, 40.23MB read
Requests/sec:  34920.12
Transfer/sec:      5.03MB
`;

describe('wrk > parseWrk', () => {
  it('reads requests, duration, p50 and p99 of a clean run', () => {
    const r = parseWrk(clean);
    assert.equal(r.requests, 279361);
    assert.equal(r.seconds, 8);
    assert.equal(Math.round(r.rps), 34920);
    assert.equal(r.p50Ms, 1.59);
    assert.equal(r.p99Ms, 8.41);
    assert.equal(r.non2xx, 0);
    assert.deepEqual(r.errors, { connect: 0, read: 0, write: 0, timeout: 0 });
  });

  it('reads socket errors, non-2xx responses and second/microsecond latencies', () => {
    const out = clean
      .replace('     50%    1.59ms', '     50%  850.00us')
      .replace('     99%    8.41ms', '     99%    1.05s ')
      .replace('Requests/sec', '  Socket errors: connect 0, read 2, write 0, timeout 12\n  Non-2xx or 3xx responses: 5\nRequests/sec');
    const r = parseWrk(out);
    assert.equal(r.p50Ms, 0.85);
    assert.equal(r.p99Ms, 1050);
    assert.equal(r.non2xx, 5);
    assert.deepEqual(r.errors, { connect: 0, read: 2, write: 0, timeout: 12 });
  });

  it('throws on output without a summary', () => {
    assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused'), /not understood/);
  });

  it('converts every wrk unit to milliseconds', () => {
    assert.equal(parseDurationMs('250.00us'), 0.25);
    assert.equal(parseDurationMs('2.50ms'), 2.5);
    assert.equal(parseDurationMs('1.20s'), 1200);
    assert.equal(parseDurationMs('1.00m'), 60_000);
    assert.ok(Number.isNaN(parseDurationMs('fast')));
  });
});
