// Coalesces concurrent appends into produce requests: one in flight per partition, the rest queue; ready partitions of a topic go together.
import { storeUnavailable } from '../../../shared/errors.js';
import type { Acks, PartitionAck, ProduceRecord, ProduceRequest } from './kafka-client.js';

/** Sends records of one topic, each partition's records one contiguous run: KafkaClient.produce. */
export type SendPartitions = (topic: string, records: ProduceRecord[], acks: Acks) => ProduceRequest[];

/** The broker that leads a partition now, as the sender will route it; undefined when not known. */
export type LeaderOf = (topic: string, partition: number) => number | undefined;

export interface ProduceBatcherOptions {
  /** Records of one partition in one request, at most (default 5,000); a single larger append still goes out whole. */
  maxBatchRecords?: number;
  /**
   * Record bytes of one partition in one request, at most (default 1 MiB, under Kafka's default message.max.bytes
   * of 1,048,588): value, key, headers and each record's framing (recordSize), since the broker refuses a record
   * batch over its limit whole, and appends that fit alone must not be refused for having been packed together.
   */
  maxBatchBytes?: number;
  /** Bytes queued behind a partition's request before new appends are refused (default 32 MiB). */
  maxQueuedBytes?: number;
  /**
   * Where the sender routes each partition. Given, a leader has at most one request of a (topic, acks) in
   * flight, and its other partitions queue meanwhile; without it, each partition has one of its own.
   */
  leaderOf?: LeaderOf;
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
  partition: number;
  queue: Pending[];
  queuedBytes: number;
  inflight: boolean;
  /** The leader its in-flight request went to, when known. */
  leader: number | undefined;
}

/** The lanes of one (topic, acks): their flushes travel together. */
interface Group {
  topic: string;
  acks: Acks;
  lanes: Map<number, Lane>;
  /** Lanes in flight per leader: a leader with any holds the group's other lanes it leads. */
  busyLeaders: Map<number, number>;
  /** A flush is scheduled for the end of this event-loop turn. */
  scheduled: boolean;
}

/**
 * Why: the Kafka broker handles one request per connection at a time, and a client sends each produce call as
 * its own request, so N concurrent single-message appends cost N broker round trips in a row (about 500 appends/s
 * here whatever the concurrency). Like the Java producer's accumulator, this keeps at most one request in flight
 * per (topic, partition, acks) and packs everything that queued meanwhile into the next one. Lanes of one topic
 * that are ready in the same event-loop turn (appends that arrived together, answers that came back together)
 * leave as one produce call, which the client sends as one request per partition leader: the broker and the
 * gateway pay per request, not per partition. No timer: a flush waits only for the end of the current turn.
 *
 * Given `leaderOf`, the rule holds per leader too: while a request of the topic is out to a broker, appends to any
 * partition it leads queue for the next one. A broker handles one request per connection at a time anyway (it
 * mutes the connection until it has answered), so a second request would only wait in the socket; queued here, its
 * records join the next request instead, and unkeyed appends spread round-robin over 8 partitions no longer cost a
 * request each (about 700 produce requests/s at 1,000 msgs/s before, docs/BENCHMARKS.md).
 *
 * Each append's records stay contiguous inside its partition's record batch, so an append to one partition
 * is still all-or-nothing. An append that times out while still queued is withdrawn and never written;
 * one that times out after its request left has an unknown outcome (the caller is told it failed).
 */
export class ProduceBatcher {
  readonly #send: SendPartitions;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #maxQueued: number;
  readonly #leaderOf: LeaderOf | undefined;
  readonly #groups = new Map<string, Group>();

  constructor(send: SendPartitions, opts: ProduceBatcherOptions = {}) {
    this.#send = send;
    this.#maxRecords = opts.maxBatchRecords ?? 5_000;
    this.#maxBytes = opts.maxBatchBytes ?? 1024 * 1024;
    this.#maxQueued = opts.maxQueuedBytes ?? 32 * 1024 * 1024;
    this.#leaderOf = opts.leaderOf;
  }

