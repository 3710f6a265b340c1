// RoundRobinPolicy: conformance plus the exact smooth weighted order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeHost, makeHosts, setOf } from '../testing/hosts.js';
import { runBalancerConformance } from './conformance.case.test.js';
import { RoundRobinPolicy } from './round-robin.js';

runBalancerConformance({ newPolicy: () => new RoundRobinPolicy(), keyed: false });

describe('RoundRobinPolicy > pick', () => {
  it('rotates strictly over equal weights', () => {
    const set = setOf(makeHosts(3));
    const p = new RoundRobinPolicy();
    const ids = Array.from({ length: 6 }, () => p.pick(set)!.gatewayId);
    assert.deepEqual(ids, ['g001', 'g002', 'g003', 'g001', 'g002', 'g003']);
  });

  it('interleaves weights 5,1,1 as a a b a c a a (nginx smooth WRR)', () => {
    const set = setOf([makeHost('a', { weight: 5 }), makeHost('b'), makeHost('c')]);
    const p = new RoundRobinPolicy();
    const ids = Array.from({ length: 7 }, () => p.pick(set)!.gatewayId).join(' ');
    assert.equal(ids, 'a a b a c a a');
  });

  it('skips an ejected host and keeps the rotation of the others', () => {
    const hosts = makeHosts(3);
    const set = setOf(hosts);
    const p = new RoundRobinPolicy();
    hosts[1]!.ejected = true;
    const ids = Array.from({ length: 4 }, () => p.pick(set)!.gatewayId);
    assert.deepEqual(ids, ['g001', 'g003', 'g001', 'g003']);
  });
});
