// Proves group commit: one transaction per event-loop turn, acks only after COMMIT, failures isolated per append.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { useTempDatabase } from './testing/temp-database.js';

const tmp = useTempDatabase('gc');
const open = tmp.open;
/** A second connection, as another process would have. */
const connect = (): Database.Database => tmp.track(new Database(tmp.path));
const value = (s: string): Buffer => Buffer.from(s);
const isCode = (code: ErrorCode) => (e: unknown) => e instanceof AppError && e.code === code;

describe('SqliteStore > group commit', () => {
  it('commits 64 concurrent single-message appends in one transaction', async () => {
    const store = open();
    await store.createTopic('t', { partitions: 4 });
    const before = store.writeStats.transactions;
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => store.append('t', [{ value: value(`m${i}`) }])));
    assert.equal(store.writeStats.transactions - before, 1);
    assert.equal(new Set(results.map(([p]) => `${p!.partition}:${p!.offset}`)).size, 64);
  });

  it('commits a batch of 100 messages in one transaction', async () => {
    const store = open();
    await store.createTopic('t', { partitions: 1 });
    const before = store.writeStats.transactions;
    await store.append('t', Array.from({ length: 100 }, (_, i) => ({ value: value(`m${i}`) })));
    assert.equal(store.writeStats.transactions - before, 1);
  });

  it('flushes early once maxBatchMessages are queued', async () => {
    const store = open({ maxBatchMessages: 4 });
    await store.createTopic('t', { partitions: 1 });
    const before = store.writeStats.transactions;
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.append('t', [{ value: value(`m${i}`) }])));
    assert.equal(store.writeStats.transactions - before, 3);
  });

  it('flushes early once maxBatchBytes of values are queued (bounds how long a commit holds the event loop)', async () => {
    const store = open({ maxBatchBytes: 1000 });
    await store.createTopic('t', { partitions: 1 });
    const before = store.writeStats.transactions;
    await Promise.all(Array.from({ length: 10 }, () => store.append('t', [{ value: Buffer.alloc(300) }])));
    assert.equal(store.writeStats.transactions - before, 3);
  });

  it('resolves an append only once another connection can read it', async () => {
    const store = open();
    await store.createTopic('t', { partitions: 1 });
    const other = connect();
    const count = other.prepare('SELECT COUNT(*) FROM messages').pluck();
    const seen = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append('t', [{ value: value(`m${i}`) }]).then(() => count.get())),
    );
    for (const n of seen) assert.equal(n, 20);
  });

  it('isolates a failing append from the others of its turn, and keeps each append all-or-nothing', async () => {
    const store = open();
    await store.createTopic('t', { partitions: 1 });
    // A trigger stands in for any per-row failure (disk full, constraint) on one message.
    connect().exec(
      "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.value = X'DEAD' BEGIN SELECT RAISE(ABORT, 'poison'); END",
    );
    const [ok1, bad, ok2] = await Promise.allSettled([
      store.append('t', [{ value: value('a') }]),
      store.append('t', [{ value: value('b1') }, { value: Buffer.from([0xde, 0xad]) }]),
      store.append('t', [{ value: value('c') }]),
    ]);
    assert.equal(ok1.status, 'fulfilled');
    assert.equal(ok2.status, 'fulfilled');
    assert.equal(bad.status, 'rejected');
    assert.ok(isCode(ErrorCode.STORE_UNAVAILABLE)(bad.reason));
    assert.deepEqual(
      [...ok1.value, ...ok2.value].map((p) => p.offset),
      [0, 1],
      'offsets of the failed transaction were not used',
    );
    const reader = await store.openReader('t', 'g', { reset: 'oldest' });
    assert.deepEqual((await reader.fetch(10, 0)).map((m) => m.value.toString()), ['a', 'c'], 'b1 was not stored');
  });

  it('fails a whole transaction on an INSERT OR ROLLBACK conflict after earlier rows were inserted, then stays usable', async () => {
    const store = open();
    await store.createTopic('t', { partitions: 1 });
    // A row at offset 150 that next_offset does not know about: the 151st message of a turn conflicts, in the
    // third 64-row INSERT, after two statements of the same transaction already inserted 128 rows.
    const other = connect();
    other.prepare("INSERT INTO messages (topic_id, part, off, ts, key, tag, value) SELECT id, 0, 150, 0, NULL, NULL, X'00' FROM topics WHERE name = 't'").run();
    const batch = (tag: string): Array<{ value: Buffer }> => Array.from({ length: 100 }, (_, i) => ({ value: value(`${tag}${i}`) }));
    const [a, b] = await Promise.allSettled([store.append('t', batch('a')), store.append('t', batch('b'))]);
    assert.equal(a.status, 'fulfilled', 'the append without a conflict went through on its own');
    assert.deepEqual(a.value.map((p) => p.offset), Array.from({ length: 100 }, (_, i) => i));
    assert.equal(b.status, 'rejected');
    assert.ok(isCode(ErrorCode.STORE_UNAVAILABLE)(b.reason));
    const c = await store.append('t', [{ value: value('c') }]);
    assert.deepEqual(c, [{ partition: 0, offset: 100 }], 'the writer stays usable and reuses none of the failed offsets');
    const stored = other.prepare('SELECT value FROM messages WHERE off <> 150 ORDER BY off').pluck().all() as Buffer[];
    assert.deepEqual(stored.map(String), [...batch('a').map((m) => String(m.value)), 'c'], 'none of the failed append was stored');
  });

  it('rejects with a retriable STORE_UNAVAILABLE when another process holds the write lock too long', async () => {
    const store = open({ busyTimeoutMs: 50 });
    await store.createTopic('t', { partitions: 1 });
    const other = connect();
    other.exec('BEGIN IMMEDIATE');
    await assert.rejects(store.append('t', [{ value: value('x') }]), (e: unknown) => {
      return isCode(ErrorCode.STORE_UNAVAILABLE)(e) && (e as AppError).retriable;
    });
    other.exec('COMMIT');
    const [pos] = await store.append('t', [{ value: value('y') }]);
    assert.equal(pos!.offset, 0);
  });

  it('settles appends queued before close, and rejects later ones', async () => {
    const store = open();
    await store.createTopic('t', { partitions: 1 });
    const pending = store.append('t', [{ value: value('last') }]);
    await store.close();
    assert.deepEqual(await pending, [{ partition: 0, offset: 0 }]);
    await assert.rejects(store.append('t', [{ value: value('late') }]), isCode(ErrorCode.SHUTTING_DOWN));
    const again = open();
    assert.deepEqual(await again.partitions('t'), [{ partition: 0, oldest: 0, latest: 1 }]);
  });
});

