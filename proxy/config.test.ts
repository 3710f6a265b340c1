// resolveProxyConfig: documented defaults, merging, validation that names the bad field, frozen result.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PORT, resolveProxyConfig } from './config.js';

describe('resolveProxyConfig', () => {
  it('defaults to one listener on 10891 for all routes, P2C publishes, hashed subs, 1 s connect timeout', () => {
    const c = resolveProxyConfig({ workers: 1 });
    assert.deepEqual(c.listeners, [{ port: DEFAULT_PORT, host: '0.0.0.0', service: 'all' }]);
    assert.equal(c.balancing.pub, 'p2c');
    assert.equal(c.balancing.sub, 'consistent-hash');
    assert.equal(c.balancing.man, 'round-robin');
    assert.equal(c.upstream.connectTimeoutMs, 1000);
    assert.equal(c.upstream.subTimeoutMs, 40_000);
  });

  it('merges nested options over the defaults', () => {
    const c = resolveProxyConfig({ upstream: { connectTimeoutMs: 250 }, listeners: [{ port: 0, service: 'sub' }] });
    assert.equal(c.upstream.connectTimeoutMs, 250);
    assert.equal(c.upstream.pubTimeoutMs, 30_000);
    assert.deepEqual(c.listeners[0], { port: 0, host: '0.0.0.0', service: 'sub' });
  });

  it('is deeply frozen', () => {
    const c = resolveProxyConfig({});
    assert.throws(() => ((c.upstream as { connectTimeoutMs: number }).connectTimeoutMs = 5), TypeError);
  });

  it('names the first bad field', () => {
    assert.throws(() => resolveProxyConfig({ upstream: { connectTimeoutMs: 0 } }), /upstream\.connectTimeoutMs/);
    assert.throws(() => resolveProxyConfig({ balancing: { pub: 'random' as never } }), /balancing\.pub/);
    assert.throws(() => resolveProxyConfig({ balancing: { balanceFactor: 0.5 } }), /balanceFactor/);
    assert.throws(() => resolveProxyConfig({ listeners: [{ port: 80 }, { port: 80 }] }), /duplicate/);
    assert.throws(() => resolveProxyConfig({ rateLimit: { perApp: { requestsPerSec: -1 } } }), /rateLimit\.perApp\.requestsPerSec/);
    assert.throws(() => resolveProxyConfig({ health: { baseEjectionMs: 1000, maxEjectionMs: 10 } }), /maxEjectionMs/);
    assert.throws(() => resolveProxyConfig({ accept: 'kernel' as never }), /accept/);
  });
});
