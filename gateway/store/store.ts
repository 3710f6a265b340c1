// The storage seam: every backend (memory, sqlite, kafka) implements Store and passes store.case.test.ts.

/** A message as kept by a store. Offsets are per partition, dense, starting at 0 for a new topic. */
export interface StoredMessage {
  partition: number;
  offset: number;
  /** Partition key as given by the publisher, or null. */
  key: Buffer | null;
  /** The publisher's X-Tag, kept as a message header (a Kafka record header on Kafka), or null. */
  tag: string | null;
  value: Buffer;
  /** Milliseconds since the epoch when the store accepted the message. */
  timestamp: number;
}

/** A message to append. */
export interface OutgoingMessage {
  value: Buffer;
  key?: string | undefined;
  tag?: string | undefined;
}

/** A partition and an offset. In `commit`, `offset` is the NEXT offset to consume (Kafka's convention). */
export interface Position {
  partition: number;
  offset: number;
}

export interface AppendOptions {
  /** 'all' waits for every in-sync replica (default); 'local' for the leader only (the original's `ack=local`). */
  acks?: 'all' | 'local';
}

export interface TopicSpec {
  partitions: number;
  /** Kafka only; ignored by single-host stores. */
  replicationFactor?: number;
}

export interface PartitionInfo {
  partition: number;
  /** Offset of the oldest message still kept. */
  oldest: number;
  /** Offset the next appended message will get (the high watermark). */
  latest: number;
}

/** Where a group with no committed offset starts: at the oldest kept message or at the end. */
export type ResetPolicy = 'oldest' | 'newest';

export interface ReaderOptions {
  reset: ResetPolicy;
}

/**
 * The consumer side of one consumer group on one topic, held by one gateway session.
 * A reader starts at the group's committed offsets (or `reset` when there are none) and moves
 * forward in memory as it fetches: it never returns the same message twice. Redelivery of
 * unacknowledged messages is the session's job; the reader only persists what the session commits.
 */
export interface GroupReader {
  /**
   * Up to `max` messages after the reader's position, in offset order within each partition.
   * Waits up to `waitMs` for the first message when none is ready; resolves [] on timeout or when
   * `signal` aborts. Never rejects because of an abort; a fetch whose signal is already aborted consumes nothing.
   */
  fetch(max: number, waitMs: number, signal?: AbortSignal): Promise<StoredMessage[]>;
  /**
   * Persists the group's next offsets. A position behind the stored one is ignored (commits are monotonic).
   * Rejects after close().
   */
  commit(positions: Position[]): Promise<void>;
  /** Leaves the group and frees resources. Does not commit. Idempotent. */
  close(): Promise<void>;
}

/**
 * A topic store. Topic names here are store names (`appid.topic.ver`).
 * Errors are AppError: NOT_FOUND for an unknown topic, STORE_UNAVAILABLE when the backend cannot answer.
 */
export interface Store {
  readonly kind: 'memory' | 'sqlite' | 'kafka';
  /** Creates the topic; resolves false when it already existed (its spec is then left as is). */
  createTopic(topic: string, spec: TopicSpec): Promise<boolean>;
  /** Whether the topic exists. Cheap: pub calls it per request. */
  hasTopic(topic: string): Promise<boolean>;
  listTopics(): Promise<string[]>;
  /**
   * Appends messages atomically: either every message is stored and every position returned
   * (in input order), or none is and the promise rejects. A message with a key goes to
   * partition murmur2(key) mod partitions (Kafka's default partitioner); without one, the store picks.
   * Resolving means the message is durable to the store's guarantee (see README).
   */
  append(topic: string, messages: OutgoingMessage[], opts?: AppendOptions): Promise<Position[]>;
  /** Oldest and latest offsets of every partition, ordered by partition. */
  partitions(topic: string): Promise<PartitionInfo[]>;
  /** The group's committed next offsets on the topic (partitions it never committed are absent). */
  committed(topic: string, groupId: string): Promise<Position[]>;
  /** Resolves once the reader's start position is fixed: a message appended afterwards is seen even with reset=newest. */
  openReader(topic: string, groupId: string, opts: ReaderOptions): Promise<GroupReader>;
  /** Flushes and closes. After close every call rejects with an AppError. Idempotent. */
  close(): Promise<void>;
}
