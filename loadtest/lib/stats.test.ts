// Tests the median, quantile and spread helpers the benchmark tables are built from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fmt, median, quantileSorted, spread } from './stats.js';

describe('stats', () => {
  it('median of odd and even counts, NaN when empty', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('nearest-rank quantiles of sorted samples', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i + 1);
    assert.equal(quantileSorted(xs, 0.5), 500);
    assert.equal(quantileSorted(xs, 0.99), 990);
    assert.equal(quantileSorted(xs, 0.999), 999);
    assert.equal(quantileSorted([7], 0.999), 7);
  });

  it('spread and formatting', () => {
    assert.deepEqual(spread([5, 1, 3]), { median: 3, min: 1, max: 5, n: 3 });
    assert.equal(fmt(12345.678, 1), '12,345.7');
    assert.equal(fmt(NaN), '—');
  });
});
