// The Store conformance suite: every backend (memory, sqlite, kafka) runs it from its own test file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { partitionForKey } from './partitioner.js';
import type { GroupReader, OutgoingMessage, Position, Store, StoredMessage } from './store.js';

/** What a factory hands the suite: a ready store and how to dispose of it (close, delete files, ...). */
export interface StoreFixture {
  store: Store;
  cleanup(): Promise<void>;
}

export interface ConformanceOptions {
  /**
   * How long a waiting fetch may take to see an append, or to return after an abort, in ms (default 2000).
   * A bound against hangs, not a latency measure (benchmarks measure that): on a loaded 2-core CI machine the event
   * loop alone may lag a few hundred ms, so local stores pass 1000 and Kafka adds its fetch round trip.
   */
  promptMs?: number;
  /** Deadline for reading back an expected set of messages, in ms (default 20000). */
  deadlineMs?: number;
}

const TEST_TIMEOUT_MS = 120_000;

/**
 * Registers the conformance tests for one Store implementation. `factory` is called once for the shared
 * store and once more for the close test; every test uses fresh random topic and group names, so a
 * backend with state left over from other runs (a real Kafka) is fine.
 */
export function runStoreConformance(
  name: string,
  factory: () => Promise<StoreFixture>,
  opts: ConformanceOptions = {},
): void {
  const promptMs = opts.promptMs ?? 2000;
  const deadlineMs = opts.deadlineMs ?? 20_000;

  describe(`Store conformance > ${name}`, { timeout: TEST_TIMEOUT_MS * 20 }, () => {
    let fixture: StoreFixture | undefined;
    const store = (): Store => {
      if (!fixture) throw new Error('fixture not ready');
      return fixture.store;
    };
    const newTopic = async (partitions: number): Promise<string> => {
      const topic = randomTopic();
      assert.equal(await store().createTopic(topic, { partitions, replicationFactor: 1 }), true);
      return topic;
    };
    const readN = (reader: GroupReader, n: number): Promise<StoredMessage[]> => readExactly(reader, n, deadlineMs);
    const test = (title: string, fn: () => Promise<void>): void => {
      it(title, { timeout: TEST_TIMEOUT_MS }, fn);
    };

    before(async () => {
      fixture = await factory();
    });
    after(async () => {
      await fixture?.cleanup();
    });

    describe('topics', () => {
      test('createTopic returns true, then false once the topic exists', async () => {
        const topic = randomTopic();
        assert.equal(await store().hasTopic(topic), false);
        assert.equal(await store().createTopic(topic, { partitions: 2, replicationFactor: 1 }), true);
        assert.equal(await store().createTopic(topic, { partitions: 5, replicationFactor: 1 }), false);
        assert.equal(await store().hasTopic(topic), true);
        assert.ok((await store().listTopics()).includes(topic));
        assert.equal((await store().partitions(topic)).length, 2, 'the second create must not change the spec');
      });

      test('partitions() of a new topic lists every partition at 0/0, ordered', async () => {
        const topic = await newTopic(3);
        assert.deepEqual(await store().partitions(topic), [
          { partition: 0, oldest: 0, latest: 0 },
          { partition: 1, oldest: 0, latest: 0 },
          { partition: 2, oldest: 0, latest: 0 },
        ]);
      });

      test('calls on an unknown topic reject with NOT_FOUND', async () => {
        const topic = randomTopic();
        await assert.rejects(store().partitions(topic), isCode(ErrorCode.NOT_FOUND));
        await assert.rejects(store().openReader(topic, randomGroup(), { reset: 'oldest' }), isCode(ErrorCode.NOT_FOUND));
      });
    });

    describe('append', () => {
      test('assigns dense per-partition offsets from 0, and partitions() follows', async () => {
        const topic = await newTopic(3);
        const perPartition = new Map<number, number[]>();
        for (let i = 0; i < 30; i++) {
          const [pos] = await store().append(topic, [{ value: Buffer.from(`m${i}`), key: `k${i}` }]);
          assert.ok(pos);
          const list = perPartition.get(pos.partition) ?? [];
          list.push(pos.offset);
          perPartition.set(pos.partition, list);
        }
        for (const [p, offsets] of perPartition) assert.deepEqual(offsets, range(offsets.length), `partition ${p}`);
        const infos = await store().partitions(topic);
        assert.deepEqual(
          infos,
          [0, 1, 2].map((p) => ({ partition: p, oldest: 0, latest: perPartition.get(p)?.length ?? 0 })),
        );
      });

      test('keyed messages land on partitionForKey(key), positions in input order', async () => {
        const topic = await newTopic(5);
        const keys = Array.from({ length: 50 }, (_, i) => `user-${i}-${randomBytes(3).toString('hex')}`);
        const positions = await store().append(
          topic,
          keys.map((key) => ({ key, value: Buffer.from(key) })),
        );
        assert.equal(positions.length, keys.length);
        positions.forEach((pos, i) => assert.equal(pos.partition, partitionForKey(keys[i]!, 5), keys[i]));
        const read = await readN(await store().openReader(topic, randomGroup(), { reset: 'oldest' }), 50);
        for (const m of read) assert.equal(m.partition, partitionForKey(m.key!, 5));
      });

      test('a batch gets contiguous offsets in input order', async () => {
        const topic = await newTopic(1);
        const positions = await store().append(
          topic,
          range(100).map((i) => ({ value: Buffer.from(`b${i}`) })),
        );
        assert.deepEqual(positions, range(100).map((offset) => ({ partition: 0, offset })));
      });

      test('append to an unknown topic rejects with NOT_FOUND and stores nothing', async () => {
        const topic = randomTopic();
        await assert.rejects(
          store().append(topic, [{ value: Buffer.from('x') }, { value: Buffer.from('y'), key: 'k' }]),
          isCode(ErrorCode.NOT_FOUND),
        );
        assert.equal(await store().hasTopic(topic), false);
        assert.ok(!(await store().listTopics()).includes(topic));
      });

      test('a failing append does not disturb appends made at the same time', async () => {
        const topic = await newTopic(1);
        const [a, bad, b] = await Promise.allSettled([
          store().append(topic, [{ value: Buffer.from('a') }]),
          store().append(randomTopic(), [{ value: Buffer.from('lost') }]),
          store().append(topic, [{ value: Buffer.from('b1') }, { value: Buffer.from('b2') }]),
        ]);
        assert.equal(a.status, 'fulfilled');
        assert.equal(b.status, 'fulfilled');
        assert.equal(bad.status, 'rejected');
        assert.ok(isCode(ErrorCode.NOT_FOUND)(bad.reason));
        const offsets = [...a.value, ...b.value].map((p) => p.offset).sort((x, y) => x - y);
        assert.deepEqual(offsets, [0, 1, 2]);
        const read = await readN(await store().openReader(topic, randomGroup(), { reset: 'oldest' }), 3);
        assert.deepEqual(read.map((m) => m.value.toString()).sort(), ['a', 'b1', 'b2']);
        assert.deepEqual(await store().partitions(topic), [{ partition: 0, oldest: 0, latest: 3 }]);
      });

      test('key, tag and value round-trip byte for byte', async () => {
        const topic = await newTopic(1);
        const tagged = randomBytes(1000);
        tagged[0] = 0x01; // the original's in-band tag marker must mean nothing to a store
        const sent: OutgoingMessage[] = [
          { value: tagged, key: 'k1', tag: 'a=b;c=d' },
          { value: Buffer.from([0x01, 0x02, 0x00, 0xff]), tag: '' },
          { value: Buffer.alloc(0) },
          { value: randomBytes(64 * 1024), key: 'ключ-🔑' },
          { value: Buffer.from('plain') },
        ];
        const before = Date.now();
        const positions = await store().append(topic, sent);
        const after = Date.now();
        const read = await readN(await store().openReader(topic, randomGroup(), { reset: 'oldest' }), sent.length);
        read.forEach((m, i) => {
          const want = sent[i]!;
          assert.deepEqual({ partition: m.partition, offset: m.offset }, positions[i]);
          assert.ok(Buffer.isBuffer(m.value), 'value is a Buffer');
          assert.ok(m.value.equals(want.value), `value ${i}`);
          if (want.key === undefined) assert.equal(m.key, null, `key ${i}`);
          else assert.ok(m.key?.equals(Buffer.from(want.key, 'utf8')), `key ${i}`);
          assert.equal(m.tag, want.tag ?? null, `tag ${i}`);
          assert.ok(m.timestamp >= before - 5000 && m.timestamp <= after + 5000, `timestamp ${i}`);
        });
      });
    });

    describe('readers', () => {
      test('reset=oldest delivers every message once, in order per partition', async () => {
        const topic = await newTopic(3);
        const sent = range(60).map((i) => ({ key: `key-${i % 7}`, value: Buffer.from(`v${i}`) }));
        for (let i = 0; i < sent.length; i += 10) await store().append(topic, sent.slice(i, i + 10));
        const reader = await store().openReader(topic, randomGroup(), { reset: 'oldest' });
        const read = await readN(reader, 60);
        assertOrderedFromZero(read);
        // Per key (one partition each), the values keep the publish order.
        for (let k = 0; k < 7; k++) {
          const got = read.filter((m) => m.key?.toString() === `key-${k}`).map((m) => m.value.toString());
          const want = sent.filter((m) => m.key === `key-${k}`).map((m) => m.value.toString());
          assert.deepEqual(got, want);
        }
        assert.deepEqual(await reader.fetch(10, 200), []);
        await reader.close();
      });

      test('fetch returns at most max messages and never repeats one', async () => {
        const topic = await newTopic(1);
        await store().append(topic, range(10).map((i) => ({ value: Buffer.from(`m${i}`) })));
        const reader = await store().openReader(topic, randomGroup(), { reset: 'oldest' });
        const first = await reader.fetch(3, deadlineMs);
        assert.ok(first.length >= 1 && first.length <= 3, `got ${first.length}`);
        const rest = await readN(reader, 10 - first.length);
        assert.deepEqual([...first, ...rest].map((m) => m.offset), range(10));
        await reader.close();
      });

      test('reset=newest delivers only messages appended after the reader opened', async () => {
        const topic = await newTopic(2);
        await store().append(topic, range(5).map((i) => ({ value: Buffer.from(`old${i}`), key: `k${i}` })));
        const reader = await store().openReader(topic, randomGroup(), { reset: 'newest' });
        await store().append(topic, range(3).map((i) => ({ value: Buffer.from(`new${i}`), key: `k${i}` })));
        const read = await readN(reader, 3);
        assert.deepEqual(read.map((m) => m.value.toString()).sort(), ['new0', 'new1', 'new2']);
        assert.deepEqual(await reader.fetch(10, 200), []);
        await reader.close();
      });

      test('fetch resolves [] after waitMs when nothing arrives', async () => {
        const topic = await newTopic(1);
        const reader = await store().openReader(topic, randomGroup(), { reset: 'oldest' });
        const started = performance.now();
        assert.deepEqual(await reader.fetch(10, 300), []);
        const elapsed = performance.now() - started;
        assert.ok(elapsed >= 250, `returned after ${elapsed.toFixed(1)} ms, before waitMs`);
        assert.ok(elapsed < 300 + promptMs, `returned after ${elapsed.toFixed(1)} ms`);
        await reader.close();
      });

      test('a waiting fetch wakes promptly when a message is appended', async () => {
        const topic = await newTopic(2);
        const reader = await store().openReader(topic, randomGroup(), { reset: 'oldest' });
        const waitMs = Math.max(20_000, promptMs * 4);
        const fetching = reader.fetch(10, waitMs);
        const started = performance.now();
        await store().append(topic, [{ value: Buffer.from('wake'), key: 'w' }]);
        const got = await fetching;
        const elapsed = performance.now() - started;
        assert.deepEqual(got.map((m) => m.value.toString()), ['wake']);
        assert.ok(elapsed < promptMs, `woke after ${elapsed.toFixed(1)} ms`);
        await reader.close();
      });

      test('an aborted signal resolves [] and skips nothing', async () => {
        const topic = await newTopic(1);
        const reader = await store().openReader(topic, randomGroup(), { reset: 'oldest' });
        await store().append(topic, [{ value: Buffer.from('ready') }]);
        assert.deepEqual(await reader.fetch(10, 5000, AbortSignal.abort()), [], 'already aborted');

        const first = await readN(reader, 1);
        assert.equal(first[0]!.value.toString(), 'ready', 'the aborted fetch must not consume');

        const ctrl = new AbortController();
        const waiting = reader.fetch(10, 60_000, ctrl.signal);
        const started = performance.now();
        ctrl.abort();
        assert.deepEqual(await waiting, []);
        assert.ok(performance.now() - started < promptMs, 'abort must end the wait promptly');

        await store().append(topic, [{ value: Buffer.from('after') }]);
        const next = await readN(reader, 1);
        assert.equal(next[0]!.value.toString(), 'after');
        await reader.close();
      });

      test('two groups each receive every message (fan-out)', async () => {
        const topic = await newTopic(2);
        const ids = range(40).map((i) => `id-${i}`);
        await store().append(topic, ids.map((id) => ({ value: Buffer.from(id), key: id })));
        const [a, b] = await Promise.all([
          store().openReader(topic, randomGroup(), { reset: 'oldest' }),
          store().openReader(topic, randomGroup(), { reset: 'oldest' }),
        ]);
        const [ra, rb] = await Promise.all([readN(a!, 40), readN(b!, 40)]);
        assert.deepEqual(ra.map((m) => m.value.toString()).sort(), [...ids].sort());
        assert.deepEqual(rb.map((m) => m.value.toString()).sort(), [...ids].sort());
        await Promise.all([a!.close(), b!.close()]);
      });

      test('concurrent appends get unique dense offsets and are all read back (fan-in)', async () => {
        const topic = await newTopic(4);
        const singles = range(200).map((i) => [{ value: Buffer.from(`s${i}`) }]);
        const batches = range(20).map((b) => range(5).map((i) => ({ value: Buffer.from(`b${b}.${i}`), key: `bk${b}` })));
        const requests = [...singles, ...batches];
        const results = await Promise.all(requests.map((msgs) => store().append(topic, msgs)));
        const byPosition = new Map<string, string>();
        results.forEach((positions, r) =>
          positions.forEach((pos, i) => byPosition.set(posKey(pos), requests[r]![i]!.value.toString())),
        );
        assert.equal(byPosition.size, 300, 'every message has its own position');
        const infos = await store().partitions(topic);
        for (const info of infos) {
          const offsets = [...byPosition.keys()]
            .map((k) => k.split(':').map(Number) as [number, number])
            .filter(([p]) => p === info.partition)
            .map(([, o]) => o)
            .sort((x, y) => x - y);
          assert.deepEqual(offsets, range(info.latest), `partition ${info.partition} is dense`);
        }
        const read = await readN(await store().openReader(topic, randomGroup(), { reset: 'oldest' }), 300);
        for (const m of read) assert.equal(m.value.toString(), byPosition.get(posKey(m)), posKey(m));
      });
    });

    describe('commits', () => {
      test('a reopened group resumes at its committed offset', async () => {
        const topic = await newTopic(1);
        const group = randomGroup();
        await store().append(topic, range(10).map((i) => ({ value: Buffer.from(`m${i}`) })));
        const first = await store().openReader(topic, group, { reset: 'oldest' });
        assert.equal((await readN(first, 10)).length, 10);
        await first.commit([{ partition: 0, offset: 4 }]);
        await first.close();
        assert.deepEqual(await store().committed(topic, group), [{ partition: 0, offset: 4 }]);
        // The committed offset wins over reset.
        const second = await store().openReader(topic, group, { reset: 'newest' });
        assert.deepEqual((await readN(second, 6)).map((m) => m.offset), [4, 5, 6, 7, 8, 9]);
        await second.close();
      });

      test('commits are monotonic', async () => {
        const topic = await newTopic(1);
        const group = randomGroup();
        await store().append(topic, range(10).map((i) => ({ value: Buffer.from(`m${i}`) })));
        const reader = await store().openReader(topic, group, { reset: 'oldest' });
        await readN(reader, 10);
        await reader.commit([{ partition: 0, offset: 6 }]);
        await reader.commit([{ partition: 0, offset: 3 }]);
        assert.deepEqual(await store().committed(topic, group), [{ partition: 0, offset: 6 }]);
        await reader.close();
        const again = await store().openReader(topic, group, { reset: 'oldest' });
        assert.equal((await readN(again, 1))[0]!.offset, 6);
        await again.close();
      });

      test('committed() lists only the partitions the group committed', async () => {
        const topic = await newTopic(3);
        const group = randomGroup();
        await store().append(topic, range(9).map((i) => ({ value: Buffer.from(`m${i}`), key: `k${i}` })));
        const reader = await store().openReader(topic, group, { reset: 'oldest' });
        assert.deepEqual(await store().committed(topic, group), []);
        await readN(reader, 9);
        await reader.commit([{ partition: 1, offset: 1 }]);
        assert.deepEqual(await store().committed(topic, group), [{ partition: 1, offset: 1 }]);
        await reader.commit([{ partition: 2, offset: 1 }, { partition: 1, offset: 2 }]);
        const got = [...(await store().committed(topic, group))].sort((x, y) => x.partition - y.partition);
        assert.deepEqual(got, [{ partition: 1, offset: 2 }, { partition: 2, offset: 1 }]);
        assert.deepEqual(await store().committed(topic, randomGroup()), [], 'other groups are untouched');
        await reader.close();
      });

      test('reader close is idempotent', async () => {
        const topic = await newTopic(1);
        const reader = await store().openReader(topic, randomGroup(), { reset: 'oldest' });
        await reader.close();
        await reader.close();
      });
    });

    describe('close', () => {
      test('store close is idempotent and every later call rejects', async () => {
        const own = await factory();
        try {
          const topic = randomTopic();
          await own.store.createTopic(topic, { partitions: 1, replicationFactor: 1 });
          await own.store.close();
          await own.store.close();
          await assert.rejects(own.store.hasTopic(topic), isAppError);
          await assert.rejects(own.store.listTopics(), isAppError);
          await assert.rejects(own.store.createTopic(randomTopic(), { partitions: 1 }), isAppError);
          await assert.rejects(own.store.append(topic, [{ value: Buffer.from('x') }]), isAppError);
          await assert.rejects(own.store.partitions(topic), isAppError);
          await assert.rejects(own.store.committed(topic, 'g'), isAppError);
          await assert.rejects(own.store.openReader(topic, 'g', { reset: 'oldest' }), isAppError);
        } finally {
          await own.cleanup();
        }
      });
    });
  });
}

