// Tests how the rounds of a mixed row fold into the judged median p99 and the printed per-round p99s.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MixedResult } from '../clients/e2e-latency.js';
import { summariseMixed } from './mixed-summary.js';

const round = (p99: number, extra: Partial<MixedResult> = {}): MixedResult => ({
  offeredRate: 1000,
  sent: 5000,
  published: 5000,
  pubErrors: 0,
  subErrors: 0,
  received: 5000,
  duplicates: 0,
  lost: 0,
  e2e: { p50: p99 / 10, p99, p999: p99 * 2, max: p99 * 3 },
  pub: { p50: 1, p99: p99 / 2 },
  generator: { publisher: { p99: 4, max: 9, cpuMs: 900 }, subscriber: { p99: 3, max: 8, cpuMs: 800 } },
  ...extra,
});

describe('mixed-summary', () => {
  it('judges the median p99 and keeps each round\'s p99 in order', () => {
    const m = summariseMixed([round(25.1), round(9.5), round(15.2)]);
    assert.deepEqual(m.p99PerRound, [25.1, 9.5, 15.2]);
    assert.equal(m.p99, 15.2);
    assert.equal(m.p50, 1.52);
    assert.equal(m.max, 25.1 * 3);
    assert.equal(m.rounds, 3);
  });

  it('sums the counts, so one round that lost a message shows', () => {
    const m = summariseMixed([round(10), round(11, { lost: 2, received: 4998, pubErrors: 1, firstPubError: 'publish 503', subErrors: 3, firstSubError: 'subscribe 503' }), round(12)]);
    assert.equal(m.lost, 2);
    assert.equal(m.received, 14_998);
    assert.equal(m.published, 15_000);
    assert.equal(m.pubErrors, 1);
    assert.equal(m.subErrors, 3);
    assert.equal(m.firstSubError, 'subscribe 503');
    assert.equal(m.firstPubError, 'publish 503');
  });
});
