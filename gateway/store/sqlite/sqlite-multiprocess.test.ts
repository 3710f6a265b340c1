// Proves two processes appending to one database file never share an offset or lose a message, and that a
// waiting reader in a third process sees their appends within milliseconds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredMessage } from '../store.js';
import { SqliteStore } from './sqlite-store.js';
import { spawnAppender } from './spawn-appender.js';

const TOPIC = 'multi.t.v1';

async function withStore(fn: (path: string, store: SqliteStore) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kateway-multi-'));
  const path = join(dir, 'store.db');
  const store = new SqliteStore({ path });
  try {
    await store.createTopic(TOPIC, { partitions: 3 });
    await fn(path, store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('SqliteStore > two processes on one file', () => {
  it('assign unique dense offsets and lose nothing', { timeout: 120_000 }, async () => {
    await withStore(async (path, store) => {
      const reader = await store.openReader(TOPIC, 'watcher', { reset: 'oldest' });
      const perChild = 3000;
      const children = ['a', 'b'].map((id) =>
        spawnAppender({ path, topic: TOPIC, id, count: perChild, concurrency: 16, batch: 2 }),
      );
      const received: StoredMessage[] = [];
      const reading = (async () => {
        const deadline = performance.now() + 60_000;
        while (received.length < 2 * perChild && performance.now() < deadline)
          received.push(...(await reader.fetch(1000, 1000)));
      })();
      const results = await Promise.all(children.map((c) => c.exited));
      for (const r of results) assert.equal(r.code, 0);
      await reading;

      const [a, b] = children as [(typeof children)[0], (typeof children)[0]];
      assert.equal(a.acks.size, perChild);
      assert.equal(b.acks.size, perChild);
      for (const pos of a.acks.keys()) assert.ok(!b.acks.has(pos), `offset ${pos} handed to both processes`);

      const infos = await store.partitions(TOPIC);
      assert.equal(infos.reduce((s, i) => s + i.latest, 0), 2 * perChild, 'no offset was skipped');
      assert.equal(received.length, 2 * perChild, 'the waiting reader got every message');
      const all = new Map([...a.acks, ...b.acks]);
      for (const m of received) assert.equal(m.value.toString(), all.get(`${m.partition}:${m.offset}`));
      for (const info of infos) {
        const offsets = received.filter((m) => m.partition === info.partition).map((m) => m.offset);
        assert.deepEqual(offsets, Array.from({ length: info.latest }, (_, i) => i));
      }
    });
  });

  // Speed is for benchmarks, not tests: alone on the 2-core VM this measures p99 10-12 ms, with other test files
  // beside it 30-120 ms. A broken wake-up would only be noticed by the 1 s fetch wait, spreading latencies over
  // 0-1000 ms (median ~500), so the assertion is on the median and the diagnostic line reports the real figures.
  it('wake a reader waiting in another process promptly (median < 250 ms asserted, p99 reported)', { timeout: 120_000 }, async (t) => {
    await withStore(async (path, store) => {
      const reader = await store.openReader(TOPIC, 'latency', { reset: 'newest' });
      const count = 400;
      const child = spawnAppender({ path, topic: TOPIC, id: 'l', count, concurrency: 1, batch: 1, 'interval-ms': 5 });
      const latencies: number[] = [];
      const deadline = performance.now() + 60_000;
      while (latencies.length < count && performance.now() < deadline) {
        const got = await reader.fetch(100, 1000);
        const now = Date.now();
        for (const m of got) latencies.push(now - m.timestamp);
      }
      assert.equal((await child.exited).code, 0);
      assert.equal(latencies.length, count);
      latencies.sort((x, y) => x - y);
      const p50 = latencies[Math.floor(count * 0.5)]!;
      const p99 = latencies[Math.floor(count * 0.99)]!;
      t.diagnostic(`append → visible in another process: p50 ${p50} ms, p99 ${p99} ms, max ${latencies[count - 1]} ms`);
      assert.ok(p50 < 250, `median ${p50} ms: the wake-up by data_version polling is not working`);
    });
  });
});
