// The small Kafka client seam KafkaStore uses; one implementation per client library: kafkajs-client.ts (admin,
// consumers, and produce when asked) and platformatic-producer.ts (produce, the default).

/** A record to produce. The store has already chosen the partition. */
export interface ProduceRecord {
  partition: number;
  key: Buffer | null;
  value: Buffer;
  /** Record headers; values are UTF-8 strings. */
  headers: Record<string, string>;
}

/** Acks: -1 waits for every in-sync replica, 1 for the partition leader only. */
export type Acks = -1 | 1;

export interface ProduceOptions {
  acks: Acks;
  /** Broker-side ack timeout and the bound the client gives its own retries, in ms. */
  timeoutMs: number;
}

/** The result of producing to one partition: the offset of its first record of the request. */
export interface PartitionAck {
  partition: number;
  baseOffset: number;
}

/** One produce request of a produce call: the partitions it carries, and its outcome (an ack per partition). */
export interface ProduceRequest {
  partitions: number[];
  done: Promise<PartitionAck[]>;
}

/** A record as consumed. */
export interface ConsumedRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer;
  headers: Record<string, Buffer>;
  /** Record timestamp, ms since the epoch. */
  timestamp: number;
}

export interface TopicPartitionOffsets {
  partition: number;
  /** Log start offset. */
  low: number;
  /** High watermark: the offset of the next record. */
  high: number;
}

export interface GroupConsumerOptions {
  groupId: string;
  topic: string;
  /** Where a partition without a committed offset starts, unless `seek` says otherwise. */
  fromBeginning: boolean;
}

/** Callbacks of a push-style group consumer. They run on the client's fetch loop and must not block. */
export interface GroupConsumerHandlers {
  /** Records of one partition, in offset order. */
  onRecords(records: ConsumedRecord[]): void;
  /** The member's whole assignment after each (re)join; empty when it got no partition. */
  onAssigned(partitions: number[]): void;
  /** The consumer crashed; `restarting` says whether the client rejoins by itself. */
  onCrash(error: Error, restarting: boolean): void;
}

/** One member of a consumer group on one topic, with offsets committed only on request. */
export interface GroupConsumer {
  /**
   * Connects, joins the group and starts fetching. `onAssigned` may fire before this resolves, so
   * the caller keeps the GroupConsumer (to seek) before starting it. A failed join is retried by the
   * client in the background (reported through `onCrash`), it does not reject here.
   */
  start(): Promise<void>;
  /** Stops fetching all partitions until `resume` (records already fetched may still arrive once). */
  pause(): void;
  resume(): void;
  /** Makes the next fetch of `partition` start at `offset`. Only effective for an assigned partition. */
  seek(partition: number, offset: number): void;
  /** Commits next offsets for the group, through the member's current generation. */
  commit(positions: ReadonlyArray<{ partition: number; offset: number }>): Promise<void>;
  /** Leaves the group cleanly and closes connections. Idempotent. */
  close(): Promise<void>;
}

/** Why a client call failed, independent of the library. */
export type KafkaFailure = 'unknown-topic' | 'topic-exists' | 'invalid' | 'too-large' | 'unavailable';

/** Errors raised by a KafkaClient; the store maps `kind` onto AppError codes. */
export class KafkaClientError extends Error {
  readonly kind: KafkaFailure;
  constructor(kind: KafkaFailure, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KafkaClientError';
    this.kind = kind;
  }
}

/**
 * Everything KafkaStore asks of Kafka. Implementations never create topics implicitly and raise
 * KafkaClientError (other errors are treated as 'unavailable').
 */
export interface KafkaClient {
  /**
   * Produces the records of one topic (each partition's records one contiguous run) as one request per
   * partition leader, one record batch per partition. Returns the requests at once; each settles on its own,
   * so a dead or slow leader holds only the partitions it leads.
   */
  produce(topic: string, records: ProduceRecord[], opts: ProduceOptions): ProduceRequest[];
  /** Partition counts of every topic in the cluster (one metadata request). */
  topicPartitionCounts(): Promise<Map<string, number>>;
  /** Creates a topic and waits for its partition leaders; false when it already existed. */
  createTopic(topic: string, partitions: number, replicationFactor: number): Promise<boolean>;
  topicOffsets(topic: string): Promise<TopicPartitionOffsets[]>;
  /** The group's committed next offsets on the topic; partitions without one are absent. */
  groupOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: number }>>;
  /** A group member that does nothing until `start()`. */
  createGroupConsumer(opts: GroupConsumerOptions, handlers: GroupConsumerHandlers): GroupConsumer;
  close(): Promise<void>;
}

/** The produce half of a KafkaClient: the store may take it from another library than the rest. */
export type RecordProducer = Pick<KafkaClient, 'produce' | 'close'> & {
  /**
   * The broker `produce` sends a partition's records to now, from the producer's cached metadata (no request);
   * undefined when it does not know. Absent: the producer does not say (the store then keeps one request in
   * flight per partition instead of per leader).
   */
  leaderOf?(topic: string, partition: number): number | undefined;
};
