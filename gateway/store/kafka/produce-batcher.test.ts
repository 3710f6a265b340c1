// Unit tests of ProduceBatcher with a scripted send: coalescing, shared calls, offsets, failures, timeouts, lanes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { Acks, PartitionAck, ProduceRecord, ProduceRequest } from './kafka-client.js';
import { ProduceBatcher } from './produce-batcher.js';

interface Call {
  topic: string;
  values: string[];
  acks: Acks;
  /** Partitions of the request, in order of first record. */
  partitions: number[];
  /** Answers every partition of the request with this base offset (or per partition, by a map). */
  resolve(base: number | Record<number, number>): void;
  reject(e: Error): void;
}

/** A send whose requests the test answers by hand: one request per call, or one per partition (`perPartition`). */
function scriptedSend(perPartition = false): { calls: Call[]; send: (t: string, r: ProduceRecord[], a: Acks) => ProduceRequest[] } {
  const calls: Call[] = [];
  const request = (topic: string, records: ProduceRecord[], acks: Acks): ProduceRequest => {
    const partitions = [...new Set(records.map((r) => r.partition))];
    const done = new Promise<PartitionAck[]>((resolve, reject) => {
      calls.push({
        topic,
        values: records.map((r) => r.value.toString()),
        acks,
        partitions,
        resolve: (base) => resolve(partitions.map((partition) => ({ partition, baseOffset: typeof base === 'number' ? base : base[partition]! }))),
        reject,
      });
    });
    return { partitions, done };
  };
  const send = (topic: string, records: ProduceRecord[], acks: Acks): ProduceRequest[] =>
    perPartition
      ? [...new Set(records.map((r) => r.partition))].map((p) => request(topic, records.filter((r) => r.partition === p), acks))
      : [request(topic, records, acks)];
  return { calls, send };
}

/** Flushes run at the end of the event-loop turn that made them due. */
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

const recs = (partition: number, ...values: string[]): ProduceRecord[] =>
  values.map((v) => ({ partition, key: null, value: Buffer.from(v), headers: {} }));

const isUnavailable = (re: RegExp) => (e: unknown): boolean =>
  e instanceof AppError && e.code === ErrorCode.STORE_UNAVAILABLE && re.test(e.message);

