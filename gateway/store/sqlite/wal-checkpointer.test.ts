// Proves that the store's own connection never checkpoints the WAL (an fsync inside an append's COMMIT held the
// event loop 15–20 ms), that the worker thread does, and that the data survives it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { SqliteStore } from './sqlite-store.js';
import { useTempDatabase } from './testing/temp-database.js';

const tmp = useTempDatabase('wal');
const open = (checkpointIntervalMs: number): SqliteStore => tmp.open({ checkpointIntervalMs });

/** Appends about `pages` WAL pages: 4 KiB messages, 50 per append, one append per event-loop turn (one commit each). */
async function fill(store: SqliteStore, topic: string, pages: number): Promise<number> {
  const value = Buffer.alloc(4000, 120);
  let n = 0;
  for (let i = 0; i < pages / 50; i++) {
    await store.append(topic, Array.from({ length: 50 }, () => ({ value })));
    n += 50;
  }
  return n;
}

/** Frames now in the WAL, as another connection sees them (its PASSIVE checkpoint reports the WAL's length). */
function walFrames(): number {
  const db = new Database(tmp.path);
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    return r!.log;
  } finally {
    db.close();
  }
}

describe('SqliteStore > WAL checkpoints on a worker thread', () => {
  it("appends never checkpoint on the store's connection: the WAL keeps growing past SQLite's 1,000-page auto-checkpoint", async () => {
    const store = open(3_600_000); // the worker exists but does not run within the test
    await store.createTopic('t', { partitions: 1 });
    await fill(store, 't', 2500);
    // With auto-checkpoint on this connection, the commit crossing 1,000 pages would have checkpointed, and the next
    // one restarted the WAL: fewer than ~1,100 frames would be left.
    assert.ok(walFrames() >= 2500, `WAL frames ${walFrames()}`);
    assert.equal(store.checkpointer?.checkpoints, 0);
  });

  it('with checkpointIntervalMs 0, SQLite auto-checkpoints on the connection as before (the control case)', async () => {
    const store = open(0);
    assert.equal(store.checkpointer, undefined);
    await store.createTopic('t', { partitions: 1 });
    await fill(store, 't', 2500);
    assert.ok(walFrames() < 1500, `WAL frames ${walFrames()}`);
  });

  it('the worker checkpoints what was appended, the next commits restart the WAL, and every message is still there', async () => {
    const store = open(20);
    await store.createTopic('t', { partitions: 1 });
    const checkpointed = store.checkpointer!.nextCheckpoint();
    const n = await fill(store, 't', 1500);
    const r = await checkpointed;
    assert.ok(r.checkpointed > 0 && r.checkpointed <= r.walFrames, JSON.stringify(r));
    // Wait for a checkpoint that saw the whole fill, then write on: the WAL starts over instead of growing.
    let last = await store.checkpointer!.nextCheckpoint();
    while (last.checkpointed < last.walFrames) last = await store.checkpointer!.nextCheckpoint();
    await fill(store, 't', 100);
    assert.ok(walFrames() < 1000, `WAL frames ${walFrames()} after a complete checkpoint`);
    const db = new Database(tmp.path, { readonly: true });
    try {
      assert.equal(db.prepare('SELECT count(*) FROM messages').pluck().get(), n + 100);
    } finally {
      db.close();
    }
  });
});
