// Store over a Kafka cluster: acks=all publish through a circuit breaker, group readers, topic admin.
import { AppError, ErrorCode, badRequest, notFound, storeUnavailable } from '../../../shared/errors.js';
import { silentLogger, type Logger } from '../../../shared/log.js';
import { partitionForKey, RoundRobinPartitioner } from '../partitioner.js';
import type {
  AppendOptions,
  GroupReader,
  OutgoingMessage,
  PartitionInfo,
  Position,
  ReaderOptions,
  Store,
  TopicSpec,
} from '../store.js';
import { CircuitBreaker, type Clock } from './circuit-breaker.js';
import type { KafkaClient, ProduceRecord, RecordProducer } from './kafka-client.js';
import { isBackendFailure, toAppError } from './kafka-errors.js';
import { KafkaGroupReader, X_TAG, type KafkaReaderOptions } from './kafka-group-reader.js';
import { KafkajsClient, type KafkajsClientOptions } from './kafkajs-client.js';
import { PlatformaticProducer } from './platformatic-producer.js';
import { ProduceBatcher, type ProduceBatcherOptions } from './produce-batcher.js';
import { TopicCache } from './topic-cache.js';
import { withDeadline } from './with-deadline.js';

export interface KafkaStoreOptions {
  brokers: string[];
  clientId?: string;
  /** Bound on one append, ms (default 5,000): past it the append rejects STORE_UNAVAILABLE, never hangs. */
  produceTimeoutMs?: number;
  /** Bound on metadata and offset look-ups, ms (default 5,000). */
  adminTimeoutMs?: number;
  /** Replication factor of topics created without one (default 1; use 3 in production). */
  defaultReplicationFactor?: number;
  /** Publish circuit breaker of this cluster: consecutive failures to open (default 5) and open time (default 10 s). */
  breaker?: { failureThreshold?: number; openMs?: number };
  reader?: KafkaReaderOptions;
  /** Limits of the per-partition request coalescing (see produce-batcher.ts). */
  batching?: ProduceBatcherOptions;
  /** Tuning passed to the clients (timeouts and produce retries to both; consumer heartbeat/session/fetch wait/fetch pacing to kafkajs). */
  client?: Omit<KafkajsClientOptions, 'brokers' | 'clientId' | 'log'>;
  /**
   * The library that produces (default 'platformatic': @platformatic/kafka, about 3× less CPU per record than
   * kafkajs, see docs/BENCHMARKS.md). Admin calls and consumer groups always use kafkajs.
   */
  producer?: 'platformatic' | 'kafkajs';
  /** Another KafkaClient implementation (a different library, or a fake) for everything; brokers are then unused. */
  kafkaClient?: KafkaClient;
  log?: Logger;
  now?: Clock;
}

const noHeaders: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Kafka's legal topic names: [a-zA-Z0-9._-], at most 249 characters, not "." or "..". */
const TOPIC_RE = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * Delivery guarantees (what `append` resolving means):
 * - acks=all by default: every in-sync replica has the batch (with min.insync.replicas >= 2 it survives
 *   the loss of any one broker); `acks: 'local'` waits for the leader only.
 * - An append's messages for one partition travel as one contiguous run inside one record batch of one
 *   produce request (concurrent appends to the same partition share that request: produce-batcher.ts).
 *   Kafka appends and replicates a record batch as a unit, so a batch whose messages all land on one
 *   partition is atomic. Unkeyed messages of a call all go to one partition (the keyed messages'
 *   partition when there are any), so unkeyed batches are always atomic.
 * - A batch whose keys span several partitions is not atomic: if one partition fails the append rejects,
 *   but partitions that succeeded keep their records (a client retry duplicates them). Full atomicity
 *   would need Kafka transactions, whose commit markers take offsets (offsets would not be dense) and
 *   which kafkajs serialises per producer; not used.
 * - A rejected append (timeout, breaker, broker error) may still have been written: at-least-once, never
 *   lost once resolved. The producer is not idempotent (see platformatic-producer.ts), so an internal retry
 *   after a lost response can duplicate a batch.
 */
export class KafkaStore implements Store {
  readonly kind = 'kafka' as const;
  readonly #client: KafkaClient;
  /** The client itself, or a producer of another library (then closed separately). */
  readonly #producer: RecordProducer;
  readonly #topics: TopicCache;
  readonly #breaker: CircuitBreaker;
  readonly #batcher: ProduceBatcher;
  readonly #rr = new Map<string, RoundRobinPartitioner>();
  readonly #readers = new Set<GroupReader>();
  /** Appends not yet settled: close() lets them finish (each is bounded by the produce timeout). */
  readonly #appending = new Set<Promise<unknown>>();
  readonly #produceTimeoutMs: number;
  readonly #adminTimeoutMs: number;
  readonly #defaultRf: number;
  readonly #readerOpts: KafkaReaderOptions;
  readonly #log: Logger;
  #closing: Promise<void> | null = null;

