// GroupSession over a real MemoryStore reader: sharing, redelivery on deadline and on broken writes, safe commits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../shared/log.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { GroupSession } from './group-session.js';

async function setup(n: number): Promise<{ store: MemoryStore; session: GroupSession; clock: { t: number } }> {
  const store = new MemoryStore();
  await store.createTopic('t', { partitions: 1 });
  await store.append('t', Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`m${i}`) })));
  const clock = { t: 1_000 };
  const reader = await store.openReader('t', 'g', { reset: 'oldest' });
  const session = new GroupSession('t', 'g', reader, {
    ackDeadlineMs: 100,
    maxInflight: 100,
    commitIntervalMs: 60_000,
    fetchMax: 100,
    now: () => clock.t,
    log: silentLogger,
  });
  return { store, session, clock };
}

const values = (d: { messages: readonly { value: Buffer }[] } | undefined): string[] => d?.messages.map((m) => m.value.toString()) ?? [];

describe('GroupSession', () => {
  it('hands each message to one client', async () => {
    const { session } = await setup(4);
    const [a, b] = await Promise.all([session.pull(2, 1_000), session.pull(2, 1_000)]);
    assert.deepEqual([...values(a), ...values(b)].sort(), ['m0', 'm1', 'm2', 'm3']);
    await session.close();
  });

  it('redelivers a held delivery once its ack deadline passed, first in line', async () => {
    const { session, clock } = await setup(3);
    const d = await session.pull(1, 1_000);
    session.settle(d!, 'hold');
    assert.deepEqual(values(await session.pull(1, 1_000)), ['m1']);
    clock.t += 101;
    assert.deepEqual(values(await session.pull(1, 1_000)), ['m0']);
    await session.close();
  });

  it('requeues a delivery whose response broke, and never redelivers an acked one', async () => {
    const { session, clock } = await setup(2);
    const d = await session.pull(2, 1_000);
    session.settle(d!, 'release');
    const again = await session.pull(2, 1_000);
    assert.deepEqual(values(again), ['m0', 'm1']);
    session.settle(again!, 'ack');
    clock.t += 1_000;
    assert.equal(await session.pull(1, 50), undefined);
    await session.close();
  });

  it('commits only below the lowest unacknowledged offset', async () => {
    const { store, session } = await setup(3);
    const d0 = await session.pull(1, 1_000);
    const d1 = await session.pull(1, 1_000);
    session.settle(d0!, 'hold');
    session.settle(d1!, 'ack'); // m1 acked, m0 still in flight
    await session.commit();
    assert.deepEqual(await store.committed('t', 'g'), [{ partition: 0, offset: 0 }]);
    assert.equal(session.ack(0, 0), true);
    await session.commit();
    assert.deepEqual(await store.committed('t', 'g'), [{ partition: 0, offset: 2 }]);
    await session.close();
  });

  it('skipped messages count as processed at once: never redelivered, never holding back commits', async () => {
    const { store, session, clock } = await setup(4);
    const d = await session.pull(3, 1_000);
    const { kept, skipped } = session.skip(d!, (m) => m.value.toString() === 'm1');
    assert.equal(skipped, 2);
    assert.deepEqual(values(kept), ['m1']);
    session.settle(kept!, 'hold');
    await session.commit();
    assert.deepEqual(await store.committed('t', 'g'), [{ partition: 0, offset: 1 }], 'm0 skipped, m1 in flight');
    clock.t += 101;
    assert.deepEqual(values(await session.pull(3, 1_000)), ['m1'], 'only the kept message comes back after its deadline');
    assert.deepEqual(values(await session.pull(3, 1_000)), ['m3'], 'then the rest of the topic');
    assert.deepEqual(session.skip(d!, () => false), { kept: undefined, skipped: 0 }, 'a delivery no longer in flight is left alone');
    await session.close();
  });

  it('skip keeps at most `limit` wanted messages and puts what follows back in line, unexamined and in order', async () => {
    const { store, session } = await setup(6);
    const d = await session.pull(6, 1_000);
    const wanted = new Set(['m1', 'm2', 'm4']);
    const { kept, skipped } = session.skip(d!, (m) => wanted.has(m.value.toString()), 1);
    assert.deepEqual([values(kept), skipped], [['m1'], 1]);
    session.settle(kept!, 'ack');
    assert.deepEqual(values(await session.pull(6, 1_000)), ['m2', 'm3', 'm4', 'm5'], 'm0 skipped, m1 delivered, the rest back in line');
    await session.commit();
    assert.deepEqual(await store.committed('t', 'g'), [{ partition: 0, offset: 2 }]);
    await session.close();
  });

  it('answers waiting clients with nothing when released, and stops long-polling', async () => {
    const { session } = await setup(0);
    const waiting = session.pull(1, 10_000);
    session.releaseWaiters();
    assert.equal(await waiting, undefined);
    assert.equal(await session.pull(1, 10_000), undefined);
    await session.close();
  });
});

describe('GroupSession > a reader that returns at once', () => {
  it('backs off instead of spinning, so timers still run', async () => {
    let calls = 0;
    const reader = {
      fetch: async () => {
        calls++;
        return [];
      },
      commit: async () => undefined,
      close: async () => undefined,
    };
    const session = new GroupSession('t', 'g', reader, {
      ackDeadlineMs: 100,
      maxInflight: 10,
      commitIntervalMs: 60_000,
      fetchMax: 10,
      now: Date.now,
      log: silentLogger,
    });
    const waiting = session.pull(1, 300);
    // A timer firing at all proves the event loop is not starved; the backoff keeps fetches few.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await waiting, undefined);
    assert.ok(calls < 20, `${calls} fetches in 300 ms`);
    await session.close();
  });
});
