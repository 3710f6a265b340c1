// KafkaStore against the real broker: the Store conformance suite plus Kafka-only behaviour (groups, backpressure, breaker).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { hostList, requireKafka } from '../../../test/helpers/services.js';
import { readExactly, runStoreConformance } from '../store.case.test.js';
import type { GroupReader, StoredMessage } from '../store.js';
import { KafkaStore, type KafkaStoreOptions } from './kafka-store.js';

const newStore = async (extra: Partial<KafkaStoreOptions> = {}): Promise<KafkaStore> =>
  new KafkaStore({ brokers: hostList(await requireKafka()), clientId: 'kateway-test', ...extra });

runStoreConformance(
  'kafka',
  async () => {
    const store = await newStore();
    return { store, cleanup: () => store.close() };
  },
  { promptMs: 1500, deadlineMs: 20_000 },
);

// The kafkajs producer stays selectable (--kafka-producer kafkajs): it must keep passing the same suite.
runStoreConformance(
  'kafka (kafkajs producer)',
  async () => {
    const store = await newStore({ producer: 'kafkajs' });
    return { store, cleanup: () => store.close() };
  },
  { promptMs: 1500, deadlineMs: 20_000 },
);

const randomTopic = (): string => `kt.t${randomBytes(5).toString('hex')}.v1`;
const randomGroup = (): string => `app.g${randomBytes(5).toString('hex')}`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('KafkaStore > Kafka behaviour', { timeout: 300_000 }, () => {
  let store: KafkaStore;
  before(async () => {
    store = await newStore({ reader: { maxBufferedMessages: 20 } });
  });
  after(() => store.close());

  it('appends that fit alone are not refused as too large when they share a request (record overhead counted)', async () => {
    const topic = randomTopic();
    await store.createTopic(topic, { partitions: 1 });
    // Four batches of 1,000 × 255 B queued together: 1,020,000 value bytes, under the 1 MiB request cap, but
    // with each record's framing over the broker's 1,048,588-byte message.max.bytes.
    const batch = (b: number) => range(1000).map((i) => ({ value: Buffer.alloc(255, 97 + ((b + i) % 26)) }));
    const results = await Promise.allSettled(range(4).map((b) => store.append(topic, batch(b))));
    for (const r of results) assert.equal(r.status, 'fulfilled', r.status === 'rejected' ? String(r.reason) : '');
  });

  it('acks=local appends and is read back like acks=all', async () => {
    const topic = randomTopic();
    await store.createTopic(topic, { partitions: 1 });
    const a = await store.append(topic, [{ value: Buffer.from('local') }], { acks: 'local' });
    const b = await store.append(topic, [{ value: Buffer.from('all') }], { acks: 'all' });
    assert.deepEqual([...a, ...b], [{ partition: 0, offset: 0 }, { partition: 0, offset: 1 }]);
  });

  it('unkeyed messages of one append share a partition, successive appends rotate', async () => {
    const topic = randomTopic();
    await store.createTopic(topic, { partitions: 3 });
    const seen = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const pos = await store.append(topic, range(10).map((j) => ({ value: Buffer.from(`${i}.${j}`) })));
      assert.equal(new Set(pos.map((p) => p.partition)).size, 1, 'one partition per call');
      seen.add(pos[0]!.partition);
    }
    assert.equal(seen.size, 3);
  });

  it('an unkeyed message in a keyed batch joins the keyed partition (one record batch)', async () => {
    const topic = randomTopic();
    await store.createTopic(topic, { partitions: 4 });
    const pos = await store.append(topic, [{ value: Buffer.from('a'), key: 'K' }, { value: Buffer.from('b') }]);
    assert.equal(pos[0]!.partition, pos[1]!.partition);
    assert.equal(pos[1]!.offset, pos[0]!.offset + 1);
  });

  it('pauses on a full buffer and resumes as fetch drains it: nothing lost or repeated', async () => {
    const topic = randomTopic();
    await store.createTopic(topic, { partitions: 2 });
    const total = 600;
    for (let i = 0; i < total; i += 100) {
      await store.append(topic, range(100).map((j) => ({ value: Buffer.from(`m${i + j}`), key: `k${(i + j) % 13}` })));
    }
    const reader = await store.openReader(topic, randomGroup(), { reset: 'oldest' });
    const got: StoredMessage[] = [];
    const deadline = performance.now() + 60_000;
    while (got.length < total && performance.now() < deadline) got.push(...(await reader.fetch(7, 1000)));
    assert.equal(got.length, total);
    assert.equal(new Set(got.map((m) => `${m.partition}:${m.offset}`)).size, total, 'no message twice');
    assert.deepEqual(await reader.fetch(10, 300), []);
    await reader.close();
  });

  it('a reader holds the fetch after one that brought records for fetchPacingMs, then reads what came meanwhile', async () => {
    const paceMs = 400;
    const paced = await newStore({ client: { fetchPacingMs: paceMs } });
    try {
      const topic = randomTopic();
      await paced.createTopic(topic, { partitions: 4 });
      const reader = await paced.openReader(topic, randomGroup(), { reset: 'newest' });
      await paced.append(topic, [{ value: Buffer.from('first') }]);
      const first = await reader.fetch(10, 10_000);
      const heldFrom = performance.now();
      // Two partitions' records arrive during the hold: the next fetch brings both, and not before the hold ends.
      await Promise.all([paced.append(topic, [{ value: Buffer.from('a'), key: 'k1' }]), paced.append(topic, [{ value: Buffer.from('b'), key: 'k2' }])]);
      const later: StoredMessage[] = [];
      while (later.length < 2) later.push(...(await reader.fetch(10, 10_000)));
      const waited = performance.now() - heldFrom;
      assert.deepEqual(first.map((m) => m.value.toString()), ['first']);
      assert.deepEqual(later.map((m) => m.value.toString()).sort(), ['a', 'b']);
      assert.ok(waited >= paceMs - 50, `the next fetch left ${waited.toFixed(0)} ms after the first delivery (hold ${paceMs} ms)`);
      await reader.close();
    } finally {
      await paced.close();
    }
  });

  it('two readers of one group split the partitions and deliver each message once', async () => {
    const topic = randomTopic();
    const group = randomGroup();
    await store.createTopic(topic, { partitions: 4 });
    const a = await store.openReader(topic, group, { reset: 'oldest' });
    const b = await store.openReader(topic, group, { reset: 'oldest' });
    const ids = range(200).map((i) => `id${i}`);
    await store.append(topic, ids.map((id) => ({ value: Buffer.from(id), key: id })));
    const [fromA, fromB] = await drainBoth(a, b, ids.length, 60_000);
    assert.deepEqual([...fromA, ...fromB].map((m) => m.value.toString()).sort(), [...ids].sort());
    const partsOf = (r: StoredMessage[]): number[] => [...new Set(r.map((m) => m.partition))];
    assert.ok(fromA.length > 0 && fromB.length > 0, `both members read (${fromA.length}/${fromB.length})`);
    assert.deepEqual(partsOf(fromA).filter((p) => partsOf(fromB).includes(p)), [], 'a partition has one reader');
    await Promise.all([a.close(), b.close()]);
  });

  it('a rebalance that keeps a partition on a reader does not make it deliver that partition again', async () => {
    const topic = randomTopic();
    const group = randomGroup();
    await store.createTopic(topic, { partitions: 2 });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    await store.append(topic, keys.map((k) => ({ key: k, value: Buffer.from(`old-${k}`) })));
    const first = await store.openReader(topic, group, { reset: 'oldest' });
    await readExactly(first, keys.length, 20_000); // nothing committed: the group's offsets stay at 0
    const second = await store.openReader(topic, group, { reset: 'oldest' }); // forces `first` to rejoin
    await store.append(topic, keys.map((k) => ({ key: k, value: Buffer.from(`new-${k}`) })));
    const [fromFirst, fromSecond] = await drainUntil(first, second, (a, b) => a.filter(isNew).length + b.filter(isNew).length === keys.length);
    assert.deepEqual(fromFirst.filter((m) => !isNew(m)), [], 'the partition it kept resumes where it was, not at the committed 0');
    // The partition that moved starts at the group's committed offset (0) on the new member: at-least-once.
    assert.ok(fromSecond.some((m) => !isNew(m)), 'the moved partition is replayed from the committed offset');
    await Promise.all([first.close(), second.close()]);
  });

  it('a reader that leaves hands its partitions over at the committed offset', async () => {
    const topic = randomTopic();
    const group = randomGroup();
    await store.createTopic(topic, { partitions: 1 });
    await store.append(topic, range(10).map((i) => ({ value: Buffer.from(`m${i}`) })));
    const first = await store.openReader(topic, group, { reset: 'oldest' });
    await readExactly(first, 10, 20_000);
    await first.commit([{ partition: 0, offset: 7 }]);
    await first.close();
    const t0 = performance.now();
    const second = await store.openReader(topic, group, { reset: 'oldest' });
    // A clean leave (LeaveGroup) lets the next member join at once, not after the 10 s session timeout.
    assert.ok(performance.now() - t0 < 5_000, `joined after ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual((await readExactly(second, 3, 20_000)).map((m) => m.offset), [7, 8, 9]);
    await second.close();
  });

  it('createTopic honours the replication factor the broker can give, and rejects one it cannot', async () => {
    await assert.rejects(
      store.createTopic(randomTopic(), { partitions: 1, replicationFactor: 5 }),
      (e: unknown) => e instanceof AppError && (e.code === ErrorCode.BAD_REQUEST || e.code === ErrorCode.STORE_UNAVAILABLE),
    );
    await assert.rejects(store.createTopic('bad topic!', { partitions: 1 }), (e: unknown) => e instanceof AppError && e.code === ErrorCode.BAD_REQUEST);
  });
});

describe('KafkaStore > breaker with no broker', { timeout: 60_000 }, () => {
  it('rejects within the produce timeout, then at once while open, never hangs', async () => {
    // A closed port on loopback: every connect is refused, as when Kafka is down.
    const dead = newStoreAt(['127.0.0.1:1'], { produceTimeoutMs: 1500, adminTimeoutMs: 1500, breaker: { failureThreshold: 3, openMs: 60_000 } });
    try {
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await assert.rejects(dead.append('a.t.v1', [{ value: Buffer.from('x') }]), isUnavailable);
        assert.ok(performance.now() - t0 < 2500, 'bounded by the timeout');
      }
      assert.equal(dead.breakerState, 'open');
      const t0 = performance.now();
      await assert.rejects(dead.append('a.t.v1', [{ value: Buffer.from('x') }]), (e: unknown) => {
        assert.ok(isUnavailable(e));
        assert.ok((e as AppError).retryAfterSec! >= 1, 'carries Retry-After');
        return true;
      });
      assert.ok(performance.now() - t0 < 50, 'an open breaker answers at once');
    } finally {
      await dead.close();
    }
  });
});

function newStoreAt(b: string[], extra: Partial<KafkaStoreOptions>): KafkaStore {
  return new KafkaStore({ brokers: b, clientId: 'kateway-test', client: { connectionTimeoutMs: 300 }, ...extra });
}

const isUnavailable = (e: unknown): boolean => e instanceof AppError && e.code === ErrorCode.STORE_UNAVAILABLE;

/** Reads from both readers at once until `n` messages arrived in total; returns what each one read. */
async function drainBoth(a: GroupReader, b: GroupReader, n: number, ms: number): Promise<[StoredMessage[], StoredMessage[]]> {
  const fromA: StoredMessage[] = [];
  const fromB: StoredMessage[] = [];
  const deadline = performance.now() + ms;
  while (fromA.length + fromB.length < n && performance.now() < deadline) {
    const [x, y] = await Promise.all([a.fetch(100, 500), b.fetch(100, 500)]);
    fromA.push(...x);
    fromB.push(...y);
  }
  assert.equal(fromA.length + fromB.length, n, `read ${fromA.length + fromB.length} of ${n}`);
  return [fromA, fromB];
}

const isNew = (m: StoredMessage): boolean => m.value.toString().startsWith('new-');

/** Reads from both readers until `done` holds for what each has read so far (or 60 s pass). */
async function drainUntil(
  a: GroupReader,
  b: GroupReader,
  done: (fromA: StoredMessage[], fromB: StoredMessage[]) => boolean,
): Promise<[StoredMessage[], StoredMessage[]]> {
  const fromA: StoredMessage[] = [];
  const fromB: StoredMessage[] = [];
  const deadline = performance.now() + 60_000;
  while (!done(fromA, fromB)) {
    if (performance.now() > deadline) assert.fail(`not done after 60 s (${fromA.length}/${fromB.length} read)`);
    const [x, y] = await Promise.all([a.fetch(100, 300), b.fetch(100, 300)]);
    fromA.push(...x);
    fromB.push(...y);
  }
  // One more short round: anything delivered twice would show up now.
  const [x, y] = await Promise.all([a.fetch(100, 300), b.fetch(100, 300)]);
  return [[...fromA, ...x], [...fromB, ...y]];
}
