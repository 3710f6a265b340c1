// The contract every BalancerPolicy honours; each policy's test file runs it (Hono's runTest pattern).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeHosts, setOf } from '../testing/hosts.js';
import { HostSet } from '../upstream/host-set.js';
import type { BalancerPolicy } from './policy.js';

export interface ConformanceOptions {
  /** A fresh policy per test. */
  newPolicy: () => BalancerPolicy;
  /** Whether the policy uses ctx.key (hash policies): keys are then varied to reach every host. */
  keyed: boolean;
  /** Test names to skip, each with the reason. */
  skip?: Record<string, string>;
}

const keyFor = (i: number): string => `app${i}/group${i * 7}`;

export function runBalancerConformance(opts: ConformanceOptions): void {
  const { newPolicy, keyed } = opts;
  const test = (name: string, fn: () => void): void => {
    const reason = opts.skip?.[name];
    it(name, reason ? { skip: reason } : {}, fn);
  };

  describe(`BalancerPolicy conformance > ${newPolicy().name}`, () => {
    test('returns undefined for an empty set', () => {
      assert.equal(newPolicy().pick(new HostSet('pub', []), { key: 'k' }), undefined);
    });

    test('returns undefined when every host is ejected or full', () => {
      const hosts = makeHosts(3);
      hosts[0]!.ejected = true;
      hosts[1]!.ejected = true;
      hosts[2]!.maxInflight = 1;
      hosts[2]!.inflight = 1;
      assert.equal(newPolicy().pick(setOf(hosts), { key: 'k' }), undefined);
    });

    test('never returns an unavailable or excluded host', () => {
      const hosts = makeHosts(5);
      hosts[1]!.ejected = true;
      hosts[3]!.maxInflight = 2;
      hosts[3]!.inflight = 2;
      const set = setOf(hosts);
      const p = newPolicy();
      for (let i = 0; i < 2000; i++) {
        const h = p.pick(set, { key: keyFor(i), exclude: [hosts[4]!] });
        assert.ok(h, 'a usable host exists');
        assert.ok(set.hosts.includes(h));
        assert.ok(h !== hosts[1] && h !== hosts[3] && h !== hosts[4], `picked ${h.gatewayId}`);
      }
    });

    test('falls back to the only usable host', () => {
      const hosts = makeHosts(4);
      for (const h of hosts.slice(1)) h.ejected = true;
      const p = newPolicy();
      for (let i = 0; i < 50; i++) assert.equal(p.pick(setOf(hosts), { key: keyFor(i) }), hosts[0]);
    });

    test('reaches every usable host', () => {
      const hosts = makeHosts(4);
      const set = setOf(hosts);
      const p = newPolicy();
      const seen = new Set<string>();
      for (let i = 0; i < 400; i++) seen.add(p.pick(set, keyed ? { key: keyFor(i) } : {})!.gatewayId);
      assert.equal(seen.size, 4);
    });

    test('does not change host state', () => {
      const hosts = makeHosts(3);
      hosts[0]!.inflight = 2;
      const p = newPolicy();
      for (let i = 0; i < 100; i++) p.pick(setOf(hosts), { key: keyFor(i) });
      assert.deepEqual(
        hosts.map((h) => [h.inflight, h.ejected]),
        [
          [2, false],
          [0, false],
          [0, false],
        ],
      );
    });

    test('same key, same host while the set is unchanged', () => {
      if (!keyed) return;
      const set = setOf(makeHosts(5));
      const a = newPolicy();
      const b = newPolicy();
      for (let i = 0; i < 500; i++) assert.equal(a.pick(set, { key: keyFor(i) }), b.pick(set, { key: keyFor(i) }));
    });
  });
}