  /** Appends `records` (all for `partition`) and resolves their offsets in order; rejects after `timeoutMs`. */
  append(topic: string, partition: number, acks: Acks, records: ProduceRecord[], timeoutMs: number): Promise<number[]> {
    const key = acks === -1 ? topic : `${topic}\u0000${acks}`;
    let group = this.#groups.get(key);
    if (!group) {
      group = { topic, acks, lanes: new Map(), busyLeaders: new Map(), scheduled: false };
      this.#groups.set(key, group);
    }
    let lane = group.lanes.get(partition);
    if (!lane) {
      lane = { partition, queue: [], queuedBytes: 0, inflight: false, leader: undefined };
      group.lanes.set(partition, lane);
    }
    let bytes = 0;
    for (const r of records) bytes += recordSize(r);
    if (lane.queuedBytes + bytes > this.#maxQueued && lane.queue.length > 0) {
      return Promise.reject(storeUnavailable(`kafka: too much queued for ${topic}/${partition}`, { retryAfterSec: 1 }));
    }
    const l = lane;
    const g = group;
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
      if (!l.inflight && !this.#leaderBusy(g, l)) this.#schedule(key, g);
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

  #schedule(key: string, g: Group): void {
    if (g.scheduled) return;
    g.scheduled = true;
    setImmediate(() => {
      g.scheduled = false;
      this.#flush(key, g);
    });
  }

  /** Sends what every idle lane of the group has queued, as one produce call. */
  #flush(key: string, g: Group): void {
    const sent: Array<{ lane: Lane; batch: Pending[] }> = [];
    const records: ProduceRecord[] = [];
    for (const lane of g.lanes.values()) {
      if (lane.inflight) continue;
      if (lane.queue.length === 0) {
        g.lanes.delete(lane.partition);
        continue;
      }
      // A leader already sending for this group takes this lane with its next request; leaders picked in this
      // flush are not busy yet: their lanes all leave now, in one request.
      if (this.#leaderBusy(g, lane)) continue;
      lane.inflight = true;
      const batch = this.#take(lane);
      sent.push({ lane, batch });
      for (const p of batch) for (const r of p.records) records.push(r);
    }
    for (const { lane } of sent) if (lane.leader !== undefined) g.busyLeaders.set(lane.leader, (g.busyLeaders.get(lane.leader) ?? 0) + 1);
    if (g.lanes.size === 0) this.#groups.delete(key);
    if (sent.length === 0) return;
    let requests: ProduceRequest[];
    try {
      requests = this.#send(g.topic, records, g.acks);
    } catch (e) {
      requests = [{ partitions: sent.map((x) => x.lane.partition), done: Promise.reject(e) }];
    }
    // Each request answers the lanes of the partitions it carries, as soon as it settles.
    for (const req of requests) {
      const mine = sent.filter((x) => req.partitions.includes(x.lane.partition));
      req.done.then(
        (acked) => this.#finish(key, g, mine, acked, null),
        (e: unknown) => this.#finish(key, g, mine, null, e),
      );
    }
    const orphans = sent.filter((x) => !requests.some((r) => r.partitions.includes(x.lane.partition)));
    if (orphans.length > 0) this.#finish(key, g, orphans, null, storeUnavailable(`kafka: produce to ${g.topic}: no request carried some partitions`));
  }

  #finish(key: string, g: Group, done: Array<{ lane: Lane; batch: Pending[] }>, acked: PartitionAck[] | null, err: unknown): void {
    // Schedule the next request before answering this one's callers: the queue never waits on them.
    for (const { lane } of done) {
      lane.inflight = false;
      if (lane.leader === undefined) continue;
      const left = (g.busyLeaders.get(lane.leader) ?? 1) - 1;
      if (left > 0) g.busyLeaders.set(lane.leader, left);
      else g.busyLeaders.delete(lane.leader);
    }
    this.#schedule(key, g);
    for (const { lane, batch } of done) {
      const base = acked?.find((a) => a.partition === lane.partition)?.baseOffset;
      if (base === undefined || base < 0) {
        const e = err ?? storeUnavailable(`kafka: no offset for ${g.topic}/${lane.partition} in the produce answer`);
        for (const p of batch) settle(p, () => p.reject(e));
        continue;
      }
      let at = base;
      for (const p of batch) {
        const offsets = p.records.map((_, i) => at + i);
        at += p.records.length;
        settle(p, () => p.resolve(offsets));
      }
    }
  }

  /** Reads the lane's leader now (leaders move) and says whether a request of the group is out to it. */
  #leaderBusy(g: Group, lane: Lane): boolean {
    lane.leader = this.#leaderOf?.(g.topic, lane.partition);
    return lane.leader !== undefined && g.busyLeaders.has(lane.leader);
  }

  /** Takes the lane's next request worth of appends off its queue (at least one, if any is queued). */
  #take(lane: Lane): Pending[] {
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
    return batch;
  }
}

/** A record's varint framing in a v2 record batch, rounded up: length, attributes, timestamp and offset deltas, key and value lengths, header count. */
const RECORD_FRAMING = 24;

/** The bytes a record takes in a record batch, at most (about 11 of framing for a small record; 24 counted). */
function recordSize(r: ProduceRecord): number {
  let n = RECORD_FRAMING + r.value.length + (r.key?.length ?? 0);
  for (const name in r.headers) n += 10 + Buffer.byteLength(name) + Buffer.byteLength(r.headers[name]!);
  return n;
}

function settle(p: Pending, fn: () => void): void {
  if (p.done) return;
  p.done = true;
  clearTimeout(p.timer);
  fn();
}
