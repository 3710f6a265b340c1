// Proves keyed partitioning equals Kafka's and unkeyed appends rotate over every partition.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { partitionForKey, RoundRobinPartitioner } from './partitioner.js';

describe('partitionForKey', () => {
  it('is toPositive(murmur2(key)) % partitions, as in Kafka', () => {
    // murmur2('foobar') = -790332482 (Kafka UtilsTest); & 0x7fffffff = 1357151166
    assert.equal(partitionForKey('foobar', 50), 1357151166 % 50);
    assert.equal(partitionForKey('foobar', 50), 16);
    assert.equal(partitionForKey('21', 7), (-973932308 & 0x7fffffff) % 7);
  });

  it('gives the same answer for a string and its UTF-8 bytes', () => {
    for (const k of ['user-1', 'ключ', '']) assert.equal(partitionForKey(k, 13), partitionForKey(Buffer.from(k), 13));
  });

  it('always lands in range and spreads keys over partitions', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionForKey(`key-${i}`, 8)]! += 1;
    for (const c of counts) assert.ok(c > 800 && c < 1200, `uneven spread ${counts.join(',')}`);
  });
});

describe('RoundRobinPartitioner > next', () => {
  it('rotates over every partition from the start value', () => {
    const rr = new RoundRobinPartitioner(5);
    assert.deepEqual([rr.next(3), rr.next(3), rr.next(3), rr.next(3)], [2, 0, 1, 2]);
  });

  it('stays in range across counter wrap-around and negative starts', () => {
    const rr = new RoundRobinPartitioner(0x7ffffffe);
    for (let i = 0; i < 5; i++) {
      const p = rr.next(4);
      assert.ok(p >= 0 && p < 4);
    }
    assert.ok(new RoundRobinPartitioner(-7).next(4) >= 0);
  });
});
