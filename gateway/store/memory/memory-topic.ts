// One topic of the memory store: its partitions, its unkeyed-message rotation, waiters and group commits.
import { RoundRobinPartitioner } from '../partitioner.js';
import type { Position, StoredMessage } from '../store.js';
import { WaiterSet } from '../local/waiter-set.js';
import type { TopicLog } from '../local/topic-log.js';
import { checkPositions } from '../local/check-positions.js';
import { MemoryPartition } from './memory-partition.js';

export class MemoryTopic implements TopicLog {
  readonly partitionCount: number;
  readonly partitions: MemoryPartition[];
  readonly unkeyed: RoundRobinPartitioner;
  readonly waiters = new WaiterSet();
  /** Committed next offsets per group; -1 where the group never committed. */
  readonly #committed = new Map<string, number[]>();

  constructor(partitionCount: number, maxMessages: number, maxBytes: number, rotationStart: number) {
    this.partitionCount = partitionCount;
    this.partitions = Array.from({ length: partitionCount }, (_, p) => new MemoryPartition(p, maxMessages, maxBytes));
    this.unkeyed = new RoundRobinPartitioner(rotationStart);
  }

  oldest(p: number): number {
    return this.partitions[p]!.oldest;
  }

  latest(p: number): number {
    return this.partitions[p]!.latest;
  }

  read(p: number, from: number, max: number, out: StoredMessage[]): void {
    this.partitions[p]!.read(from, max, out);
  }

  refresh(): void {
    // Nothing to do: every append of this store happens in this process.
  }

  commit(group: string, positions: Position[]): void {
    checkPositions(positions, this.partitionCount);
    let offsets = this.#committed.get(group);
    if (!offsets) {
      offsets = new Array<number>(this.partitionCount).fill(-1);
      this.#committed.set(group, offsets);
    }
    for (const { partition, offset } of positions) if (offset > offsets[partition]!) offsets[partition] = offset;
  }

  committed(group: string): Position[] {
    const offsets = this.#committed.get(group) ?? [];
    const out: Position[] = [];
    offsets.forEach((offset, partition) => {
      if (offset >= 0) out.push({ partition, offset });
    });
    return out;
  }

  /** Where a new reader of `group` starts in each partition. */
  startPositions(group: string, reset: 'oldest' | 'newest'): number[] {
    const offsets = this.#committed.get(group);
    return this.partitions.map((part, p) => {
      const committed = offsets?.[p] ?? -1;
      if (committed >= 0) return committed;
      return reset === 'oldest' ? part.oldest : part.latest;
    });
  }
}
