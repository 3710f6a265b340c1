// Where a message goes: keyed messages by Kafka's default partitioner, unkeyed ones round-robin per append.
import { murmur2, toPositive } from '../../shared/hash/murmur2.js';

/**
 * The partition Kafka's default partitioner picks for `key`: toPositive(murmur2(key)) % partitions
 * (Java `BuiltInPartitioner.partitionForKey`, kafkajs DefaultPartitioner). A string key is hashed as UTF-8.
 */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  return toPositive(murmur2(key)) % partitions;
}

/**
 * Picks the partition for the unkeyed messages of one append call. All of them go to the same partition
 * (sticky per call, like Kafka's sticky partitioner, so a batch is one contiguous run) and successive calls
 * rotate over the partitions. Keep one instance per topic: a counter shared by topics that are published
 * to in lockstep would send each topic to the same partition every time.
 */
export class RoundRobinPartitioner {
  #counter: number;

  /** @param start first counter value; pass a random one so that gateways do not all start on partition 0. */
  constructor(start = 0) {
    this.#counter = toPositive(start);
  }

  /** The partition for the next append call, in [0, partitions). */
  next(partitions: number): number {
    const p = this.#counter % partitions;
    this.#counter = (this.#counter + 1) & 0x7fffffff;
    return p;
  }
}
