// One topic of the SQLite store as this process sees it: cached offsets, reads, waiters, unkeyed rotation.
import { RoundRobinPartitioner } from '../partitioner.js';
import type { PartitionInfo, StoredMessage } from '../store.js';
import { WaiterSet } from '../local/waiter-set.js';
import type { TopicLog } from '../local/topic-log.js';
import { RecentMessages } from './recent-messages.js';
import type { PartitionRow, SqliteStatements } from './sqlite-statements.js';

export class SqliteTopic implements TopicLog {
  readonly id: number;
  readonly name: string;
  readonly partitionCount: number;
  readonly waiters: WaiterSet;
  readonly unkeyed: RoundRobinPartitioner;
  /** What this process just committed, for live readers (see RecentMessages). */
  readonly recent: RecentMessages;
  /** Readers of this process open on the topic; the last one to close empties `recent`. */
  readers = 0;
  /** `PRAGMA data_version` when the offsets were last loaded; another process's commit changes it. */
  seenVersion = -1;
  /** performance.now() of the last check of `PRAGMA data_version` for this topic (ChangePoller.refresh). */
  lookedAt = -Infinity;
  readonly #stmts: SqliteStatements;
  readonly #refresh: (topic: SqliteTopic, beforeWait: boolean) => void;
  readonly #oldest: number[];
  readonly #latest: number[];

  constructor(
    row: { id: number; name: string; partitions: number; rotationStart: number },
    stmts: SqliteStatements,
    hooks: { refresh(topic: SqliteTopic, beforeWait: boolean): void; onFirstWaiter(topic: SqliteTopic): void },
  ) {
    this.id = row.id;
    this.name = row.name;
    this.partitionCount = row.partitions;
    this.unkeyed = new RoundRobinPartitioner(row.rotationStart);
    this.waiters = new WaiterSet(() => hooks.onFirstWaiter(this));
    this.recent = new RecentMessages(row.partitions);
    this.#stmts = stmts;
    this.#refresh = hooks.refresh;
    this.#oldest = new Array<number>(row.partitions).fill(0);
    this.#latest = new Array<number>(row.partitions).fill(0);
  }

  oldest(p: number): number {
    return this.#oldest[p]!;
  }

  latest(p: number): number {
    return this.#latest[p]!;
  }

  read(p: number, from: number, max: number, out: StoredMessage[]): void {
    const held = this.recent.read(p, from, max, out);
    if (held === max || (held > 0 && from + held >= this.#latest[p]!)) return;
    for (const [offset, timestamp, key, tag, value] of this.#stmts.selectMessages.all(this.id, p, from + held, max - held))
      out.push({ partition: p, offset, key, tag, value, timestamp });
  }

  refresh(beforeWait: boolean): void {
    this.#refresh(this, beforeWait);
  }

  /**
   * Loads the partitions rows; true when some partition got new messages. Then it also wakes the waiting fetches:
   * whichever look saw another process's appends (a fetch, a reader opening, the poller), the version is seen and
   * the poller will not report them again.
   */
  load(version: number): boolean {
    this.seenVersion = version;
    const grew = this.apply(this.#stmts.partitionsOf.all(this.id));
    if (grew) this.waiters.wakeAll();
    return grew;
  }

  /** Takes offsets read from the database; true when some partition got new messages. */
  apply(rows: PartitionRow[]): boolean {
    let grew = false;
    for (const [p, next, oldest] of rows) {
      if (p >= this.partitionCount) continue;
      if (next > this.#latest[p]!) {
        this.#latest[p] = next;
        grew = true;
      }
      if (oldest > this.#oldest[p]!) this.#oldest[p] = oldest;
    }
    return grew;
  }

  /** Records this process's own commit of partition `p` up to `next`. */
  advance(p: number, next: number): void {
    if (next > this.#latest[p]!) this.#latest[p] = next;
  }

  info(): PartitionInfo[] {
    return this.#latest.map((latest, partition) => ({ partition, oldest: this.#oldest[partition]!, latest }));
  }
}
