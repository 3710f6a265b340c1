// The X-Tag filter: parsing with the tag limit, and any-match over a message's ;-separated tag entries.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/log.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { GroupSession } from './group-session.js';
import { parseTagFilter, passesTagFilter, pullFiltered } from './tag-filter.js';

describe('tag filter > parseTagFilter', () => {
  it('splits on ; and drops empty entries; asks for nothing when absent or empty', () => {
    assert.deepEqual(parseTagFilter('t1;t2', 1024), new Set(['t1', 't2']));
    assert.deepEqual(parseTagFilter(';a=b; c=d;;', 1024), new Set(['a=b', 'c=d']));
    assert.equal(parseTagFilter(undefined, 1024), undefined);
    assert.equal(parseTagFilter('', 1024), undefined);
    assert.equal(parseTagFilter(' ; ;', 1024), undefined);
  });

  it('refuses a filter above the tag limit (bytes, not characters) with a 400', () => {
    assert.deepEqual(parseTagFilter('é'.repeat(4), 8), new Set(['éééé']));
    assert.throws(() => parseTagFilter('é'.repeat(5), 8), (e: unknown) => e instanceof AppError && e.status === 400 && /too big tag filter/.test(e.message));
  });
});

describe('tag filter > passesTagFilter', () => {
  const filter = new Set(['vip', 'region=eu']);
  it('passes a message carrying at least one asked entry', () => {
    assert.equal(passesTagFilter(filter, 'vip'), true);
    assert.equal(passesTagFilter(filter, 'a=b;region=eu'), true);
    assert.equal(passesTagFilter(filter, 'region=us; vip;'), true);
  });

  it('rejects other tags, partial matches and untagged messages', () => {
    assert.equal(passesTagFilter(filter, 'region=us'), false);
    assert.equal(passesTagFilter(filter, 'vip2;region=e'), false);
    assert.equal(passesTagFilter(filter, 'vip=1'), false);
    assert.equal(passesTagFilter(filter, ''), false);
    assert.equal(passesTagFilter(filter, null), false);
  });
});

describe('tag filter > pullFiltered', () => {
  it('skips a long run of non-matching messages without starving the event loop', async () => {
    const store = new MemoryStore();
    await store.createTopic('t', { partitions: 1 });
    // Enough that skipping outlasts a 10 ms slice even on a fast machine (5,000 once finished inside one slice).
    const n = 50_000;
    await store.append('t', Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`m${i}`), tag: i === n - 1 ? 'vip' : 'no' })));
    const session = new GroupSession('t', 'g', await store.openReader('t', 'g', { reset: 'oldest' }), {
      ackDeadlineMs: 30_000,
      maxInflight: 100,
      commitIntervalMs: 60_000,
      fetchMax: 100,
      now: Date.now,
      log: silentLogger,
    });
    let skipped = 0;
    let timerRanFirst = false;
    let done = false;
    setTimeout(() => (timerRanFirst = !done), 0);
    const d = await pullFiltered(session, new Set(['vip']), 1, 30_000, undefined, (k) => (skipped += k));
    done = true;
    assert.deepEqual(d?.messages.map((m) => m.value.toString()), [`m${n - 1}`]);
    assert.equal(skipped, n - 1);
    assert.ok(timerRanFirst, 'a timer due meanwhile ran before the skipping finished');
    await session.close();
  });

  it('shares a group with unfiltered clients: every message is delivered or skipped exactly once', async () => {
    const store = new MemoryStore();
    await store.createTopic('t', { partitions: 1 });
    const n = 300;
    await store.append('t', Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`m${i}`), tag: i % 50 === 7 ? 'vip' : undefined })));
    const session = new GroupSession('t', 'g', await store.openReader('t', 'g', { reset: 'oldest' }), {
      ackDeadlineMs: 30_000,
      maxInflight: 1_000,
      commitIntervalMs: 60_000,
      fetchMax: 100,
      now: Date.now,
      log: silentLogger,
    });
    const seen: string[] = [];
    let skipped = 0;
    const take = (d: Awaited<ReturnType<GroupSession['pull']>>): boolean => {
      if (!d) return false;
      seen.push(...d.messages.map((m) => m.value.toString()));
      session.settle(d, 'ack');
      return true;
    };
    const filtered = async (): Promise<void> => {
      for (;;) {
        const d = await pullFiltered(session, new Set(['vip']), 1, 50, undefined, (k) => (skipped += k));
        if (d) assert.equal(d.messages[0]!.tag, 'vip');
        if (!take(d)) return;
      }
    };
    const plain = async (): Promise<void> => {
      while (take(await session.pull(3, 50)));
    };
    await Promise.all([filtered(), plain(), filtered(), plain()]);
    assert.equal(new Set(seen).size, seen.length, 'no message delivered twice');
    assert.equal(seen.length + skipped, n, 'every message delivered or skipped');
    assert.ok(skipped > 0, 'the filtered clients skipped (and gave back) messages');
    await session.close();
  });
});
