// OutlierDetector: ejection thresholds, exponential backoff, the cap, half-open probes, on a manual clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../shared/log.js';
import { defaults, type HealthConfig } from '../config.js';
import { makeHosts } from '../testing/hosts.js';
import type { Host } from '../upstream/host.js';
import { ManualClock } from '../util/manual-clock.js';
import { OutlierDetector } from './outlier-detector.js';

const cfg: HealthConfig = { ...defaults.health, consecutive5xx: 5, consecutiveLocalFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 4000, maxEjectionPercent: 50 };
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(n = 4, healthy: (h: Host) => boolean = () => true) {
  const clock = new ManualClock();
  const hosts = makeHosts(n, { service: 'pub' });
  const probes: string[] = [];
  const events: string[] = [];
  const d = new OutlierDetector(cfg, {
    clock,
    members: () => hosts,
    logger: silentLogger,
    probe: async (h) => {
      probes.push(h.gatewayId);
      return healthy(h);
    },
  });
  d.onEjected((h, ms) => events.push(`out ${h.gatewayId} ${ms}`));
  d.onUnejected((h) => events.push(`in ${h.gatewayId}`));
  return { clock, hosts, d, probes, events };
}

describe('OutlierDetector > report', () => {
  it('ejects after 3 consecutive local failures', () => {
    const { hosts, d, events } = setup();
    d.report(hosts[0]!, 'local-failure');
    d.report(hosts[0]!, 'local-failure');
    assert.equal(hosts[0]!.ejected, false);
    d.report(hosts[0]!, 'local-failure');
    assert.equal(hosts[0]!.ejected, true);
    assert.deepEqual(events, ['out g001 1000']);
    assert.equal(hosts[0]!.stats.ejectionsEnforced, 1);
  });

  it('ejects after 5 consecutive 5xx, and a success in between resets the count', () => {
    const { hosts, d } = setup();
    const h = hosts[1]!;
    for (let i = 0; i < 4; i++) d.report(h, '5xx');
    d.report(h, 'ok');
    for (let i = 0; i < 4; i++) d.report(h, '5xx');
    assert.equal(h.ejected, false);
    d.report(h, '5xx');
    assert.equal(h.ejected, true);
  });

  it('never ejects more than maxEjectionPercent of a service, and counts the refusal as detected only', () => {
    const { hosts, d } = setup(4);
    for (const h of hosts) for (let i = 0; i < 3; i++) d.report(h, 'local-failure');
    assert.deepEqual(
      hosts.map((h) => h.ejected),
      [true, true, false, false],
    );
    assert.equal(hosts[2]!.stats.ejectionsDetected, 1);
    assert.equal(hosts[2]!.stats.ejectionsEnforced, 0);
  });

  it('always allows one ejection, even in a service of one', () => {
    const { hosts, d } = setup(1);
    for (let i = 0; i < 3; i++) d.report(hosts[0]!, 'local-failure');
    assert.equal(hosts[0]!.ejected, true);
  });
});

describe('OutlierDetector > recovery', () => {
  it('probes /alive when the ejection ends and returns a healthy host to rotation', async () => {
    const { clock, hosts, d, probes, events } = setup();
    for (let i = 0; i < 3; i++) d.report(hosts[0]!, 'local-failure');
    clock.advance(999);
    assert.deepEqual(probes, []);
    clock.advance(1);
    assert.deepEqual(probes, ['g001']);
    await settle();
    assert.equal(hosts[0]!.ejected, false);
    assert.deepEqual(events, ['out g001 1000', 'in g001']);
  });

  it('doubles the ejection while probes fail, up to the cap', async () => {
    let up = false;
    const { clock, hosts, d, events } = setup(4, () => up);
    for (let i = 0; i < 3; i++) d.report(hosts[0]!, 'local-failure');
    for (const ms of [1000, 2000, 4000, 4000]) {
      clock.advance(ms);
      await settle();
    }
    assert.deepEqual(events, ['out g001 1000', 'out g001 2000', 'out g001 4000', 'out g001 4000', 'out g001 4000']);
    up = true;
    clock.advance(4000);
    await settle();
    assert.equal(hosts[0]!.ejected, false);
  });

  it('backs off longer when a returned host fails again soon, and forgives it after a healthy base period', async () => {
    const { clock, hosts, d, events } = setup();
    const h = hosts[0]!;
    const fail3 = () => {
      for (let i = 0; i < 3; i++) d.report(h, 'local-failure');
    };
    fail3();
    clock.advance(1000);
    await settle();
    fail3(); // right after returning
    clock.advance(2000);
    await settle();
    clock.advance(1000); // healthy for one base period
    d.report(h, 'ok');
    fail3();
    assert.deepEqual(events, ['out g001 1000', 'in g001', 'out g001 2000', 'in g001', 'out g001 1000']);
  });

  it('forget() cancels the pending probe', () => {
    const { clock, hosts, d, probes } = setup();
    for (let i = 0; i < 3; i++) d.report(hosts[0]!, 'local-failure');
    d.forget(hosts[0]!);
    assert.equal(clock.pending, 0);
    clock.advance(10_000);
    assert.deepEqual(probes, []);
  });
});
