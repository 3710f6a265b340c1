// BoundedLoadPolicy over the ring: conformance, no host above its capacity, and plain hashing when load is even.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeHosts, setOf } from '../testing/hosts.js';
import { BoundedLoadPolicy } from './bounded-load.js';
import { runBalancerConformance } from './conformance.case.test.js';
import { ConsistentHashPolicy } from './consistent-hash.js';

runBalancerConformance({ newPolicy: () => new BoundedLoadPolicy(new ConsistentHashPolicy(), 1.25), keyed: true });

describe('BoundedLoadPolicy > pick', () => {
  it('keeps every host within ceil(1.25 × average) while long sessions pile up', () => {
    const hosts = makeHosts(4);
    const set = setOf(hosts);
    const p = new BoundedLoadPolicy(new ConsistentHashPolicy(), 1.25);
    // 400 sessions that never end, half of them on one hot key: plain hashing would put 200+ on one host.
    for (let i = 0; i < 400; i++) {
      const h = p.pick(set, { key: i % 2 ? 'hot/key' : `k${i}` })!;
      h.inflight++;
      const total = hosts.reduce((s, x) => s + x.inflight, 0);
      for (const x of hosts) assert.ok(x.inflight <= Math.ceil((1.25 * total) / 4), `${x.gatewayId}=${x.inflight} total=${total}`);
    }
  });

  it('agrees with the plain ring while no host is above its bound', () => {
    const set = setOf(makeHosts(3));
    const ring = new ConsistentHashPolicy();
    const p = new BoundedLoadPolicy(ring, 1.25);
    for (let i = 0; i < 1000; i++) assert.equal(p.pick(set, { key: `k${i}` }), ring.pick(set, { key: `k${i}` }));
  });

  it('rejects a factor below 1', () => {
    assert.throws(() => new BoundedLoadPolicy(new ConsistentHashPolicy(), 0.9), RangeError);
  });
});
