// Per-partition bookkeeping of fetched-but-unacknowledged offsets, giving the safe commit point of a group.

/**
 * The commit point of a partition is the lowest offset that was fetched and not yet acknowledged,
 * or one past the highest fetched offset when everything is acknowledged. Committing anything higher
 * could skip a message that a crash would then lose.
 */
export class OutstandingOffsets {
  readonly #open = new Map<number, Set<number>>();
  readonly #next = new Map<number, number>();
  readonly #committed = new Map<number, number>();

  /** Records a freshly fetched message. */
  fetched(partition: number, offset: number): void {
    let set = this.#open.get(partition);
    if (!set) {
      set = new Set();
      this.#open.set(partition, set);
    }
    set.add(offset);
    const next = this.#next.get(partition);
    if (next === undefined || offset + 1 > next) this.#next.set(partition, offset + 1);
  }

  /** Marks a message processed; false when it was not outstanding. */
  acked(partition: number, offset: number): boolean {
    return this.#open.get(partition)?.delete(offset) ?? false;
  }

  isOutstanding(partition: number, offset: number): boolean {
    return this.#open.get(partition)?.has(offset) ?? false;
  }

  /** Outstanding offsets of `partition` at or below `offset`, ascending. */
  upTo(partition: number, offset: number): number[] {
    const set = this.#open.get(partition);
    if (!set) return [];
    const out: number[] = [];
    for (const o of set) if (o <= offset) out.push(o);
    return out.sort((a, b) => a - b);
  }

  /** Commit points that moved since the last `markCommitted`. */
  pendingCommits(): { partition: number; offset: number }[] {
    const out: { partition: number; offset: number }[] = [];
    for (const [partition, next] of this.#next) {
      let low = next;
      for (const o of this.#open.get(partition) ?? []) if (o < low) low = o;
      if (this.#committed.get(partition) !== low) out.push({ partition, offset: low });
    }
    return out;
  }

  markCommitted(positions: readonly { partition: number; offset: number }[]): void {
    for (const p of positions) this.#committed.set(p.partition, p.offset);
  }
}
