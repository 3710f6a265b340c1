// GroupReader over a push-style Kafka group consumer: a bounded buffer, pause/resume, pull-style fetch.
import { AppError, ErrorCode, storeUnavailable } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import type { GroupReader, Position, ResetPolicy, StoredMessage } from '../store.js';
import type { ConsumedRecord, GroupConsumer, KafkaClient } from './kafka-client.js';
import { toAppError } from './kafka-errors.js';
import { withDeadline } from './with-deadline.js';

export interface KafkaReaderOptions {
  /** Messages buffered ahead of `fetch` before the consumer pauses (default 2,000); it resumes below half. */
  maxBufferedMessages?: number;
  /** Bytes (keys + values) buffered ahead of `fetch` before the consumer pauses (default 8 MiB). */
  maxBufferedBytes?: number;
  /** How long opening waits for the group join and first assignment, ms (default 30,000). */
  joinTimeoutMs?: number;
  /** Bound on one commit, ms (default 5,000). */
  commitTimeoutMs?: number;
  /** Bound on leaving the group at close, ms (default 5,000). */
  closeTimeoutMs?: number;
}

export const X_TAG = 'X-Tag';

/**
 * One member of `groupId` on `topic`. Positions: `#next` holds, per assigned partition, the offset after
 * the last record this reader buffered, so that a rebalance that keeps a partition here resumes at that
 * point rather than at the (older) committed offset, and a record is never returned twice.
 */
export class KafkaGroupReader implements GroupReader {
  readonly #topic: string;
  readonly #log: Logger;
  readonly #maxMsgs: number;
  readonly #maxBytes: number;
  readonly #commitTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  #consumer: GroupConsumer | null = null;
  #queue: StoredMessage[] = [];
  #head = 0;
  #bytes = 0;
  #paused = false;
  #assigned = new Set<number>();
  readonly #next = new Map<number, number>();
  readonly #committed = new Map<number, number>();
  readonly #waiters = new Set<() => void>();
  #joined!: () => void;
  readonly #joinedP: Promise<void>;
  #commitChain: Promise<void> = Promise.resolve();
  #fatal: AppError | null = null;
  #closing: Promise<void> | null = null;

  readonly #onClosed: (r: KafkaGroupReader) => void;

  private constructor(topic: string, opts: KafkaReaderOptions, log: Logger, onClosed: (r: KafkaGroupReader) => void) {
    this.#topic = topic;
    this.#onClosed = onClosed;
    this.#log = log;
    this.#maxMsgs = opts.maxBufferedMessages ?? 2_000;
    this.#maxBytes = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.#commitTimeoutMs = opts.commitTimeoutMs ?? 5_000;
    this.#closeTimeoutMs = opts.closeTimeoutMs ?? 5_000;
    this.#joinedP = new Promise((resolve) => (this.#joined = resolve));
  }