/** Fetches until exactly `n` messages arrived (failing on more), or fails at the deadline. */
export async function readExactly(reader: GroupReader, n: number, deadlineMs: number): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  const deadline = performance.now() + deadlineMs;
  while (out.length < n) {
    const left = deadline - performance.now();
    if (left <= 0) assert.fail(`read ${out.length} of ${n} messages before the deadline`);
    out.push(...(await reader.fetch(n - out.length, Math.min(1000, Math.ceil(left)))));
  }
  assert.equal(out.length, n, 'read more messages than were appended');
  return out;
}

function assertOrderedFromZero(messages: StoredMessage[]): void {
  const byPartition = new Map<number, number[]>();
  for (const m of messages) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m.offset]);
  for (const [p, offsets] of byPartition) assert.deepEqual(offsets, range(offsets.length), `partition ${p}`);
}

const isAppError = (e: unknown): boolean => e instanceof AppError;
const isCode =
  (code: ErrorCode) =>
  (e: unknown): boolean =>
    e instanceof AppError && e.code === code;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const posKey = (p: Position): string => `${p.partition}:${p.offset}`;
const randomTopic = (): string => `conf.t${randomBytes(5).toString('hex')}.v1`;
const randomGroup = (): string => `g${randomBytes(5).toString('hex')}`;
