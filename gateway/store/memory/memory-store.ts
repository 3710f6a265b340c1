// The in-process, volatile Store: fast enough to be the benchmark store, bounded so a benchmark cannot exhaust memory.
import { AppError, ErrorCode, badRequest, notFound } from '../../../shared/errors.js';
import { partitionForKey } from '../partitioner.js';
import type {
  GroupReader,
  OutgoingMessage,
  PartitionInfo,
  Position,
  ReaderOptions,
  Store,
  TopicSpec,
} from '../store.js';
import { GroupCursors } from '../local/group-cursors.js';
import { LocalGroupReader } from '../local/local-group-reader.js';
import { MemoryTopic } from './memory-topic.js';

export interface MemoryStoreOptions {
  /** Messages kept per partition; appending beyond drops the oldest. Default 100_000. */
  maxMessagesPerPartition?: number;
  /** Bytes (value + key) kept per partition; appending beyond drops the oldest. Default 64 MiB. */
  maxBytesPerPartition?: number;
  /** Largest partition count createTopic accepts. Default 256. */
  maxPartitions?: number;
  /** Clock for message timestamps, ms since the epoch. Default Date.now. */
  now?: () => number;
  /** Source of each topic's first round-robin partition, in [0, 1). Default Math.random. */
  random?: () => number;
}

export const MEMORY_STORE_DEFAULTS = {
  maxMessagesPerPartition: 100_000,
  maxBytesPerPartition: 64 * 1024 * 1024,
  maxPartitions: 256,
} as const;

/**
 * Keeps every topic in arrays of this process: nothing survives a restart and nothing is shared between
 * gateways. Appends resolve at once (there is nothing to wait for); `acks` is ignored. The store keeps the
 * appended value Buffers (or copies of small views of large ones, see ownBytes): callers must not modify them afterwards.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly #topics = new Map<string, MemoryTopic>();
  readonly #cursors = new GroupCursors();
  readonly #readers = new Set<LocalGroupReader>();
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #maxPartitions: number;
  readonly #now: () => number;
  readonly #random: () => number;
  #closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.#maxMessages = positiveInt('maxMessagesPerPartition', opts.maxMessagesPerPartition, MEMORY_STORE_DEFAULTS.maxMessagesPerPartition);
    this.#maxBytes = positiveInt('maxBytesPerPartition', opts.maxBytesPerPartition, MEMORY_STORE_DEFAULTS.maxBytesPerPartition);
    this.#maxPartitions = positiveInt('maxPartitions', opts.maxPartitions, MEMORY_STORE_DEFAULTS.maxPartitions);
    this.#now = opts.now ?? Date.now;
    this.#random = opts.random ?? Math.random;
  }

  createTopic(topic: string, spec: TopicSpec): Promise<boolean> {
    if (this.#closed) return closedError();
    const { partitions } = spec;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > this.#maxPartitions)
      return Promise.reject(badRequest(`partitions must be an integer in [1, ${this.#maxPartitions}]`));
    if (this.#topics.has(topic)) return Promise.resolve(false);
    const start = Math.floor(this.#random() * partitions);
    this.#topics.set(topic, new MemoryTopic(partitions, this.#maxMessages, this.#maxBytes, start));
    return Promise.resolve(true);
  }

  hasTopic(topic: string): Promise<boolean> {
    if (this.#closed) return closedError();
    return Promise.resolve(this.#topics.has(topic));
  }

  listTopics(): Promise<string[]> {
    if (this.#closed) return closedError();
    return Promise.resolve([...this.#topics.keys()]);
  }

  append(topic: string, messages: OutgoingMessage[]): Promise<Position[]> {
    if (this.#closed) return closedError();
    const t = this.#topics.get(topic);
    if (t === undefined) return Promise.reject(notFound(`topic ${topic} not found`));
    // Check everything before storing anything: a batch is all or nothing.
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      if (!Buffer.isBuffer(m.value) || (m.key !== undefined && typeof m.key !== 'string'))
        return Promise.reject(badRequest(`message ${i} is malformed`));
    }
    const n = t.partitionCount;
    const timestamp = this.#now();
    const positions = new Array<Position>(messages.length);
    let unkeyed = -1;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      let key: Buffer | null = null;
      let partition: number;
      if (m.key !== undefined) {
        key = Buffer.from(m.key, 'utf8');
        partition = partitionForKey(key, n);
      } else {
        if (unkeyed < 0) unkeyed = t.unkeyed.next(n);
        partition = unkeyed;
      }
      const offset = t.partitions[partition]!.append(key, m.tag ?? null, ownBytes(m.value), timestamp);
      positions[i] = { partition, offset };
    }
    t.waiters.wakeAll();
    return Promise.resolve(positions);
  }

  partitions(topic: string): Promise<PartitionInfo[]> {
    if (this.#closed) return closedError();
    const t = this.#topics.get(topic);
    if (t === undefined) return Promise.reject(notFound(`topic ${topic} not found`));
    return Promise.resolve(t.partitions.map((part, partition) => ({ partition, oldest: part.oldest, latest: part.latest })));
  }

  committed(topic: string, groupId: string): Promise<Position[]> {
    if (this.#closed) return closedError();
    const t = this.#topics.get(topic);
    if (t === undefined) return Promise.reject(notFound(`topic ${topic} not found`));
    return Promise.resolve(t.committed(groupId));
  }

  openReader(topic: string, groupId: string, opts: ReaderOptions): Promise<GroupReader> {
    if (this.#closed) return closedError();
    const t = this.#topics.get(topic);
    if (t === undefined) return Promise.reject(notFound(`topic ${topic} not found`));
    const cursor = this.#cursors.acquire(topic, groupId, () => t.startPositions(groupId, opts.reset));
    const reader: LocalGroupReader = new LocalGroupReader(t, cursor, {
      commit: (positions) => {
        if (this.#closed) return closedError();
        try {
          t.commit(groupId, positions);
          return Promise.resolve();
        } catch (e) {
          return Promise.reject(e);
        }
      },
      onClose: () => {
        this.#readers.delete(reader);
        this.#cursors.release(topic, groupId);
      },
    });
    this.#readers.add(reader);
    return Promise.resolve(reader);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#readers].map((r) => r.close()));
    this.#topics.clear();
  }
}

const closedError = <T>(): Promise<T> =>
  Promise.reject(new AppError(ErrorCode.SHUTTING_DOWN, 'store is closed'));

/** Validates an optional positive integer option, failing fast with the option's name. */
/**
 * The value, or a copy of it when it is a small view of a much larger buffer: a batch publish's messages are
 * views of the request body (batch-body.ts), and a kept view keeps the whole body, which the byte cap does not
 * count (64 one-message survivors of 1 MiB bodies held 64 MiB). Views of Node's 8 KiB allocation pool are kept
 * as they are: they hold at most a slab.
 */
function ownBytes(value: Buffer): Buffer {
  return value.buffer.byteLength - value.length > Buffer.poolSize ? Buffer.from(value) : value;
}

export function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
