// ConsistentHashPolicy: conformance, minimal disruption on 10,000 keys, agreement between instances, weights.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeHost, makeHosts, setOf } from '../testing/hosts.js';
import type { Host } from '../upstream/host.js';
import { runBalancerConformance } from './conformance.case.test.js';
import { ConsistentHashPolicy } from './consistent-hash.js';

runBalancerConformance({ newPolicy: () => new ConsistentHashPolicy(), keyed: true });

const KEYS = Array.from({ length: 10_000 }, (_, i) => `app${i % 97}/group-${i}`);

function owners(p: ConsistentHashPolicy, hosts: readonly Host[]): string[] {
  const set = setOf(hosts);
  return KEYS.map((k) => p.pick(set, { key: k })!.gatewayId);
}

describe('ConsistentHashPolicy > membership changes (10,000 keys)', () => {
  for (const n of [2, 3, 5, 8]) {
    it(`adding a gateway to ${n} moves about 1/${n + 1} of the keys, all of them to the newcomer`, () => {
      const p = new ConsistentHashPolicy();
      const hosts = makeHosts(n + 1);
      const before = owners(p, hosts.slice(0, n));
      const after = owners(p, hosts);
      const newcomer = hosts[n]!.gatewayId;
      let moved = 0;
      for (let i = 0; i < KEYS.length; i++) {
        if (before[i] === after[i]) continue;
        moved++;
        assert.equal(after[i], newcomer, `key ${KEYS[i]} moved between surviving gateways`);
      }
      const expected = KEYS.length / (n + 1);
      assert.ok(moved > expected * 0.6 && moved < expected * 1.4, `moved ${moved}, expected about ${expected}`);
    });
  }

  it('removing a gateway moves only the keys it owned', () => {
    const p = new ConsistentHashPolicy();
    const hosts = makeHosts(4);
    const before = owners(p, hosts);
    const after = owners(p, [hosts[0]!, hosts[1]!, hosts[3]!]);
    for (let i = 0; i < KEYS.length; i++) {
      if (before[i] !== 'g003') assert.equal(after[i], before[i]);
    }
  });

  it('two independent instances agree on every key, whatever order they learnt the gateways in', () => {
    const a = new ConsistentHashPolicy();
    const b = new ConsistentHashPolicy();
    const hostsA = makeHosts(5);
    const hostsB = makeHosts(5).reverse(); // separate Host objects, discovered in another order
    assert.deepEqual(owners(a, hostsA), owners(b, hostsB));
  });

  it('spreads keys by weight: a 2-cpu gateway owns about twice the keys of a 1-cpu one', () => {
    const p = new ConsistentHashPolicy();
    const hosts = [makeHost('a', { weight: 2 }), makeHost('b'), makeHost('c')];
    const counts = new Map<string, number>();
    for (const o of owners(p, hosts)) counts.set(o, (counts.get(o) ?? 0) + 1);
    const a = counts.get('a')! / KEYS.length;
    assert.ok(a > 0.42 && a < 0.58, `a owns ${a}`);
    const shares = p.shares(setOf(hosts));
    const sum = [...shares.values()].reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9);
  });
});

describe('ConsistentHashPolicy > unavailable owner', () => {
  it('sends the keys of an ejected gateway to the next gateway on the ring, and only those', () => {
    const p = new ConsistentHashPolicy();
    const hosts = makeHosts(4);
    const set = setOf(hosts);
    const before = KEYS.map((k) => p.pick(set, { key: k })!);
    hosts[2]!.ejected = true;
    const during = KEYS.map((k) => p.pick(set, { key: k })!);
    hosts[2]!.ejected = false;
    const after = KEYS.map((k) => p.pick(set, { key: k })!);
    for (let i = 0; i < KEYS.length; i++) {
      if (before[i] === hosts[2]) {
        assert.notEqual(during[i], hosts[2]);
        assert.equal(during[i], [...p.rank(set, KEYS[i]!)][1], 'goes to the second host in ring order');
      } else {
        assert.equal(during[i], before[i]);
      }
      assert.equal(after[i], before[i], 'returns to its owner once the owner is back');
    }
  });

  it('ranks every member exactly once', () => {
    const p = new ConsistentHashPolicy();
    const set = setOf(makeHosts(6));
    const ranked = [...p.rank(set, 'x/y')];
    assert.equal(new Set(ranked).size, 6);
  });
});