describe('SqliteStore > two connections on one file', () => {
  it('sees topics the other created and continues its offsets', async () => {
    const a = open();
    const b = open();
    assert.equal(await b.hasTopic('t'), false);
    await a.createTopic('t', { partitions: 1 });
    assert.equal(await b.hasTopic('t'), true);
    assert.equal(await b.createTopic('t', { partitions: 1 }), false);
    await a.append('t', [{ value: value('a') }]);
    assert.deepEqual(await b.append('t', [{ value: value('b') }]), [{ partition: 0, offset: 1 }]);
  });

  it('wakes a waiting fetch when the other appends, and reset=newest starts at its latest', async () => {
    const a = open({ pollIntervalMs: 2 });
    const b = open();
    await a.createTopic('t', { partitions: 2 });
    await b.append('t', [{ value: value('old') }]);
    const reader = await a.openReader('t', 'g', { reset: 'newest' });
    const waiting = reader.fetch(10, 30_000);
    const started = performance.now();
    await b.append('t', [{ value: value('new') }]);
    assert.deepEqual((await waiting).map((m) => m.value.toString()), ['new']);
    assert.ok(performance.now() - started < 500);
  });

  it('keeps commits monotonic across connections', async () => {
    const a = open();
    const b = open();
    await a.createTopic('t', { partitions: 1 });
    await a.append('t', Array.from({ length: 10 }, (_, i) => ({ value: value(`m${i}`) })));
    const ra = await a.openReader('t', 'g', { reset: 'oldest' });
    const rb = await b.openReader('t', 'g', { reset: 'oldest' });
    await ra.commit([{ partition: 0, offset: 7 }]);
    await rb.commit([{ partition: 0, offset: 5 }]);
    assert.deepEqual(await b.committed('t', 'g'), [{ partition: 0, offset: 7 }]);
  });
});
