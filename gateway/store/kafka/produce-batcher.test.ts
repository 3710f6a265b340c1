// Unit tests of ProduceBatcher with a scripted send: coalescing, offsets, failures, timeouts, lanes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { Acks, PartitionAck, ProduceRecord } from './kafka-client.js';
import { ProduceBatcher } from './produce-batcher.js';

interface Call {
  topic: string;
  values: string[];
  acks: Acks;
  partition: number;
  resolve(base: number): void;
  reject(e: Error): void;
}

/** A send whose calls the test answers by hand. */
function scriptedSend(): { calls: Call[]; send: (t: string, r: ProduceRecord[], a: Acks) => Promise<PartitionAck[]> } {
  const calls: Call[] = [];
  const send = (topic: string, records: ProduceRecord[], acks: Acks): Promise<PartitionAck[]> =>
    new Promise((resolve, reject) => {
      const partition = records[0]!.partition;
      calls.push({
        topic,
        values: records.map((r) => r.value.toString()),
        acks,
        partition,
        resolve: (base) => resolve([{ partition, baseOffset: base }]),
        reject,
      });
    });
  return { calls, send };
}

const recs = (partition: number, ...values: string[]): ProduceRecord[] =>
  values.map((v) => ({ partition, key: null, value: Buffer.from(v), headers: {} }));

const isUnavailable = (re: RegExp) => (e: unknown): boolean =>
  e instanceof AppError && e.code === ErrorCode.STORE_UNAVAILABLE && re.test(e.message);

describe('ProduceBatcher', () => {
  it('sends an append at once when the partition is idle', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const p = b.append('t', 0, -1, recs(0, 'a', 'b'), 1000);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.values, ['a', 'b']);
    calls[0]!.resolve(10);
    assert.deepEqual(await p, [10, 11]);
  });

  it('packs appends that queued behind the in-flight request into one request, offsets in order', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const first = b.append('t', 0, -1, recs(0, 'a'), 1000);
    const second = b.append('t', 0, -1, recs(0, 'b', 'c'), 1000);
    const third = b.append('t', 0, -1, recs(0, 'd'), 1000);
    assert.equal(calls.length, 1, 'one request in flight per partition');
    calls[0]!.resolve(0);
    assert.deepEqual(await first, [0]);
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
    const second = b.append('t', 0, -1, recs(0, 'b'), 1000);
    const third = b.append('t', 0, -1, recs(0, 'c'), 1000);
    calls[0]!.resolve(0);
    await first;
    calls[1]!.reject(new Error('broker said no'));
    await assert.rejects(second, /broker said no/);
    await assert.rejects(third, /broker said no/);
    const fourth = b.append('t', 0, -1, recs(0, 'd'), 1000);
    assert.equal(calls.length, 3);
    calls[2]!.resolve(1);
    assert.deepEqual(await fourth, [1]);
  });

  it('withdraws an append that times out while queued: it is never sent', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const first = b.append('t', 0, -1, recs(0, 'a'), 5000);
    const queued = b.append('t', 0, -1, recs(0, 'late'), 20);
    await assert.rejects(queued, isUnavailable(/not sent/));
    calls[0]!.resolve(0);
    await first;
    assert.equal(calls.length, 1, 'the withdrawn append never left');
  });

  it('an append that times out in flight reports an unknown outcome and ignores the late answer', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    const p = b.append('t', 0, -1, recs(0, 'slow'), 20);
    await assert.rejects(p, isUnavailable(/outcome unknown/));
    calls[0]!.resolve(0); // must not throw or resolve anything twice
    const next = b.append('t', 0, -1, recs(0, 'next'), 1000);
    await Promise.resolve();
    assert.equal(calls.length, 2);
    calls[1]!.resolve(1);
    assert.deepEqual(await next, [1]);
  });

  it('keeps partitions and acks levels apart: a stuck partition does not hold another', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send);
    void b.append('t', 0, -1, recs(0, 'stuck'), 60_000).catch(() => undefined);
    const other = b.append('t', 1, -1, recs(1, 'x'), 1000);
    const local = b.append('t', 0, 1, recs(0, 'y'), 1000);
    assert.equal(calls.length, 3);
    calls[1]!.resolve(7);
    calls[2]!.resolve(8);
    assert.deepEqual(await other, [7]);
    assert.deepEqual(await local, [8]);
    assert.equal(calls[2]!.acks, 1);
    calls[0]!.reject(new Error('done'));
  });

  it('caps a request at maxBatchRecords, but sends an oversized single append whole', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send, { maxBatchRecords: 3 });
    const a = b.append('t', 0, -1, recs(0, '1'), 1000);
    const big = b.append('t', 0, -1, recs(0, '2', '3', '4', '5'), 1000);
    const c = b.append('t', 0, -1, recs(0, '6'), 1000);
    calls[0]!.resolve(0);
    await a;
    assert.deepEqual(calls[1]!.values, ['2', '3', '4', '5'], 'alone, since it exceeds the cap');
    calls[1]!.resolve(1);
    await big;
    assert.deepEqual(calls[2]!.values, ['6']);
    calls[2]!.resolve(5);
    assert.deepEqual(await c, [5]);
  });

  it('refuses new appends when too much is queued behind a partition', async () => {
    const { calls, send } = scriptedSend();
    const b = new ProduceBatcher(send, { maxQueuedBytes: 10 });
    const first = b.append('t', 0, -1, recs(0, 'in-flight'), 1000);
    const queued = b.append('t', 0, -1, recs(0, '12345678'), 1000);
    await assert.rejects(b.append('t', 0, -1, recs(0, 'too much'), 1000), isUnavailable(/too much queued/));
    calls[0]!.resolve(0);
    await first;
    calls[1]!.resolve(1);
    assert.deepEqual(await queued, [1]);
  });
});
