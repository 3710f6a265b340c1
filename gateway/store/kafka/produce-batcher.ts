// Coalesces concurrent appends to one partition into one produce request: one in flight per partition, the rest queue.
import { storeUnavailable } from '../../../shared/errors.js';
import type { Acks, PartitionAck, ProduceRecord } from './kafka-client.js';

/** Sends one partition's records as one request; resolves that partition's base offset. */
export type SendPartition = (topic: string, records: ProduceRecord[], acks: Acks) => Promise<PartitionAck[]>;

export interface ProduceBatcherOptions {
  /** Records in one request, at most (default 5,000); a single larger append still goes out whole. */
  maxBatchRecords?: number;
  /** Value+key bytes in one request, at most (default 1 MiB, Kafka's default max.request.size). */
  maxBatchBytes?: number;
  /** Bytes queued behind a partition's request before new appends are refused (default 32 MiB). */
  maxQueuedBytes?: number;
}

interface Pending {
  records: ProduceRecord[];
  bytes: number;
  resolve(offsets: number[]): void;
  reject(e: unknown): void;
  /** Settled (resolved, rejected or timed out): later outcomes are ignored. */
  done: boolean;
  sent: boolean;
  timer: NodeJS.Timeout;
}

interface Lane {
  queue: Pending[];
  queuedBytes: number;
  inflight: boolean;
}

/**
 * Why: the Kafka broker handles one request per connection at a time, and kafkajs sends each `send()` as
 * its own request, so N concurrent single-message appends cost N broker round trips in a row (about 500
 * appends/s here whatever the concurrency). Like the Java producer's per-partition accumulator, this keeps
 * at most one request in flight per (topic, partition, acks) and packs everything that queued meanwhile
 * into the next one: no timer and no added latency when idle, bigger batches under load.
 *
 * Each append's records stay contiguous inside the request's record batch, so an append to one partition
 * is still all-or-nothing. An append that times out while still queued is withdrawn and never written;
 * one that times out after its request left has an unknown outcome (the caller is told it failed).
 */
export class ProduceBatcher {
  readonly #send: SendPartition;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #maxQueued: number;
  readonly #lanes = new Map<string, Lane>();

  constructor(send: SendPartition, opts: ProduceBatcherOptions = {}) {
    this.#send = send;
    this.#maxRecords = opts.maxBatchRecords ?? 5_000;
    this.#maxBytes = opts.maxBatchBytes ?? 1024 * 1024;
    this.#maxQueued = opts.maxQueuedBytes ?? 32 * 1024 * 1024;
  }

  /** Appends `records` (all for `partition`) and resolves their offsets in order; rejects after `timeoutMs`. */
  append(topic: string, partition: number, acks: Acks, records: ProduceRecord[], timeoutMs: number): Promise<number[]> {
    const key = `${acks}\u0000${partition}\u0000${topic}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { queue: [], queuedBytes: 0, inflight: false };
      this.#lanes.set(key, lane);
    }
    const bytes = records.reduce((n, r) => n + r.value.length + (r.key?.length ?? 0), 0);
    if (lane.queuedBytes + bytes > this.#maxQueued && lane.queue.length > 0) {
      return Promise.reject(storeUnavailable(`kafka: too much queued for ${topic}/${partition}`, { retryAfterSec: 1 }));
    }
    const l = lane;
    return new Promise<number[]>((resolve, reject) => {
      const p: Pending = {
        records,
        bytes,
        resolve,
        reject,
        done: false,
        sent: false,
        timer: setTimeout(() => this.#expire(l, p, topic, timeoutMs), timeoutMs),
      };
      l.queue.push(p);
      l.queuedBytes += bytes;
      if (!l.inflight) this.#flush(key, l, topic, partition, acks);
    });
  }

  #expire(lane: Lane, p: Pending, topic: string, timeoutMs: number): void {
    if (p.done) return;
    p.done = true;
    if (!p.sent) {
      lane.queue.splice(lane.queue.indexOf(p), 1);
      lane.queuedBytes -= p.bytes;
      p.reject(storeUnavailable(`kafka: produce to ${topic} timed out after ${timeoutMs} ms (not sent)`));
    } else {
      p.reject(storeUnavailable(`kafka: produce to ${topic} timed out after ${timeoutMs} ms (outcome unknown)`));
    }
  }

  #flush(key: string, lane: Lane, topic: string, partition: number, acks: Acks): void {
    const batch: Pending[] = [];
    let n = 0;
    let bytes = 0;
    while (lane.queue.length > 0) {
      const next = lane.queue[0]!;
      if (batch.length > 0 && (n + next.records.length > this.#maxRecords || bytes + next.bytes > this.#maxBytes)) break;
      lane.queue.shift();
      lane.queuedBytes -= next.bytes;
      next.sent = true;
      batch.push(next);
      n += next.records.length;
      bytes += next.bytes;
    }
    if (batch.length === 0) {
      this.#lanes.delete(key);
      return;
    }
    lane.inflight = true;
    const records = batch.length === 1 ? batch[0]!.records : batch.flatMap((p) => p.records);
    const finish = (acked: PartitionAck[] | null, err: unknown): void => {
      // Start the next request before answering this one's callers: the queue never waits on them.
      lane.inflight = false;
      this.#flush(key, lane, topic, partition, acks);
      const base = acked?.find((a) => a.partition === partition)?.baseOffset;
      if (base === undefined || base < 0) {
        const e = err ?? storeUnavailable(`kafka: no offset for ${topic}/${partition} in the produce answer`);
        for (const p of batch) settle(p, () => p.reject(e));
        return;
      }
      let at = base;
      for (const p of batch) {
        const offsets = p.records.map((_, i) => at + i);
        at += p.records.length;
        settle(p, () => p.resolve(offsets));
      }
    };
    this.#send(topic, records, acks).then(
      (acked) => finish(acked, null),
      (e: unknown) => finish(null, e),
    );
  }
}

function settle(p: Pending, fn: () => void): void {
  if (p.done) return;
  p.done = true;
  clearTimeout(p.timer);
  fn();
}