describe('ProduceBatcher', () => {
  it('sends an append at the end of the turn when the partition is idle', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const p = b.append('t', 0, -1, recs(0, 'a', 'b'), 1000);
    await nextTurn();
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.values, ['a', 'b']);
    calls[0]!.resolve(10);
    assert.deepEqual(await p, [10, 11]);
  });

  it('packs the appends of one turn into one request, offsets in order', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const first = b.append('t', 0, -1, recs(0, 'a'), 1000);
    const second = b.append('t', 0, -1, recs(0, 'b', 'c'), 1000);
    const third = b.append('t', 0, -1, recs(0, 'd'), 1000);
    await nextTurn();
    assert.equal(calls.length, 1, 'one request in flight per partition');
    assert.deepEqual(calls[0]!.values, ['a', 'b', 'c', 'd'], 'appends of one turn share a request');
    calls[0]!.resolve(0);
    assert.deepEqual(await first, [0]);
    assert.deepEqual(await second, [1, 2]);
    assert.deepEqual(await third, [3]);
  });

  it('packs appends that queued behind the in-flight request into the next request', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const first = b.append('t', 0, -1, recs(0, 'a'), 1000);
    await nextTurn();
    const second = b.append('t', 0, -1, recs(0, 'b', 'c'), 1000);
    const third = b.append('t', 0, -1, recs(0, 'd'), 1000);
    await nextTurn();
    assert.equal(calls.length, 1, 'one request in flight per partition');
    calls[0]!.resolve(0);
    assert.deepEqual(await first, [0]);
    await nextTurn();
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1]!.values, ['b', 'c', 'd']);
    calls[1]!.resolve(1);
    assert.deepEqual(await second, [1, 2]);
    assert.deepEqual(await third, [3]);
  });

  it('rejects every append of a failed request and goes on with the next', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const first = b.append('t', 0, -1, recs(0, 'a'), 1000);
    await nextTurn();
    const second = b.append('t', 0, -1, recs(0, 'b'), 1000);
    const third = b.append('t', 0, -1, recs(0, 'c'), 1000);
    calls[0]!.resolve(0);
    await first;
    await nextTurn();
    calls[1]!.reject(new Error('broker said no'));
    await assert.rejects(second, /broker said no/);
    await assert.rejects(third, /broker said no/);
    const fourth = b.append('t', 0, -1, recs(0, 'd'), 1000);
    await nextTurn();
    assert.equal(calls.length, 3);
    calls[2]!.resolve(1);
    assert.deepEqual(await fourth, [1]);
  });

  it('ready partitions of a topic leave as one call, each with its own offsets', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const p0 = b.append('t', 0, -1, recs(0, 'a'), 1000);
    const p3 = b.append('t', 3, -1, recs(3, 'b', 'c'), 1000);
    const p0again = b.append('t', 0, -1, recs(0, 'd'), 1000);
    await nextTurn();
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.partitions, [0, 3]);
    assert.deepEqual(calls[0]!.values, ['a', 'd', 'b', 'c'], "each partition's records stay one contiguous run");
    calls[0]!.resolve({ 0: 40, 3: 7 });
    assert.deepEqual(await p0, [40]);
    assert.deepEqual(await p0again, [41]);
    assert.deepEqual(await p3, [7, 8]);
  });

  it('each request of a call answers only its own partitions, as soon as it settles', async () => {
    const { calls, send } = scriptedSend(true);
    const b = new ProduceBatcher(send);
    const p0 = b.append('t', 0, -1, recs(0, 'a'), 1000);
    const p1 = b.append('t', 1, -1, recs(1, 'b'), 1000);
    await nextTurn();
    assert.deepEqual(calls.map((c) => c.partitions), [[0], [1]]);
    calls[1]!.reject(new Error('leader of 1 is gone'));
    await assert.rejects(p1, /leader of 1 is gone/);
    const p1again = b.append('t', 1, -1, recs(1, 'c'), 1000);
    await nextTurn();
    assert.deepEqual(calls[2]!.partitions, [1], 'partition 1 goes on while partition 0 is still out');
    calls[2]!.resolve(3);
    assert.deepEqual(await p1again, [3]);
    calls[0]!.resolve(9);
    assert.deepEqual(await p0, [9]);
  });

  it('withdraws an append that times out while queued: it is never sent', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const first = b.append('t', 0, -1, recs(0, 'a'), 5000);
    await nextTurn();
    const queued = b.append('t', 0, -1, recs(0, 'late'), 20);
    await assert.rejects(queued, isUnavailable(/not sent/));
    calls[0]!.resolve(0);
    await first;
    await nextTurn();
    assert.equal(calls.length, 1, 'the withdrawn append never left');
  });

  it('an append that times out in flight reports an unknown outcome and ignores the late answer', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const p = b.append('t', 0, -1, recs(0, 'slow'), 20);
    await assert.rejects(p, isUnavailable(/outcome unknown/));
    calls[0]!.resolve(0); // must not throw or resolve anything twice
    const next = b.append('t', 0, -1, recs(0, 'next'), 1000);
    await nextTurn(); // the late answer frees the lane, which schedules its next flush...
    await nextTurn(); // ...for the end of the following turn
    assert.equal(calls.length, 2);
    calls[1]!.resolve(1);
    assert.deepEqual(await next, [1]);
  });

  it('keeps topics and acks levels apart, and a stuck partition does not hold another', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    void b.append('t', 0, -1, recs(0, 'stuck'), 60_000).catch(() => undefined);
    await nextTurn();
    const other = b.append('t', 1, -1, recs(1, 'x'), 1000);
    const local = b.append('t', 0, 1, recs(0, 'y'), 1000);
    const elsewhere = b.append('u', 0, -1, recs(0, 'z'), 1000);
    await nextTurn();
    assert.equal(calls.length, 4);
    assert.deepEqual(calls.slice(1).map((c) => [c.topic, c.acks, c.values]), [
      ['t', -1, ['x']],
      ['t', 1, ['y']],
      ['u', -1, ['z']],
    ]);
    calls[1]!.resolve(7);
    calls[2]!.resolve(8);
    calls[3]!.resolve(9);
    assert.deepEqual(await other, [7]);
    assert.deepEqual(await local, [8]);
    assert.deepEqual(await elsewhere, [9]);
    calls[0]!.reject(new Error('done'));
  });

  it('caps a partition at maxBatchRecords per request, but sends an oversized single append whole', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send, { maxBatchRecords: 3 });
    const a = b.append('t', 0, -1, recs(0, '1'), 1000);
    await nextTurn();
    const big = b.append('t', 0, -1, recs(0, '2', '3', '4', '5'), 1000);
    const c = b.append('t', 0, -1, recs(0, '6'), 1000);
    calls[0]!.resolve(0);
    await a;
    await nextTurn();
    assert.deepEqual(calls[1]!.values, ['2', '3', '4', '5'], 'alone, since it exceeds the cap');
    calls[1]!.resolve(1);
    await big;
    await nextTurn();
    assert.deepEqual(calls[2]!.values, ['6']);
    calls[2]!.resolve(5);
    assert.deepEqual(await c, [5]);
  });

  it('refuses new appends when too much is queued behind a partition', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send, { maxQueuedBytes: 10 });
    const first = b.append('t', 0, -1, recs(0, 'in-flight'), 1000);
    await nextTurn();
    const queued = b.append('t', 0, -1, recs(0, '12345678'), 1000);
    await assert.rejects(b.append('t', 0, -1, recs(0, 'too much'), 1000), isUnavailable(/too much queued/));
    calls[0]!.resolve(0);
    await first;
    await nextTurn();
    calls[1]!.resolve(1);
    assert.deepEqual(await queued, [1]);
  });

  it('with leaders known, a busy leader\'s other partitions queue for its next request; another leader\'s go at once', async () => {
    const { calls, send } = scriptedSend(true);
    // Partitions 0-3 on broker 1, 4-7 on broker 2; the send makes one request per partition, so calls show each lane.
    const b = new ProduceBatcher(send, { leaderOf: (_t, p) => (p < 4 ? 1 : 2) });
    const a0 = b.append('t', 0, -1, recs(0, 'a'), 1000);
    await nextTurn();
    assert.equal(calls.length, 1);
    const a1 = b.append('t', 1, -1, recs(1, 'b'), 1000);
    const a2 = b.append('t', 2, -1, recs(2, 'c'), 1000);
    const a4 = b.append('t', 4, -1, recs(4, 'd'), 1000);
    await nextTurn();
    assert.deepEqual(calls.slice(1).map((c) => c.partitions), [[4]], 'broker 2 is idle: its partition leaves; broker 1\'s wait');
    calls[0]!.resolve(10);
    assert.deepEqual(await a0, [10]);
    await nextTurn();
    assert.deepEqual(calls.slice(2).map((c) => c.values), [['b'], ['c']], 'both queued partitions of broker 1 leave together once it answered');
    calls[2]!.resolve(20);
    calls[3]!.resolve(30);
    calls[1]!.resolve(40);
    assert.deepEqual([await a1, await a2, await a4], [[20], [30], [40]]);
  });

  it('a partition whose leader is unknown keeps a request of its own in flight, as without leaders', async () => {
    const { calls, send } = scriptedSend(true);
    const b = new ProduceBatcher(send, { leaderOf: () => undefined });
    const a0 = b.append('t', 0, -1, recs(0, 'a'), 1000);
    await nextTurn();
    const a1 = b.append('t', 1, -1, recs(1, 'b'), 1000);
    await nextTurn();
    assert.deepEqual(calls.map((c) => c.partitions), [[0], [1]]);
    calls[0]!.resolve(1);
    calls[1]!.resolve(2);
    assert.deepEqual([await a0, await a1], [[1], [2]]);
  });

  it('a failed request frees its leader: the partitions queued behind it are sent next', async () => {
    const { calls, send } = scriptedSend(true);
    const b = new ProduceBatcher(send, { leaderOf: () => 1 });
    const a0 = b.append('t', 0, -1, recs(0, 'a'), 1000);
    await nextTurn();
    const a1 = b.append('t', 1, -1, recs(1, 'b'), 1000);
    await nextTurn();
    assert.equal(calls.length, 1, 'partition 1 waits behind partition 0 on the same leader');
    calls[0]!.reject(new Error('leader gone'));
    await assert.rejects(a0, /leader gone/);
    await nextTurn();
    assert.deepEqual(calls[1]!.values, ['b']);
    calls[1]!.resolve(7);
    assert.deepEqual(await a1, [7]);
  });
});