  /** Reads the group's offsets, joins the group and waits for the first assignment. */
  static async open(
    client: KafkaClient,
    topic: string,
    groupId: string,
    reset: ResetPolicy,
    opts: KafkaReaderOptions,
    log: Logger,
    onClosed: (r: KafkaGroupReader) => void = () => undefined,
  ): Promise<KafkaGroupReader> {
    const r = new KafkaGroupReader(topic, opts, log.child({ topic, group: groupId }), onClosed);
    const [committed, offsets] = await Promise.all([client.groupOffsets(groupId, topic), client.topicOffsets(topic)]);
    for (const c of committed) r.#committed.set(c.partition, c.offset);
    // A partition the group never committed starts where `reset` says *now*, not at the moment kafkajs
    // first fetches it: a message appended right after openReader(newest) resolves must be seen.
    for (const o of offsets) {
      if (!r.#committed.has(o.partition)) r.#next.set(o.partition, reset === 'oldest' ? o.low : o.high);
    }
    const consumer = client.createGroupConsumer(
      { groupId, topic, fromBeginning: reset === 'oldest' },
      {
        onRecords: (recs) => r.#onRecords(recs),
        onAssigned: (parts) => r.#onAssigned(parts),
        onCrash: (err, restarting) => r.#onCrash(err, restarting),
      },
    );
    r.#consumer = consumer;
    const joinTimeoutMs = opts.joinTimeoutMs ?? 30_000;
    try {
      await withDeadline(
        consumer.start().then(() => r.#joinedP),
        joinTimeoutMs,
        () => storeUnavailable(`kafka: group ${groupId} did not join within ${joinTimeoutMs} ms`),
      );
    } catch (e) {
      await r.close();
      throw toAppError(e, topic);
    }
    return r;
  }

  /** Partitions currently assigned to this member (tests, status). */
  get assignment(): number[] {
    return [...this.#assigned].sort((a, b) => a - b);
  }

  async fetch(max: number, waitMs: number, signal?: AbortSignal): Promise<StoredMessage[]> {
    if (this.#fatal) throw this.#fatal;
    // An aborted caller is gone: hand it nothing, so that nothing is consumed on its behalf.
    if (this.#closing || signal?.aborted) return [];
    if (this.#available() === 0 && waitMs > 0) await this.#waitForData(waitMs, signal);
    if (this.#fatal) throw this.#fatal;
    if (signal?.aborted) return [];
    return this.#take(max);
  }

  commit(positions: Position[]): Promise<void> {
    if (this.#closing) return Promise.reject(new AppError(ErrorCode.SHUTTING_DOWN, 'reader closed'));
    // Serialised so that two overlapping commits cannot land in the wrong order and move a partition back.
    const run = this.#commitChain.then(() => this.#commitNow(positions));
    this.#commitChain = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#onClosed(this);
      this.#wakeAll();
      this.#queue = [];
      this.#head = 0;
      this.#bytes = 0;
      const consumer = this.#consumer;
      if (!consumer) return;
      await withDeadline(consumer.close(), this.#closeTimeoutMs, () => new Error('leave group timed out')).catch(
        (e: unknown) => this.#log.warn('kafka reader close', { error: e }),
      );
    })();
    return this.#closing;
  }

  async #commitNow(positions: Position[]): Promise<void> {
    const best = new Map<number, number>();
    for (const p of positions) {
      if (!Number.isInteger(p.offset) || p.offset < 0) continue;
      if (p.offset > (best.get(p.partition) ?? -1)) best.set(p.partition, p.offset);
    }
    // Only partitions this member holds: after a rebalance another member owns the others, and a late
    // commit from here could move its progress back (more redelivery). The new owner re-reads them from
    // the group's committed offset instead: at-least-once either way.
    const fresh = [...best]
      .filter(([partition, offset]) => this.#assigned.has(partition) && offset > (this.#committed.get(partition) ?? -1))
      .map(([partition, offset]) => ({ partition, offset }));
    if (fresh.length === 0 || !this.#consumer) return;
    try {
      await withDeadline(this.#consumer.commit(fresh), this.#commitTimeoutMs, () =>
        storeUnavailable(`kafka: commit timed out after ${this.#commitTimeoutMs} ms`),
      );
    } catch (e) {
      throw toAppError(e, this.#topic);
    }
    for (const { partition, offset } of fresh) {
      if (offset > (this.#committed.get(partition) ?? -1)) this.#committed.set(partition, offset);
    }
  }

  #onAssigned(partitions: number[]): void {
    if (this.#closing) return;
    const now = new Set(partitions);
    // Revoked partitions: another member reads them from the committed offset, so what is buffered here
    // would be delivered twice; drop it and forget the position.
    for (const p of [...this.#next.keys()]) if (!now.has(p)) this.#next.delete(p);
    if ([...this.#assigned].some((p) => !now.has(p))) this.#dropBuffered((m) => !now.has(m.partition));
    this.#assigned = now;
    for (const p of partitions) {
      const next = this.#next.get(p);
      if (next !== undefined) this.#consumer?.seek(p, next);
    }
    // A consumer restarted after a crash has forgotten that it was paused.
    if (this.#paused) this.#consumer?.pause();
    this.#log.debug('kafka reader assigned', { partitions });
    this.#joined();
  }

  #onRecords(records: ConsumedRecord[]): void {
    if (this.#closing || records.length === 0) return;
    const partition = records[0]!.partition;
    if (!this.#assigned.has(partition)) return; // a late batch of a revoked partition
    const next = this.#next.get(partition) ?? -1;
    let last = -1;
    for (const r of records) {
      if (r.offset < next) continue; // already buffered (a re-fetch after a rebalance)
      const tag = r.headers[X_TAG];
      this.#queue.push({
        partition,
        offset: r.offset,
        key: r.key,
        tag: tag === undefined ? null : tag.toString('utf8'),
        value: r.value,
        timestamp: r.timestamp,
      });
      this.#bytes += r.value.length + (r.key?.length ?? 0);
      last = r.offset;
    }
    if (last < 0) return;
    this.#next.set(partition, last + 1);
    if (!this.#paused && (this.#available() >= this.#maxMsgs || this.#bytes >= this.#maxBytes)) {
      this.#paused = true;
      this.#consumer?.pause();
    }
    this.#wakeAll();
  }

  #onCrash(error: Error, restarting: boolean): void {
    this.#log.warn('kafka consumer crashed', { error, restarting });
    if (restarting || this.#closing) return;
    this.#fatal = storeUnavailable(`kafka: consumer stopped: ${error.message}`, { cause: error });
    this.#wakeAll();
  }

  #available(): number {
    return this.#queue.length - this.#head;
  }

  #take(max: number): StoredMessage[] {
    const n = Math.min(Math.max(0, Math.floor(max)), this.#available());
    if (n === 0) return [];
    const out = this.#queue.slice(this.#head, this.#head + n);
    this.#head += n;
    for (const m of out) this.#bytes -= m.value.length + (m.key?.length ?? 0);
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#paused && this.#available() < this.#maxMsgs / 2 && this.#bytes < this.#maxBytes / 2) {
      this.#paused = false;
      this.#consumer?.resume();
    }
    return out;
  }

  #dropBuffered(drop: (m: StoredMessage) => boolean): void {
    const kept = this.#queue.slice(this.#head).filter((m) => !drop(m));
    this.#queue = kept;
    this.#head = 0;
    this.#bytes = kept.reduce((s, m) => s + m.value.length + (m.key?.length ?? 0), 0);
  }

  #waitForData(waitMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }

  #wakeAll(): void {
    for (const w of [...this.#waiters]) w();
  }
}
