// P2cLeastRequestPolicy: conformance plus Envoy's simulation figures (44/44/11 and 25/75).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeHost, makeHosts, setOf } from '../testing/hosts.js';
import { seededRandom } from '../util/random.js';
import { runBalancerConformance } from './conformance.case.test.js';
import { P2cLeastRequestPolicy } from './p2c-least-request.js';

runBalancerConformance({ newPolicy: () => new P2cLeastRequestPolicy(seededRandom(1)), keyed: false });

function shares(hostsBusy: number[], picks: number): number[] {
  const hosts = makeHosts(hostsBusy.length);
  hostsBusy.forEach((n, i) => (hosts[i]!.inflight = n));
  const set = setOf(hosts);
  const p = new P2cLeastRequestPolicy(seededRandom(42));
  const counts = hosts.map(() => 0);
  for (let i = 0; i < picks; i++) counts[hosts.indexOf(p.pick(set)!)]!++;
  return counts.map((c) => (100 * c) / picks);
}

describe('P2cLeastRequestPolicy > simulation', () => {
  it('lands near 44.4/44.4/11.1 % with one busy host of three (100,000 picks, ±1 %)', () => {
    const [a, b, busy] = shares([0, 0, 5], 100_000);
    assert.ok(Math.abs(a! - 44.44) < 1, `a=${a}`);
    assert.ok(Math.abs(b! - 44.44) < 1, `b=${b}`);
    assert.ok(Math.abs(busy! - 11.11) < 1, `busy=${busy}`);
  });

  it('lands near 75/25 % with one busy host of two', () => {
    const [idle, busy] = shares([0, 3], 100_000);
    assert.ok(Math.abs(idle! - 75) < 1, `idle=${idle}`);
    assert.ok(Math.abs(busy! - 25) < 1, `busy=${busy}`);
  });

  it('weighs load by capacity: a 4-cpu host with 3 in flight beats a 1-cpu host with 1', () => {
    const big = makeHost('big', { weight: 4 });
    const small = makeHost('small', { weight: 1 });
    big.inflight = 3;
    small.inflight = 1;
    const p = new P2cLeastRequestPolicy(seededRandom(7));
    const set = setOf([big, small]);
    for (let i = 0; i < 200; i++) {
      const h = p.pick(set)!;
      // (3+1)/4 = 1 < (1+1)/1 = 2: whenever both are drawn, big wins; small only when drawn twice.
      if (h === small) continue;
      assert.equal(h, big);
    }
  });
});
