// Tests how often ChangePoller reads PRAGMA data_version (a look just made is not repeated for a fetch about to wait),
// and that whichever look sees another process's appends wakes every fetch waiting for them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChangePoller } from './change-poller.js';
import type { SqliteTopic } from './sqlite-topic.js';
import { useTempDatabase } from './testing/temp-database.js';

const tmp = useTempDatabase('poller');

/** A topic as the poller sees it: its last look and version, and how often it reloaded. */
function fakeTopic() {
  const t = { lookedAt: -Infinity, seenVersion: 1, loads: 0, load: (v: number) => ((t.seenVersion = v), t.loads++, true) };
  return t;
}

describe('ChangePoller > refresh', () => {
  it('skips a look younger than maxAgeMs, and always looks with maxAgeMs 0', () => {
    let version = 1;
    let reads = 0;
    const poller = new ChangePoller(4, () => (reads++, version));
    const t = fakeTopic();
    const topic = t as unknown as SqliteTopic;
    assert.equal(poller.refresh(topic, 60_000), false, 'first look: version unchanged');
    assert.equal(reads, 1);
    version = 2;
    assert.equal(poller.refresh(topic, 60_000), false, 'looked a moment ago: skipped');
    assert.equal(reads, 1);
    assert.equal(poller.refresh(topic), true, 'maxAgeMs 0: looks, sees the other process\'s commit');
    assert.equal(reads, 2);
    assert.equal(t.loads, 1);
    poller.stop();
  });
});

describe('SqliteStore > another connection\'s appends', () => {
  it('wake a waiting fetch even when another fetch of the topic saw them first', async () => {
    // No poller tick within the test: only the look of group b's fetch can see the other connection's append.
    const store = tmp.open({ pollIntervalMs: 600_000 });
    const other = tmp.open();
    await store.createTopic('t', { partitions: 1 });
    const a = await store.openReader('t', 'a', { reset: 'oldest' });
    const b = await store.openReader('t', 'b', { reset: 'oldest' });
    const waitMs = 5000;
    const waiting = a.fetch(10, waitMs);
    await other.append('t', [{ value: Buffer.from('m') }]);
    assert.deepEqual((await b.fetch(10, 0)).map((m) => m.value.toString()), ['m'], 'a no-wait fetch looks');
    const seen = performance.now();
    assert.deepEqual((await waiting).map((m) => m.value.toString()), ['m']);
    assert.ok(performance.now() - seen < waitMs / 2, 'the waiting fetch was woken, not left to its timeout');
  });
});
