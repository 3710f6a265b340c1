// One partition of the memory store: a ring of messages capped by count and by bytes, oldest dropped first.
import type { StoredMessage } from '../store.js';

/**
 * Message `offset` lives in slot `offset % maxMessages`, so appending never moves anything and dropping
 * by count is implicit (the slot is overwritten). The byte cap frees slots from the old end.
 */
export class MemoryPartition {
  readonly #partition: number;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #slots: Array<StoredMessage | undefined> = [];
  #next = 0;
  #oldest = 0;
  #bytes = 0;

  constructor(partition: number, maxMessages: number, maxBytes: number) {
    this.#partition = partition;
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
  }

  get oldest(): number {
    return this.#oldest;
  }

  get latest(): number {
    return this.#next;
  }

  /** Stores one message and returns its offset. */
  append(key: Buffer | null, tag: string | null, value: Buffer, timestamp: number): number {
    const offset = this.#next;
    const slot = offset % this.#maxMessages;
    if (offset - this.#oldest >= this.#maxMessages) this.#dropOldest();
    this.#slots[slot] = { partition: this.#partition, offset, key, tag, value, timestamp };
    this.#next = offset + 1;
    this.#bytes += sizeOf(key, value);
    while (this.#bytes > this.#maxBytes && this.#oldest < this.#next - 1) this.#dropOldest();
    return offset;
  }

  /** Pushes up to `max` messages with offset >= `from` onto `out`. */
  read(from: number, max: number, out: StoredMessage[]): void {
    const end = Math.min(this.#next, from + max);
    for (let o = Math.max(from, this.#oldest); o < end; o++) out.push(this.#slots[o % this.#maxMessages]!);
  }

  #dropOldest(): void {
    const slot = this.#oldest % this.#maxMessages;
    const m = this.#slots[slot];
    if (m) this.#bytes -= sizeOf(m.key, m.value);
    this.#slots[slot] = undefined;
    this.#oldest += 1;
  }
}

const sizeOf = (key: Buffer | null, value: Buffer): number => value.length + (key === null ? 0 : key.length);
