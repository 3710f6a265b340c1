// Runs the Store conformance suite on MemoryStore, plus its own retention and group-sharing behaviour.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readExactly, runStoreConformance } from '../store.case.test.js';
import { MemoryStore } from './memory-store.js';

runStoreConformance(
  'memory',
  async () => {
    const store = new MemoryStore();
    return { store, cleanup: () => store.close() };
  },
  { promptMs: 1000, deadlineMs: 5000 },
);

describe('MemoryStore > retention', () => {
  it('drops the oldest messages beyond maxMessagesPerPartition and moves oldest', async () => {
    const store = new MemoryStore({ maxMessagesPerPartition: 10 });
    await store.createTopic('t', { partitions: 1 });
    const reader = await store.openReader('t', 'g', { reset: 'oldest' });
    for (let i = 0; i < 25; i++) await store.append('t', [{ value: Buffer.from(`m${i}`) }]);
    assert.deepEqual(await store.partitions('t'), [{ partition: 0, oldest: 15, latest: 25 }]);
    // A reader left behind retention resumes at the oldest kept message.
    const read = await readExactly(reader, 10, 1000);
    assert.deepEqual(read.map((m) => m.value.toString()), Array.from({ length: 10 }, (_, i) => `m${i + 15}`));
    await store.close();
  });

  it('drops the oldest messages beyond maxBytesPerPartition', async () => {
    const store = new MemoryStore({ maxBytesPerPartition: 1000 });
    await store.createTopic('t', { partitions: 1 });
    for (let i = 0; i < 30; i++) await store.append('t', [{ value: Buffer.alloc(100, i) }]);
    assert.deepEqual(await store.partitions('t'), [{ partition: 0, oldest: 20, latest: 30 }]);
    await store.close();
  });

  it('keeps only the bytes of a value that is a view of a larger body (a batch publish item)', async () => {
    // Judged by what the kept values reference, not by process.memoryUsage(): V8 frees array buffers on a background
    // thread after a GC, so a memory figure read right after gc() can still count bodies that are already garbage.
    const store = new MemoryStore();
    await store.createTopic('t', { partitions: 1 });
    // 64 request bodies of 1 MiB, each leaving one 10-byte message in the store.
    for (let i = 0; i < 64; i++) await store.append('t', [{ value: Buffer.alloc(1 << 20, i).subarray(0, 10) }]);
    const reader = await store.openReader('t', 'g', { reset: 'oldest' });
    const read = await readExactly(reader, 64, 1000);
    assert.deepEqual(read.map((m) => m.value), Array.from({ length: 64 }, (_, i) => Buffer.alloc(10, i)));
    const referenced = read.reduce((sum, m) => sum + m.value.buffer.byteLength, 0);
    assert.ok(referenced < 1 << 20, `the 64 kept values reference ${(referenced / (1 << 20)).toFixed(1)} MiB of buffers for 640 bytes`);
    await store.close();
  });

  it('rejects invalid options when constructed', () => {
    assert.throws(() => new MemoryStore({ maxMessagesPerPartition: 0 }), /maxMessagesPerPartition/);
    assert.throws(() => new MemoryStore({ maxBytesPerPartition: 1.5 }), /maxBytesPerPartition/);
  });
});

describe('MemoryStore > readers of one group', () => {
  it('split the messages instead of each getting all of them', async () => {
    const store = new MemoryStore();
    await store.createTopic('t', { partitions: 2 });
    await store.append('t', Array.from({ length: 20 }, (_, i) => ({ value: Buffer.from(`m${i}`), key: `k${i}` })));
    const a = await store.openReader('t', 'g', { reset: 'oldest' });
    const b = await store.openReader('t', 'g', { reset: 'oldest' });
    const fromA = await a.fetch(7, 0);
    const fromB = await b.fetch(100, 0);
    assert.equal(fromA.length + fromB.length, 20);
    const seen = new Set([...fromA, ...fromB].map((m) => `${m.partition}:${m.offset}`));
    assert.equal(seen.size, 20, 'no message went to both readers');
    await store.close();
  });

  it('resolves a pending fetch with [] when the store closes', async () => {
    const store = new MemoryStore();
    await store.createTopic('t', { partitions: 1 });
    const reader = await store.openReader('t', 'g', { reset: 'newest' });
    const pending = reader.fetch(10, 60_000);
    await store.close();
    assert.deepEqual(await pending, []);
  });
});
