// Unit tests of TopicCache with a fake loader and clock: hits never wait, misses refresh at a bounded rate.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TopicCache } from './topic-cache.js';

function fixture(initial: Record<string, number>) {
  let t = 0;
  let topics = new Map(Object.entries(initial));
  let loads = 0;
  let gate: Promise<void> = Promise.resolve();
  const cache = new TopicCache(
    async () => {
      loads++;
      await gate;
      return new Map(topics);
    },
    { now: () => t, maxAgeMs: 1000, minRefreshMs: 100 },
  );
  return {
    cache,
    loads: () => loads,
    advance: (ms: number) => void (t += ms),
    setTopics: (o: Record<string, number>) => void (topics = new Map(Object.entries(o))),
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        release();
        gate = Promise.resolve();
      };
    },
  };
}

describe('TopicCache', () => {
  it('loads on the first miss, then answers hits without loading', async () => {
    const f = fixture({ a: 3 });
    assert.equal(await f.cache.partitions('a'), 3);
    assert.equal(await f.cache.partitions('a'), 3);
    assert.equal(f.loads(), 1);
  });

  it('refreshes on a miss at most once per minRefreshMs, so unknown topics cannot flood the cluster', async () => {
    const f = fixture({ a: 1 });
    await f.cache.partitions('a');
    f.setTopics({ a: 1, b: 2 });
    assert.equal(await f.cache.partitions('b'), undefined, 'within minRefreshMs: no reload');
    assert.equal(f.loads(), 1);
    f.advance(100);
    assert.equal(await f.cache.partitions('b'), 2, 'a later miss reloads and finds the new topic');
    assert.equal(f.loads(), 2);
  });

  it('coalesces concurrent misses into one load', async () => {
    const f = fixture({ x: 4 });
    const results = await Promise.all([f.cache.partitions('x'), f.cache.partitions('y'), f.cache.partitions('x')]);
    assert.deepEqual(results, [4, undefined, 4]);
    assert.equal(f.loads(), 1);
  });

  it('serves a stale hit at once and refreshes behind it', async () => {
    const f = fixture({ a: 1 });
    await f.cache.partitions('a');
    f.setTopics({ a: 6 });
    f.advance(1000);
    assert.equal(await f.cache.partitions('a'), 1, 'stale value, no wait');
    await f.cache.refresh();
    assert.equal(await f.cache.partitions('a'), 6);
  });

  it('keeps a topic set while a load that started earlier was in flight', async () => {
    const f = fixture({});
    const release = f.hold();
    const loading = f.cache.refresh();
    f.cache.set('created', 2);
    release();
    await loading;
    assert.equal(await f.cache.partitions('created'), 2);
  });

  it('forgets a topic the cluster no longer has', async () => {
    const f = fixture({ a: 1 });
    await f.cache.partitions('a');
    f.cache.forget('a');
    assert.equal(await f.cache.partitions('a'), undefined);
  });
});
