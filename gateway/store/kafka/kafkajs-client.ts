// KafkaClient over kafkajs 2.2.4: the only module that imports kafkajs (swap it for another client here).
import kafkajs from 'kafkajs';
import type { Admin, Consumer, Kafka, LogEntry, Producer, RecordMetadata } from 'kafkajs';
import type { Logger } from '../../../shared/log.js';
import {
  KafkaClientError,
  type ConsumedRecord,
  type GroupConsumer,
  type GroupConsumerHandlers,
  type GroupConsumerOptions,
  type KafkaClient,
  type PartitionAck,
  type ProduceOptions,
  type ProduceRecord,
  type ProduceRequest,
  type TopicPartitionOffsets,
} from './kafka-client.js';
import { FetchPacer } from './fetch-pacer.js';

// kafkajs is CommonJS: its named exports are only reachable through the default import under NodeNext.
const { Kafka: KafkaCtor, logLevel } = kafkajs;

export interface KafkajsClientOptions {
  brokers: string[];
  clientId?: string;
  /** TCP connect timeout per broker, ms (default 3,000). */
  connectionTimeoutMs?: number;
  /** Bound on one request's round trip, ms (default 10,000). */
  requestTimeoutMs?: number;
  /** Retries of a failed produce inside one send (default 3; each is a metadata refresh + resend). */
  produceRetries?: number;
  /** Consumer group session timeout, ms (default 10,000; the broker's minimum is 6,000). */
  sessionTimeoutMs?: number;
  /** Consumer heartbeat interval, ms (default 1,000): also how fast a member notices a rebalance. */
  heartbeatIntervalMs?: number;
  /**
   * Longest a consumer fetch waits on the broker for data, ms (default 500). kafkajs also sleeps this
   * long when every partition is paused, so it bounds how late a resume takes effect.
   */
  fetchMaxWaitMs?: number;
  /**
   * After a fetch that brought records, how long a consumer holds its next fetch, ms (default 5; 0: no hold).
   * At most this much added latency, for at most 1,000 / fetchPacingMs fetches a second (fetch-pacer.ts).
   */
  fetchPacingMs?: number;
  log: Logger;
}

/** A KafkaClient backed by one kafkajs producer and one admin client, plus one consumer per group member. */
export class KafkajsClient implements KafkaClient {
  readonly #kafka: Kafka;
  readonly #producer: Producer;
  readonly #admin: Admin;
  readonly #opts: Required<Omit<KafkajsClientOptions, 'log' | 'clientId'>>;
  readonly #log: Logger;
  #producerReady: Promise<void> | null = null;
  #adminReady: Promise<void> | null = null;
  readonly #consumers = new Set<KafkajsGroupConsumer>();

