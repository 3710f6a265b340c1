// Proves that a message the SQLite store acknowledged survives kill -9 of the appending process (lost = 0).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readExactly } from '../store.case.test.js';
import { SqliteStore } from './sqlite-store.js';
import type { SqliteSynchronous } from './sqlite-options.js';
import { spawnAppender } from './spawn-appender.js';

describe('SqliteStore > kill -9 while appending', () => {
  for (const synchronous of ['normal', 'full'] as SqliteSynchronous[]) {
    it(`loses no acknowledged message (synchronous=${synchronous})`, { timeout: 120_000 }, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kateway-crash-'));
      const path = join(dir, 'store.db');
      try {
        const setup = new SqliteStore({ path });
        await setup.createTopic('crash.t.v1', { partitions: 4 });
        await setup.close();

        const appender = spawnAppender({ path, topic: 'crash.t.v1', id: 'c', concurrency: 32, batch: 3, synchronous });
        await appender.acked(3000);
        appender.child.kill('SIGKILL');
        const { signal } = await appender.exited;
        assert.equal(signal, 'SIGKILL', 'the appender died mid-stream, it did not finish');
        const acks = appender.acks;

        const check = new Database(path);
        assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
        check.close();

        const store = new SqliteStore({ path });
        const infos = await store.partitions('crash.t.v1');
        const total = infos.reduce((sum, i) => sum + i.latest, 0);
        assert.ok(total >= acks.size, `${total} stored < ${acks.size} acknowledged`);
        const stored = await readExactly(await store.openReader('crash.t.v1', 'verify', { reset: 'oldest' }), total, 20_000);
        const byPosition = new Map(stored.map((m) => [`${m.partition}:${m.offset}`, m.value.toString()]));
        let lost = 0;
        for (const [pos, value] of acks) if (byPosition.get(pos) !== value) lost += 1;
        assert.equal(lost, 0, `lost ${lost} of ${acks.size} acknowledged messages`);
        for (const info of infos) {
          const offsets = stored.filter((m) => m.partition === info.partition).map((m) => m.offset);
          assert.deepEqual(offsets, Array.from({ length: info.latest }, (_, i) => i), 'offsets stay dense');
        }
        // The store keeps working after the crash: appends continue from the stored next offsets.
        const [pos] = await store.append('crash.t.v1', [{ value: Buffer.from('after'), key: 'k' }]);
        assert.equal(pos!.offset, infos[pos!.partition]!.latest);
        await store.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
