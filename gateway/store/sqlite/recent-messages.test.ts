// Proves that live readers are served what this process just committed, from memory, and that what the cache
// holds never differs from the database: gaps left by another connection's appends, eviction, no waiting reader.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredMessage } from '../store.js';
import { RECENT_MAX_BYTES, RECENT_MAX_MESSAGES, RecentMessages } from './recent-messages.js';
import { useTempDatabase } from './testing/temp-database.js';

const tmp = useTempDatabase('recent');
/** A value with a backing store of its own (Buffer.from of a short string is a slice of an 8 KiB pool). */
const own = (s: string): Buffer => {
  const b = Buffer.alloc(Buffer.byteLength(s));
  b.write(s);
  return b;
};
const msg = (partition: number, offset: number, value = own(`v${offset}`)): StoredMessage => ({ partition, offset, key: null, tag: null, value, timestamp: 1 });
const offsetsOf = (ms: StoredMessage[]): number[] => ms.map((m) => m.offset);
const readAll = (r: RecentMessages, p: number, from: number, max = 1000): StoredMessage[] => {
  const out: StoredMessage[] = [];
  r.read(p, from, max, out);
  return out;
};

describe('RecentMessages', () => {
  it('serves a run of consecutive offsets from any offset it holds, up to max', () => {
    const r = new RecentMessages(2);
    for (let o = 10; o < 15; o++) r.add(msg(1, o));
    assert.deepEqual(offsetsOf(readAll(r, 1, 12)), [12, 13, 14]);
    assert.deepEqual(offsetsOf(readAll(r, 1, 10, 2)), [10, 11]);
    assert.deepEqual(readAll(r, 1, 9), [], 'before the run: the database has it');
    assert.deepEqual(readAll(r, 1, 15), [], 'past the run');
    assert.deepEqual(readAll(r, 0, 10), [], 'another partition');
  });

  it('starts afresh at an offset out of line (another process appended in between)', () => {
    const r = new RecentMessages(1);
    r.add(msg(0, 0));
    r.add(msg(0, 1));
    r.add(msg(0, 5));
    assert.deepEqual(readAll(r, 0, 0), []);
    assert.deepEqual(offsetsOf(readAll(r, 0, 5)), [5]);
  });

  it('keeps at most RECENT_MAX_MESSAGES, the newest', () => {
    const r = new RecentMessages(1);
    const n = RECENT_MAX_MESSAGES * 3 + 7;
    for (let o = 0; o < n; o++) r.add(msg(0, o));
    const held = readAll(r, 0, n - RECENT_MAX_MESSAGES, n);
    assert.equal(held.length, RECENT_MAX_MESSAGES);
    assert.equal(held[held.length - 1]!.offset, n - 1);
    assert.deepEqual(readAll(r, 0, n - RECENT_MAX_MESSAGES - 1), []);
  });

  it('counts each value\'s whole backing store against RECENT_MAX_BYTES, and keeps at least the newest', () => {
    const r = new RecentMessages(1);
    const body = Buffer.alloc(RECENT_MAX_BYTES / 2 + 1); // a big request body, messages are views of it
    r.add(msg(0, 0, body.subarray(0, 10)));
    r.add(msg(0, 1, body.subarray(10, 20)));
    assert.deepEqual(offsetsOf(readAll(r, 0, 0)), [], 'two views of a body over half the bound exceed it');
    assert.deepEqual(offsetsOf(readAll(r, 0, 1)), [1]);
    r.add(msg(0, 2, Buffer.alloc(RECENT_MAX_BYTES * 2)));
    assert.deepEqual(offsetsOf(readAll(r, 0, 2)), [2]);
  });

  it('forget empties a partition', () => {
    const r = new RecentMessages(2);
    r.add(msg(0, 0));
    r.add(msg(1, 0));
    r.forget(0);
    assert.deepEqual(readAll(r, 0, 0), []);
    assert.equal(readAll(r, 1, 0).length, 1);
  });
});

