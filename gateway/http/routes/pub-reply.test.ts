// The hand-written batch publish reply is byte for byte what JSON.stringify gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchPubReply } from './pub-reply.js';

describe('batchPubReply', () => {
  it('writes the bytes JSON.stringify writes, for one and for many positions', () => {
    const cases = [
      [{ partition: 0, offset: 0 }],
      Array.from({ length: 100 }, (_, i) => ({ partition: i % 8, offset: 2 ** 40 + i })),
      [{ partition: 255, offset: Number.MAX_SAFE_INTEGER }],
    ];
    for (const positions of cases) {
      assert.equal(batchPubReply(positions), JSON.stringify({ ok: 1, count: positions.length, messages: positions }));
    }
  });
});
