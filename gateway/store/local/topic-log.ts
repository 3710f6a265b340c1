// What the shared local reader needs from a single-host store's topic: offsets, synchronous reads, waiters.
import type { StoredMessage } from '../store.js';
import type { WaiterSet } from './waiter-set.js';

/**
 * One topic as a single-host store (memory, SQLite) keeps it. Reads are synchronous: the memory store
 * reads arrays and better-sqlite3 is synchronous, which lets one reader implementation serve both.
 */
export interface TopicLog {
  readonly partitionCount: number;
  /** Fetches of this topic wait here; the store wakes them after appends. */
  readonly waiters: WaiterSet;
  /** Offset of the oldest message still kept in partition `p`, as this process last saw it. */
  oldest(p: number): number;
  /** The offset the next message of partition `p` will get, as this process last saw it. */
  latest(p: number): number;
  /** Pushes onto `out` up to `max` messages of partition `p` with offset >= `from`, in offset order. */
  read(p: number, from: number, max: number, out: StoredMessage[]): void;
  /**
   * Brings oldest()/latest() up to date with writes of other processes; a no-op where there are none.
   * `beforeWait`: the caller waits for new messages if there are none, so the store may skip a look it made a
   * moment ago (its own wake-ups of waiting fetches cover that moment).
   */
  refresh(beforeWait: boolean): void;
}