describe('SqliteStore > recent messages for live readers', () => {
  it('a waiting reader gets each append from memory, same as the database has it', async () => {
    const store = tmp.open();
    await store.createTopic('t', { partitions: 1 });
    const reader = await store.openReader('t', 'g', { reset: 'oldest' });
    const got: StoredMessage[] = [];
    const values: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const fetching = reader.fetch(10, 5000);
      values.push(Buffer.from(`m${i}`));
      await store.append('t', [{ value: values[i]!, key: `k${i}`, ...(i % 2 ? { tag: 'odd' } : {}) }]);
      got.push(...(await fetching));
    }
    // The very Buffers appended: a database read would have made new ones.
    assert.ok(got.every((m, i) => m.value === values[i]));
    const fresh = await store.openReader('t', 'other', { reset: 'oldest' });
    const fromDb = await fresh.fetch(100, 0);
    assert.equal(got.length, 20);
    assert.deepEqual(
      got.map((m) => [m.partition, m.offset, m.key?.toString(), m.tag, m.value.toString(), m.timestamp]),
      fromDb.map((m) => [m.partition, m.offset, m.key?.toString(), m.tag, m.value.toString(), m.timestamp]),
    );
  });

  it('with another connection appending to the same partition, a live reader gets every message once, in order', async () => {
    const a = tmp.open({ pollIntervalMs: 1 });
    const b = tmp.open();
    await a.createTopic('t', { partitions: 1 });
    const reader = await a.openReader('t', 'g', { reset: 'oldest' });
    const received: StoredMessage[] = [];
    const total = 300;
    const reading = (async () => {
      while (received.length < total) {
        const got = await reader.fetch(7, 5000);
        if (got.length === 0) break;
        received.push(...got);
      }
    })();
    const sent = new Map<number, string>();
    for (let i = 0; i < total / 3; i++) {
      // Two of ours around one of the other connection's: our cache sees offsets out of line.
      const values = [`a${i}x`, `b${i}`, `a${i}y`];
      const [[x], [y], [z]] = await Promise.all([a.append('t', [{ value: Buffer.from(values[0]!) }]), b.append('t', [{ value: Buffer.from(values[1]!) }]), a.append('t', [{ value: Buffer.from(values[2]!) }])]);
      sent.set(x!.offset, values[0]!).set(y!.offset, values[1]!).set(z!.offset, values[2]!);
    }
    await reading;
    assert.deepEqual(offsetsOf(received), Array.from({ length: total }, (_, i) => i));
    for (const m of received) assert.equal(m.value.toString(), sent.get(m.offset));
  });

  it('messages committed while no reader waited are read from the database', async () => {
    const store = tmp.open();
    await store.createTopic('t', { partitions: 1 });
    const reader = await store.openReader('t', 'g', { reset: 'oldest' });
    const fetching = reader.fetch(100, 5000);
    await store.append('t', [{ value: Buffer.from('live') }]); // held: a fetch waits
    assert.deepEqual((await fetching).map((m) => m.value.toString()), ['live']);
    await store.append('t', [{ value: Buffer.from('later') }]); // no fetch waits: the partition's run ends here
    await store.append('t', [{ value: Buffer.from('later2') }]);
    assert.deepEqual((await reader.fetch(100, 0)).map((m) => m.value.toString()), ['later', 'later2']);
  });

  it('a topic whose last reader closed holds nothing (the request bodies go)', async () => {
    const store = tmp.open();
    await store.createTopic('t', { partitions: 1 });
    const reader = await store.openReader('t', 'g', { reset: 'oldest' });
    const fetching = reader.fetch(10, 5000);
    const value = Buffer.from('held while a reader lives');
    await store.append('t', [{ value }]);
    assert.equal((await fetching)[0]!.value, value, 'served from memory');
    await reader.close();
    const later = await store.openReader('t', 'g2', { reset: 'oldest' });
    const [again] = await later.fetch(10, 0);
    assert.equal(again!.value.toString(), value.toString());
    assert.notEqual(again!.value, value, 'read from the database: the cache let the body go');
  });
});