  constructor(opts: KafkajsClientOptions) {
    if (opts.brokers.length === 0) throw new TypeError('kafka: at least one broker is required');
    this.#opts = {
      brokers: opts.brokers,
      connectionTimeoutMs: opts.connectionTimeoutMs ?? 3_000,
      requestTimeoutMs: opts.requestTimeoutMs ?? 10_000,
      produceRetries: opts.produceRetries ?? 3,
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 1_000,
      fetchMaxWaitMs: opts.fetchMaxWaitMs ?? 500,
      fetchPacingMs: opts.fetchPacingMs ?? 5,
    };
    this.#log = opts.log;
    this.#kafka = new KafkaCtor({
      brokers: opts.brokers,
      clientId: opts.clientId ?? 'kateway',
      connectionTimeout: this.#opts.connectionTimeoutMs,
      requestTimeout: this.#opts.requestTimeoutMs,
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => this.#forwardLog(entry),
    });
    // Not idempotent on purpose: kafkajs 2.2.4 serialises idempotent sends per broker (one request in
    // flight) and rolls sequence numbers back when a send fails, which can make the broker drop a later,
    // different batch as a "duplicate" after a timeout. A plain producer plus acks=all is at-least-once.
    this.#producer = this.#kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: false,
      retry: { retries: this.#opts.produceRetries, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.#admin = this.#kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } });
  }

  /** One kafkajs send: it splits by leader itself, but settles only when every leader answered. */
  produce(topic: string, records: ProduceRecord[], opts: ProduceOptions): ProduceRequest[] {
    return [{ partitions: [...new Set(records.map((r) => r.partition))], done: this.#produce(topic, records, opts) }];
  }

  async #produce(topic: string, records: ProduceRecord[], opts: ProduceOptions): Promise<PartitionAck[]> {
    await this.#connectProducer();
    let res: RecordMetadata[];
    try {
      res = await this.#producer.send({
        topic,
        acks: opts.acks,
        timeout: opts.timeoutMs,
        // A ProduceRecord is already a kafkajs message (partition, key, value, headers): no copy per record.
        messages: records,
      });
    } catch (e) {
      throw toClientError(e, `produce to ${topic}`);
    }
    return res.map((m) => ({ partition: m.partition, baseOffset: Number(m.baseOffset ?? m.offset ?? -1) }));
  }

  async topicPartitionCounts(): Promise<Map<string, number>> {
    await this.#connectAdmin();
    try {
      const topics = await this.#admin.listTopics();
      if (topics.length === 0) return new Map();
      const meta = await this.#admin.fetchTopicMetadata({ topics });
      return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    } catch (e) {
      throw toClientError(e, 'fetch topic metadata');
    }
  }

  async createTopic(topic: string, partitions: number, replicationFactor: number): Promise<boolean> {
    await this.#connectAdmin();
    try {
      return await this.#admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor }],
        waitForLeaders: true,
        timeout: this.#opts.requestTimeoutMs,
      });
    } catch (e) {
      const err = toClientError(e, `create topic ${topic}`);
      if (err.kind === 'topic-exists') return false;
      // The controller created it, but the broker kafkajs asked for leaders has not heard of it yet
      // (seen on a freshly started cluster): wait until the topic shows with a leader per partition.
      if (err.kind === 'unknown-topic') {
        await this.#waitForLeaders(topic);
        return true;
      }
      throw err;
    }
  }

  async #waitForLeaders(topic: string): Promise<void> {
    try {
      await retryRetriable(async () => {
        const meta = await this.#admin.fetchTopicMetadata({ topics: [topic] });
        const parts = meta.topics.find((t) => t.name === topic)?.partitions ?? [];
        if (parts.length === 0 || parts.some((p) => p.leader < 0)) throw Object.assign(new Error('no leaders yet'), { retriable: true });
      });
    } catch (e) {
      throw toClientError(e, `wait for leaders of ${topic}`);
    }
  }

  async topicOffsets(topic: string): Promise<TopicPartitionOffsets[]> {
    await this.#connectAdmin();
    try {
      // kafkajs gives up on the first NOT_LEADER here, which a topic shows for a moment after creation
      // (the broker has not applied the new leadership yet): retry retriable errors a few times.
      const rows = await retryRetriable(() => this.#admin.fetchTopicOffsets(topic));
      return rows
        .map((r) => ({ partition: r.partition, low: Number(r.low), high: Number(r.high) }))
        .sort((a, b) => a.partition - b.partition);
    } catch (e) {
      throw toClientError(e, `fetch offsets of ${topic}`);
    }
  }

  async groupOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: number }>> {
    await this.#connectAdmin();
    try {
      // NOT_COORDINATOR (coordinator moved, or __consumer_offsets still being created) is not retried by kafkajs here.
      const res = await retryRetriable(() => this.#admin.fetchOffsets({ groupId, topics: [topic] }));
      const parts = res.find((t) => t.topic === topic)?.partitions ?? [];
      return parts
        .map((p) => ({ partition: p.partition, offset: Number(p.offset) }))
        .filter((p) => p.offset >= 0) // -1: nothing committed
        .sort((a, b) => a.partition - b.partition);
    } catch (e) {
      throw toClientError(e, `fetch offsets of group ${groupId}`);
    }
  }

  createGroupConsumer(opts: GroupConsumerOptions, handlers: GroupConsumerHandlers): GroupConsumer {
    const consumer = this.#kafka.consumer({
      groupId: opts.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.#opts.sessionTimeoutMs,
      heartbeatInterval: this.#opts.heartbeatIntervalMs,
      maxWaitTimeInMs: this.#opts.fetchMaxWaitMs,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000, restartOnFailure: async () => true },
    });
    const pacer = new FetchPacer(this.#opts.fetchPacingMs);
    const gc: KafkajsGroupConsumer = new KafkajsGroupConsumer(consumer, opts, handlers, pacer, () => this.#consumers.delete(gc));
    this.#consumers.add(gc);
    return gc;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#consumers].map((c) => c.close()));
    await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
  }

  // connect() is needed once per client object; after that kafkajs reconnects lazily on each call.
  // A failed connect is forgotten so that the next call tries again (Kafka down at gateway start).
  #connectProducer(): Promise<void> {
    this.#producerReady ??= this.#producer.connect().catch((e: unknown) => {
      this.#producerReady = null;
      throw toClientError(e, 'connect producer');
    });
    return this.#producerReady;
  }

  #connectAdmin(): Promise<void> {
    this.#adminReady ??= this.#admin.connect().catch((e: unknown) => {
      this.#adminReady = null;
      throw toClientError(e, 'connect admin');
    });
    return this.#adminReady;
  }

  // kafkajs logs every retry at ERROR; they are expected while a broker is down, so they go out as warn.
  #forwardLog(entry: LogEntry): void {
    const fields = { lib: 'kafkajs', ns: entry.namespace, broker: entry.log['broker'], error: entry.log['error'] };
    if (entry.level === logLevel.ERROR) this.#log.warn(entry.log.message, fields);
    else this.#log.debug(entry.log.message, fields);
  }
}

