// The produce half of the Kafka client over @platformatic/kafka 1.35: the only module that imports that library.
import { GenericError, Producer, stringSerializer, type MessageToProduce, type ProduceResult } from '@platformatic/kafka';
import { KafkaClientError, type Acks, type PartitionAck, type ProduceOptions, type ProduceRecord, type ProduceRequest, type RecordProducer } from './kafka-client.js';

export interface PlatformaticProducerOptions {
  brokers: string[];
  clientId?: string;
  /** Broker-side ack timeout of every produce request, ms. platformatic takes it per producer, not per send. */
  produceTimeoutMs: number;
  /** TCP connect timeout per broker, ms (default 3,000). */
  connectionTimeoutMs?: number;
  /** Bound on one request's round trip, ms (default 10,000). */
  requestTimeoutMs?: number;
  /** Retries of a failed produce inside one send (default 3), 100 ms doubling up to 1 s apart. */
  produceRetries?: number;
}

type Message = MessageToProduce<Buffer, Buffer, string, string>;

/**
 * Why this library for produce: its record encoder costs about a third of kafkajs's CPU per message
 * (docs/BENCHMARKS.md), and batch publish is CPU-bound in that encoder.
 *
 * Not idempotent: platformatic 1.35's idempotent producer failed every send against Kafka 3.9, and a
 * plain producer with acks=all is at-least-once, like the kafkajs one it replaces. The store keeps one
 * request in flight per partition (produce-batcher.ts), so retries cannot reorder a partition's batches.
 */
export class PlatformaticProducer implements RecordProducer {
  readonly #producer: Producer<Buffer, Buffer, string, string>;

  constructor(opts: PlatformaticProducerOptions) {
    if (opts.brokers.length === 0) throw new TypeError('kafka: at least one broker is required');
    this.#producer = new Producer<Buffer, Buffer, string, string>({
      clientId: opts.clientId ?? 'kateway',
      bootstrapBrokers: opts.brokers,
      idempotent: false,
      autocreateTopics: false,
      timeout: opts.produceTimeoutMs,
      connectTimeout: opts.connectionTimeoutMs ?? 3_000,
      requestTimeout: opts.requestTimeoutMs ?? 10_000,
      retries: opts.produceRetries ?? 3,
      retryDelay: (_client, _op, attempt) => Math.min(1_000, 100 * 2 ** (attempt - 1)),
      // Header values are the store's strings (X-Tag); keys and values stay Buffers as given.
      serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }

  /**
   * One produce request per partition leader; every record carries its partition (the store's partitioner chose
   * it). Each leader is a send of its own, so that one dead broker holds and fails only the partitions it leads.
   */
  produce(topic: string, records: ProduceRecord[], opts: ProduceOptions): ProduceRequest[] {
    return this.#splitByLeader(topic, records).map((messages) => ({
      partitions: [...new Set(messages.map((m) => m.partition!))],
      done: this.#send(topic, messages, opts.acks),
    }));
  }

  leaderOf(topic: string, partition: number): number | undefined {
    const leader = this.#producer.currentMetadata?.topics.get(topic)?.partitions[partition]?.leader;
    return leader === undefined || leader < 0 ? undefined : leader;
  }

  /** The records as messages, in groups by the partition leader the producer's metadata names (one group without metadata). */
  #splitByLeader(topic: string, records: ProduceRecord[]): Message[][] {
    const partitions = this.#producer.currentMetadata?.topics.get(topic)?.partitions;
    const groups = new Map<number, Message[]>();
    for (const r of records) {
      const leader = partitions?.[r.partition]?.leader ?? -1;
      let g = groups.get(leader);
      if (!g) groups.set(leader, (g = []));
      g.push({ topic, partition: r.partition, key: r.key ?? undefined, value: r.value, headers: r.headers });
    }
    return [...groups.values()];
  }

  async #send(topic: string, messages: Message[], acks: Acks): Promise<PartitionAck[]> {
    let res: ProduceResult;
    try {
      await this.#requirePartitions(topic, messages);
      res = await this.#producer.send({ messages, acks });
    } catch (e) {
      if (e instanceof KafkaClientError) throw e;
      // A send goes to the leader its cached metadata names, for up to 5 s: after a failure (leader killed,
      // moved) leaders are looked up again at once. Refreshed rather than cleared, so that the sends meanwhile
      // are still split by leader.
      this.#producer.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
      throw toClientError(e, `produce to ${topic}`);
    }
    return (res.offsets ?? []).map((o) => ({ partition: o.partition, baseOffset: Number(o.offset) }));
  }

  /**
   * platformatic writes a record for partition p of an n-partition topic to partition p % n, and its ack names
   * p % n: the ack of another partition's records would answer this one's appends with their offsets. The store
   * asks for partitions by the count it cached, so this happens to a topic re-created with fewer partitions.
   * Refused as unknown-topic instead: the store answers 404 and reads the count again. (Cached metadata: no request.)
   */
  async #requirePartitions(topic: string, messages: Message[]): Promise<void> {
    const count = (await this.#producer.metadata({ topics: [topic] })).topics.get(topic)?.partitionsCount;
    if (count === undefined) return;
    for (const m of messages) {
      if (m.partition! >= count) throw new KafkaClientError('unknown-topic', `kafka: produce to ${topic}: no partition ${m.partition!} (it has ${count})`);
    }
  }

  async close(): Promise<void> {
    // Force: no producer stream is ever opened, and a close must not wait on a dead cluster's retries.
    await new Promise<void>((resolve) => this.#producer.close(true, () => resolve()));
  }
}

/** Maps a platformatic error (often a tree of retried attempts) onto a library-neutral kind. */
export function toClientError(e: unknown, what: string): KafkaClientError {
  const ids = new Set<string>();
  let unknownTopic = false;
  const visit = (x: unknown, depth: number): void => {
    if (!x || typeof x !== 'object' || depth > 8) return;
    const o = x as { apiId?: unknown; code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
    if (typeof o.apiId === 'string') ids.add(o.apiId);
    // A missing topic found by the metadata look-up comes back as a UserError naming it, without a protocol code.
    if (o.code === 'PLT_KFK_USER' && typeof o.message === 'string' && o.message.startsWith('Unknown topic ')) unknownTopic = true;
    if (Array.isArray(o.errors)) for (const c of o.errors) visit(c, depth + 1);
    visit(o.cause, depth + 1);
  };
  visit(e, 0);
  const msg = `kafka: ${what}: ${describe(e)}`;
  if (unknownTopic || ids.has('UNKNOWN_TOPIC_OR_PARTITION')) return new KafkaClientError('unknown-topic', msg, e);
  if (ids.has('MESSAGE_TOO_LARGE') || ids.has('RECORD_LIST_TOO_LARGE')) return new KafkaClientError('too-large', msg, e);
  if ([...ids].some((id) => id.startsWith('INVALID_') || id === 'POLICY_VIOLATION' || id === 'CORRUPT_MESSAGE')) {
    return new KafkaClientError('invalid', msg, e);
  }
  return new KafkaClientError('unavailable', msg, e);
}

/** The error's message plus the distinct messages of the attempts it aggregates (platformatic's top message is generic). */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const inner = GenericError.isGenericError(e) && e instanceof AggregateError ? [...new Set(e.errors.map((x: unknown) => (x instanceof Error ? x.message : String(x))))] : [];
  return inner.length ? `${e.message} (${inner.join('; ')})` : e.message;
}
