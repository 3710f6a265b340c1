// The messages this process just committed to a topic, kept for its live readers: a fetch at the head of a partition
// is served from memory instead of a SQLite read.
import type { StoredMessage } from '../store.js';

/** Most messages held per partition. A live reader is a few messages behind the head; this covers bursts. */
export const RECENT_MAX_MESSAGES = 256;
/**
 * Most bytes held per partition, counting each value's whole backing store (a message of a JSON batch is a view of
 * the request body, which it keeps alive): a conservative bound on the memory the cache holds on to.
 */
export const RECENT_MAX_BYTES = 1024 * 1024;

interface PartitionTail {
  /** Messages of consecutive offsets, oldest first, from index `head` on (evicted slots before it are cleared). */
  messages: Array<StoredMessage | undefined>;
  head: number;
  bytes: number;
}

/**
 * Why: at 1,000 single-message appends/s with a live subscriber, every delivery was a SQLite read of the row just
 * committed (a read transaction over the WAL and a B-tree seek), ~70 µs of the gateway's event loop per message on
 * this machine, 15.7 % of its busy samples in the mixed benchmark: more than the inserts. The writer hands each
 * commit's messages here, and `read` serves offsets it holds.
 *
 * What is held is exactly what committed, at its offsets: messages are added only after their transaction
 * committed, and only as one run of consecutive offsets per partition. An offset out of line (another process
 * appended in between) starts the run afresh, and a read of anything not held goes to the database. Messages are
 * only kept while some fetch of the topic waits (a live reader); a commit with none waiting empties the partitions
 * it touched, and the close of the topic's last reader empties them all (no commit may come to do it), so a topic
 * without readers holds nothing.
 */
export class RecentMessages {
  readonly #tails: PartitionTail[];

  constructor(partitions: number) {
    this.#tails = Array.from({ length: partitions }, () => ({ messages: [], head: 0, bytes: 0 }));
  }

  /** Records a committed message (in offset order per partition). */
  add(m: StoredMessage): void {
    const t = this.#tails[m.partition]!;
    const n = t.messages.length;
    if (n > t.head && t.messages[n - 1]!.offset + 1 !== m.offset) this.#empty(t);
    t.messages.push(m);
    t.bytes += m.value.buffer.byteLength;
    while (t.messages.length - t.head > RECENT_MAX_MESSAGES || (t.bytes > RECENT_MAX_BYTES && t.messages.length - t.head > 1)) {
      const old = t.messages[t.head]!;
      t.bytes -= old.value.buffer.byteLength;
      t.messages[t.head++] = undefined; // let the evicted body go
    }
    // Compact now and then, not on every eviction: a shift per message would copy the whole array.
    if (t.head >= RECENT_MAX_MESSAGES) {
      t.messages = t.messages.slice(t.head);
      t.head = 0;
    }
  }

  /** Forgets what partition `p` holds (messages committed while no reader waited leave a gap). */
  forget(p: number): void {
    const t = this.#tails[p]!;
    if (t.messages.length > 0) this.#empty(t);
  }

  /** Forgets every partition (the topic's last reader closed: what is held would only keep request bodies alive). */
  forgetAll(): void {
    for (const t of this.#tails) if (t.messages.length > 0) this.#empty(t);
  }

  /** Pushes onto `out` up to `max` held messages of partition `p` from offset `from` on; returns how many. */
  read(p: number, from: number, max: number, out: StoredMessage[]): number {
    const t = this.#tails[p]!;
    if (t.messages.length === t.head) return 0;
    const first = t.messages[t.head]!.offset;
    const start = t.head + (from - first);
    if (from < first || start >= t.messages.length) return 0;
    const end = Math.min(t.messages.length, start + max);
    for (let i = start; i < end; i++) out.push(t.messages[i]!);
    return end - start;
  }

  #empty(t: PartitionTail): void {
    t.messages = [];
    t.head = 0;
    t.bytes = 0;
  }
}