  constructor(opts: KafkaStoreOptions) {
    this.#log = opts.log ?? silentLogger;
    this.#produceTimeoutMs = opts.produceTimeoutMs ?? 5_000;
    this.#adminTimeoutMs = opts.adminTimeoutMs ?? 5_000;
    this.#defaultRf = opts.defaultReplicationFactor ?? 1;
    // TypeError for bad options, like the other stores (createStore's contract).
    if (!(this.#produceTimeoutMs > 0) || !(this.#adminTimeoutMs > 0)) throw new TypeError('kafka: timeouts must be > 0');
    if (!Number.isInteger(this.#defaultRf) || this.#defaultRf < 1) throw new TypeError('kafka: defaultReplicationFactor must be >= 1');
    if (!opts.kafkaClient && (!Array.isArray(opts.brokers) || opts.brokers.length === 0)) throw new TypeError('kafka: brokers must list at least one host:port');
    this.#readerOpts = opts.reader ?? {};
    const clientId = opts.clientId ?? 'kateway';
    this.#client = opts.kafkaClient ?? new KafkajsClient({ ...opts.client, brokers: opts.brokers, clientId, log: this.#log });
    const producer = opts.producer ?? 'platformatic';
    if (producer !== 'platformatic' && producer !== 'kafkajs') throw new TypeError(`kafka: producer must be platformatic or kafkajs, got ${JSON.stringify(producer)}`);
    this.#producer =
      opts.kafkaClient || producer === 'kafkajs'
        ? this.#client
        : new PlatformaticProducer({ ...opts.client, brokers: opts.brokers, clientId, produceTimeoutMs: this.#produceTimeoutMs });
    const now = opts.now ?? Date.now;
    this.#topics = new TopicCache(() => this.#client.topicPartitionCounts(), { now });
    this.#breaker = new CircuitBreaker({ ...opts.breaker, now });
    const timeoutMs = this.#produceTimeoutMs;
    // One request in flight per partition leader when the producer says where partitions go (produce-batcher.ts).
    const leaderOf = this.#producer.leaderOf?.bind(this.#producer);
    this.#batcher = new ProduceBatcher((topic, records, acks) => this.#producer.produce(topic, records, { acks, timeoutMs }), { leaderOf, ...opts.batching });
  }

  /** The publish breaker's state (metrics, /status, tests). */
  get breakerState(): 'closed' | 'open' | 'half-open' {
    return this.#breaker.state;
  }

  async createTopic(topic: string, spec: TopicSpec): Promise<boolean> {
    this.#assertOpen();
    checkTopicName(topic);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) throw badRequest('partitions must be an integer >= 1');
    const rf = spec.replicationFactor ?? this.#defaultRf;
    if (!Number.isInteger(rf) || rf < 1) throw badRequest('replicationFactor must be an integer >= 1');
    const created = await this.#bounded(this.#client.createTopic(topic, spec.partitions, rf), topic, 2 * this.#adminTimeoutMs);
    if (created) this.#topics.set(topic, spec.partitions);
    return created;
  }

  async hasTopic(topic: string): Promise<boolean> {
    this.#assertOpen();
    return (await this.#partitionCount(topic)) !== undefined;
  }

  async listTopics(): Promise<string[]> {
    this.#assertOpen();
    const all = await this.#bounded(this.#topics.list(), '*');
    return all.filter((t) => !t.startsWith('__')); // Kafka's internal topics (__consumer_offsets...)
  }

  async append(topic: string, messages: OutgoingMessage[], opts: AppendOptions = {}): Promise<Position[]> {
    this.#assertOpen();
    if (messages.length === 0) return [];
    const gate = this.#breaker.tryAcquire();
    if (!gate.allowed) {
      throw storeUnavailable('kafka: circuit open', { retryAfterSec: Math.max(1, Math.ceil(gate.retryAfterMs / 1000)) });
    }
    const work = this.#append(topic, messages, opts);
    this.#appending.add(work);
    try {
      const positions = await work;
      this.#breaker.onSuccess();
      return positions;
    } catch (e) {
      const err = toAppError(e, topic);
      if (isBackendFailure(err)) this.#breaker.onFailure();
      else this.#breaker.onNeutral();
      if (err.code === ErrorCode.NOT_FOUND) this.#topics.forget(topic);
      throw err;
    } finally {
      this.#appending.delete(work);
    }
  }

  async partitions(topic: string): Promise<PartitionInfo[]> {
    this.#assertOpen();
    await this.#requireTopic(topic);
    const rows = await this.#bounded(this.#client.topicOffsets(topic), topic);
    return rows.map((r) => ({ partition: r.partition, oldest: r.low, latest: r.high }));
  }

  async committed(topic: string, groupId: string): Promise<Position[]> {
    this.#assertOpen();
    await this.#requireTopic(topic);
    return this.#bounded(this.#client.groupOffsets(groupId, topic), topic);
  }

  async openReader(topic: string, groupId: string, opts: ReaderOptions): Promise<GroupReader> {
    this.#assertOpen();
    if (groupId.length === 0) throw badRequest('empty group id');
    await this.#requireTopic(topic);
    // The gateway closes readers; the store also closes the ones still open when it closes.
    const reader = await KafkaGroupReader.open(this.#client, topic, groupId, opts.reset, this.#readerOpts, this.#log, (r) =>
      this.#readers.delete(r),
    );
    this.#readers.add(reader);
    if (this.#closing) {
      await reader.close();
      this.#assertOpen();
    }
    return reader;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // New calls are refused from here on; appends already accepted finish (or time out) first.
      await Promise.allSettled([...this.#appending]);
      await Promise.allSettled([...this.#readers].map((r) => r.close()));
      await Promise.allSettled([this.#client.close(), this.#producer === this.#client ? undefined : this.#producer.close()]);
    })();
    return this.#closing;
  }

  async #append(topic: string, messages: OutgoingMessage[], opts: AppendOptions): Promise<Position[]> {
    // A cached topic costs a Map lookup; only a miss pays for the bounded, promise-based look-up.
    const n = this.#topics.cached(topic) ?? (await this.#partitionCount(topic));
    if (n === undefined) throw notFound(`unknown topic ${topic}`);
    const parts = this.#choosePartitions(topic, messages, n);
    const records: ProduceRecord[] = new Array<ProduceRecord>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      records[i] = {
        partition: parts[i]!,
        key: m.key === undefined ? null : Buffer.from(m.key, 'utf8'),
        value: m.value,
        headers: m.tag === undefined ? noHeaders : { [X_TAG]: m.tag },
      };
    }
    const acks = opts.acks === 'local' ? 1 : -1;
    const first = parts[0]!;
    if (parts.every((p) => p === first)) {
      // The usual case (unkeyed, or one key): one batcher call, offsets in message order.
      const offsets = await this.#batcher.append(topic, first, acks, records, this.#produceTimeoutMs);
      return offsets.map((offset) => ({ partition: first, offset }));
    }
    // One batcher call per partition: each call's records stay one contiguous run of one record batch.
    const byPartition = new Map<number, number[]>();
    for (let i = 0; i < parts.length; i++) {
      const idx = byPartition.get(parts[i]!);
      if (idx) idx.push(i);
      else byPartition.set(parts[i]!, [i]);
    }
    const positions: Position[] = new Array<Position>(messages.length);
    await Promise.all(
      [...byPartition].map(async ([partition, idx]) => {
        const offsets = await this.#batcher.append(topic, partition, acks, idx.map((i) => records[i]!), this.#produceTimeoutMs);
        idx.forEach((i, j) => (positions[i] = { partition, offset: offsets[j]! }));
      }),
    );
    return positions;
  }

  /** Keyed: Kafka's default partitioner. Unkeyed: the call's keyed partition if any, else round-robin per call. */
  #choosePartitions(topic: string, messages: OutgoingMessage[], n: number): number[] {
    let shared: number | undefined;
    const parts = messages.map((m) => {
      if (m.key === undefined) return -1;
      const p = partitionForKey(m.key, n);
      shared ??= p;
      return p;
    });
    if (parts.includes(-1)) {
      if (shared === undefined) {
        let rr = this.#rr.get(topic);
        if (!rr) {
          rr = new RoundRobinPartitioner(Math.floor(Math.random() * 0x7fffffff));
          this.#rr.set(topic, rr);
        }
        shared = rr.next(n);
      }
      for (let i = 0; i < parts.length; i++) if (parts[i] === -1) parts[i] = shared;
    }
    return parts;
  }

  async #partitionCount(topic: string): Promise<number | undefined> {
    return this.#bounded(this.#topics.partitions(topic), topic);
  }

  async #requireTopic(topic: string): Promise<void> {
    if ((await this.#partitionCount(topic)) === undefined) throw notFound(`unknown topic ${topic}`);
  }

  async #bounded<T>(work: Promise<T>, topic: string, ms = this.#adminTimeoutMs): Promise<T> {
    try {
      return await withDeadline(work, ms, () => storeUnavailable(`kafka: no answer within ${ms} ms`));
    } catch (e) {
      throw toAppError(e, topic);
    }
  }

  #assertOpen(): void {
    if (this.#closing) throw new AppError(ErrorCode.SHUTTING_DOWN, 'store closed');
  }
}

function checkTopicName(topic: string): void {
  if (!TOPIC_RE.test(topic) || topic === '.' || topic === '..') throw badRequest(`invalid topic name ${JSON.stringify(topic)}`);
}
