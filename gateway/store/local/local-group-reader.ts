// The GroupReader of the single-host stores: moves a shared group cursor over a TopicLog, long-polls on its waiters.
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { GroupReader, Position, StoredMessage } from '../store.js';
import type { GroupCursor } from './group-cursors.js';
import type { TopicLog } from './topic-log.js';

/** What a reader needs from its store besides the topic. */
export interface LocalReaderHooks {
  /** Persists commits (monotonic per partition). */
  commit(positions: Position[]): Promise<void>;
  /** Called once when the reader closes, to release the cursor and forget the reader. */
  onClose(): void;
}

export class LocalGroupReader implements GroupReader {
  readonly #log: TopicLog;
  readonly #cursor: GroupCursor;
  readonly #hooks: LocalReaderHooks;
  #closed = false;
  /** Which partition a fetch looks at first, rotated so that no partition starves another. */
  #firstPartition = 0;

  constructor(log: TopicLog, cursor: GroupCursor, hooks: LocalReaderHooks) {
    this.#log = log;
    this.#cursor = cursor;
    this.#hooks = hooks;
  }

  async fetch(max: number, waitMs: number, signal?: AbortSignal): Promise<StoredMessage[]> {
    if (this.#closed || max <= 0 || signal?.aborted) return [];
    let out = this.#take(max);
    if (out.length > 0) return out;
    // Our view of other processes' appends may be stale: look once before deciding to wait.
    this.#log.refresh(waitMs > 0);
    out = this.#take(max);
    if (out.length > 0 || waitMs <= 0) return out;

    const deadline = performance.now() + waitMs;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return [];
      const woken = await this.#log.waiters.wait(left, signal);
      if (this.#closed || signal?.aborted) return [];
      out = this.#take(max);
      if (out.length > 0 || !woken) return out;
    }
  }

  commit(positions: Position[]): Promise<void> {
    if (this.#closed) return Promise.reject(new AppError(ErrorCode.CONFLICT, 'reader is closed'));
    return this.#hooks.commit(positions);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#hooks.onClose();
      // Pending fetches of this reader re-check `#closed` and resolve [].
      this.#log.waiters.wakeAll();
    }
    return Promise.resolve();
  }

  /** Takes up to `max` ready messages and moves the group cursor past them. */
  #take(max: number): StoredMessage[] {
    const log = this.#log;
    const positions = this.#cursor.positions;
    const n = log.partitionCount;
    const out: StoredMessage[] = [];
    for (let i = 0; i < n && out.length < max; i++) {
      const p = (this.#firstPartition + i) % n;
      // A position behind retention jumps to the oldest kept message (Kafka's offset-out-of-range → oldest).
      const from = Math.max(positions[p]!, log.oldest(p));
      if (from >= log.latest(p)) continue;
      const before = out.length;
      log.read(p, from, max - before, out);
      if (out.length > before) positions[p] = out[out.length - 1]!.offset + 1;
    }
    this.#firstPartition = (this.#firstPartition + 1) % n;
    return out;
  }
}