/**
 * kafkajs workers per consumer: a fetch's batches beyond this many wait for a worker, up to one pacing hold each.
 * Every fetch wakes each worker once (~1 µs each), so this is not the topic's largest possible partition count.
 */
const PARTITIONS_HANDLED_AT_ONCE = 32;

/** One kafkajs consumer, subscribed to one topic, fed to the store's handlers. */
class KafkajsGroupConsumer implements GroupConsumer {
  readonly #consumer: Consumer;
  readonly #topic: string;
  readonly #opts: GroupConsumerOptions;
  readonly #h: GroupConsumerHandlers;
  readonly #pacer: FetchPacer;
  readonly #onClosed: () => void;
  #closing: Promise<void> | null = null;
  /** Joined and not crashed since: kafkajs silently drops a commit made while its runner is down. */
  #member = false;

  constructor(consumer: Consumer, opts: GroupConsumerOptions, h: GroupConsumerHandlers, pacer: FetchPacer, onClosed: () => void) {
    this.#consumer = consumer;
    this.#pacer = pacer;
    this.#topic = opts.topic;
    this.#opts = opts;
    this.#h = h;
    this.#onClosed = onClosed;
    const { GROUP_JOIN, CRASH } = consumer.events;
    // kafkajs emits GROUP_JOIN synchronously before the member's first fetch of the generation,
    // so a seek issued from onAssigned applies to that fetch.
    consumer.on(GROUP_JOIN, (ev) => {
      this.#member = true;
      h.onAssigned([...(ev.payload.memberAssignment[this.#topic] ?? [])]);
    });
    consumer.on(CRASH, (ev) => {
      this.#member = false;
      h.onCrash(ev.payload.error, ev.payload.restart);
    });
  }

  async start(): Promise<void> {
    const h = this.#h;
    try {
      await this.#consumer.connect();
      await this.#consumer.subscribe({ topics: [this.#topic], fromBeginning: this.#opts.fromBeginning });
      await this.#consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        // kafkajs fetches again only once every batch of a fetch was handled: the batches of one fetch run side by side,
        // so that each hands its records on at once and the pacer's hold is paid once per fetch, not once per batch.
        partitionsConsumedConcurrently: this.#pacer.paces ? PARTITIONS_HANDLED_AT_ONCE : 1,
        eachBatch: async ({ batch, isStale }) => {
          // A stale batch predates a pending seek: the next fetch starts where the seek says.
          if (batch.messages.length === 0 || isStale()) return;
          const partition = batch.partition;
          const records: ConsumedRecord[] = batch.messages.map((m) => ({
            partition,
            offset: Number(m.offset),
            key: m.key,
            value: m.value ?? Buffer.alloc(0),
            headers: headersOf(m.headers),
            timestamp: Number(m.timestamp),
          }));
          h.onRecords(records);
          await this.#pacer.hold();
        },
      });
    } catch (e) {
      throw toClientError(e, `start consumer of group ${this.#opts.groupId}`);
    }
  }

  pause(): void {
    this.#consumer.pause([{ topic: this.#topic }]);
  }

  resume(): void {
    this.#consumer.resume([{ topic: this.#topic }]);
  }

  seek(partition: number, offset: number): void {
    this.#consumer.seek({ topic: this.#topic, partition, offset: String(offset) });
  }

  async commit(positions: ReadonlyArray<{ partition: number; offset: number }>): Promise<void> {
    if (positions.length === 0) return;
    if (!this.#member || this.#closing) throw new KafkaClientError('unavailable', 'kafka: commit offsets: consumer is not in the group');
    try {
      await this.#consumer.commitOffsets(
        positions.map((p) => ({ topic: this.#topic, partition: p.partition, offset: String(p.offset) })),
      );
    } catch (e) {
      throw toClientError(e, 'commit offsets');
    }
  }

  close(): Promise<void> {
    // disconnect() stops the fetch loop and sends LeaveGroup, so the group rebalances at once.
    this.#closing ??= this.#consumer
      .disconnect()
      .catch(() => undefined)
      .finally(this.#onClosed);
    return this.#closing;
  }
}

/** Runs `fn`, retrying kafkajs errors flagged retriable up to 8 times (100-800 ms apart, ~5 s in all). */
async function retryRetriable<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const retriable = (e as { retriable?: unknown }).retriable === true;
      if (!retriable || attempt >= 7) throw e;
      await new Promise((r) => setTimeout(r, 100 * 2 ** Math.min(attempt, 3)));
    }
  }
}

function headersOf(h: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return out;
}

/** Maps a kafkajs error (possibly wrapped by its retrier) onto a library-neutral kind. */
export function toClientError(e: unknown, what: string): KafkaClientError {
  if (e instanceof KafkaClientError) return e;
  const types = new Set<string>();
  let nonRetriable = false;
  for (let cur: unknown = e, depth = 0; cur && depth < 8; depth++) {
    const o = cur as { type?: unknown; name?: unknown; retriable?: unknown; cause?: unknown; errors?: unknown };
    if (typeof o.type === 'string') types.add(o.type);
    if (Array.isArray(o.errors)) for (const x of o.errors as Array<{ type?: unknown }>) if (typeof x?.type === 'string') types.add(x.type);
    if (o.name === 'KafkaJSNonRetriableError' && o.retriable === false && !o.cause) nonRetriable = true;
    cur = o.cause;
  }
  const msg = `kafka: ${what}: ${e instanceof Error ? e.message : String(e)}`;
  if (types.has('UNKNOWN_TOPIC_OR_PARTITION')) return new KafkaClientError('unknown-topic', msg, e);
  if (types.has('TOPIC_ALREADY_EXISTS')) return new KafkaClientError('topic-exists', msg, e);
  if (types.has('MESSAGE_TOO_LARGE') || types.has('RECORD_LIST_TOO_LARGE')) return new KafkaClientError('too-large', msg, e);
  if ([...types].some((t) => t.startsWith('INVALID_') || t === 'POLICY_VIOLATION') || nonRetriable) {
    return new KafkaClientError('invalid', msg, e);
  }
  return new KafkaClientError('unavailable', msg, e);
}
