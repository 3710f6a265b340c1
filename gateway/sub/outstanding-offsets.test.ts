// OutstandingOffsets: the commit point never passes an unacknowledged message.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutstandingOffsets } from './outstanding-offsets.js';

describe('OutstandingOffsets', () => {
  it('commits up to the lowest unacknowledged offset per partition', () => {
    const o = new OutstandingOffsets();
    for (const off of [0, 1, 2, 3]) o.fetched(0, off);
    o.fetched(1, 7);
    o.acked(0, 0);
    o.acked(0, 2);
    o.acked(1, 7);
    assert.deepEqual(o.pendingCommits(), [
      { partition: 0, offset: 1 },
      { partition: 1, offset: 8 },
    ]);
  });

  it('reports a partition again only after its commit point moved', () => {
    const o = new OutstandingOffsets();
    o.fetched(0, 5);
    o.acked(0, 5);
    o.markCommitted(o.pendingCommits());
    assert.deepEqual(o.pendingCommits(), []);
    o.fetched(0, 6);
    assert.deepEqual(o.pendingCommits(), []);
    o.acked(0, 6);
    assert.deepEqual(o.pendingCommits(), [{ partition: 0, offset: 7 }]);
  });

  it('lists outstanding offsets up to a bound in order', () => {
    const o = new OutstandingOffsets();
    for (const off of [4, 2, 9, 3]) o.fetched(2, off);
    assert.deepEqual(o.upTo(2, 4), [2, 3, 4]);
    assert.equal(o.acked(2, 100), false);
  });
});
