// Group commit: the appends and offset commits of one event-loop turn go into ONE immediate transaction.
import Database from 'better-sqlite3';
import { storeUnavailable } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import type { OutgoingMessage, Position } from '../store.js';
import { MessageInserter } from './message-inserter.js';
import type { SqliteDatabase } from './sqlite-schema.js';
import type { SqliteStatements } from './sqlite-statements.js';
import type { SqliteTopic } from './sqlite-topic.js';

/** One append call, already validated and partitioned by the store. */
export interface AppendWrite {
  topic: SqliteTopic;
  messages: OutgoingMessage[];
  /** Partition of each message. */
  partitions: number[];
  /** UTF-8 key of each message, or null. */
  keys: Array<Buffer | null>;
  timestamp: number;
}

type PendingWrite =
  | { kind: 'append'; write: AppendWrite; resolve(positions: Position[]): void; reject(e: unknown): void }
  | {
      kind: 'commit';
      topic: SqliteTopic;
      group: string;
      positions: Position[];
      resolve(positions: Position[]): void;
      reject(e: unknown): void;
    };

/** Next offsets assigned in a transaction, per touched topic and partition (-1: partition untouched). */
type Touched = Map<SqliteTopic, number[]>;

export interface WriterStats {
  /** Transactions committed. */
  transactions: number;
  /** Messages appended. */
  messages: number;
}

/** Caps of one group commit: whichever is reached first flushes at once. */
export interface GroupCommitLimits {
  maxBatchMessages: number;
  maxBatchBytes: number;
}

/**
 * Queues writes and commits them together on setImmediate (or at once when `maxBatchMessages` messages or
 * `maxBatchBytes` of values are queued): one BEGIN IMMEDIATE … COMMIT for everything the gateway received in one turn, which is what
 * takes SQLite from ~69k single-row commits/s to hundreds of thousands of rows/s. Every promise settles
 * only after its transaction committed (or failed). Offsets come from partitions.next_offset read inside
 * the transaction, under the database write lock, so two processes never hand out the same offset.
 */
export class SqliteWriter {
  readonly stats: WriterStats = { transactions: 0, messages: 0 };
  readonly #stmts: SqliteStatements;
  readonly #inserter: MessageInserter;
  readonly #limits: GroupCommitLimits;
  readonly #log: Logger;
  readonly #transaction: (batch: PendingWrite[], touched: Touched) => Array<Position[] | undefined>;
  #queue: PendingWrite[] = [];
  #queuedMessages = 0;
  #queuedBytes = 0;
  #scheduled: NodeJS.Immediate | undefined;

  constructor(db: SqliteDatabase, stmts: SqliteStatements, limits: GroupCommitLimits, log: Logger) {
    this.#stmts = stmts;
    this.#inserter = new MessageInserter(db);
    this.#log = log;
    this.#limits = { maxBatchMessages: limits.maxBatchMessages, maxBatchBytes: limits.maxBatchBytes };
    const tx = db.transaction((batch: PendingWrite[], touched: Touched) => this.#write(batch, touched));
    this.#transaction = (batch, touched) => tx.immediate(batch, touched);
  }

  append(write: AppendWrite): Promise<Position[]> {
    let bytes = 0;
    for (const m of write.messages) bytes += m.value.length;
    return new Promise((resolve, reject) => {
      this.#enqueue({ kind: 'append', write, resolve, reject }, write.messages.length, bytes);
    });
  }

  /** Stores the group's next offsets; a position behind the stored one is ignored (monotonic, across processes). */
  commit(topic: SqliteTopic, group: string, positions: Position[]): Promise<void> {
    return new Promise<Position[]>((resolve, reject) => {
      this.#enqueue({ kind: 'commit', topic, group, positions, resolve, reject }, 0, 0);
    }).then(() => undefined);
  }

  /** Commits everything queued now (close uses it). */
  flush(): void {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#queuedMessages = 0;
    this.#queuedBytes = 0;
    try {
      this.#commitBatch(batch);
    } catch (e) {
      this.#log.warn('sqlite group commit failed', { writes: batch.length, err: e });
      // A lock timeout would hit every retry too; anything else may come from one bad write, so retry
      // each alone to let the others through.
      if (batch.length === 1 || isBusy(e)) for (const w of batch) w.reject(writeFailed(e));
      else for (const w of batch) this.#retryAlone(w);
    }
  }

  #enqueue(w: PendingWrite, messages: number, bytes: number): void {
    this.#queue.push(w);
    this.#queuedMessages += messages;
    this.#queuedBytes += bytes;
    if (this.#queuedMessages >= this.#limits.maxBatchMessages || this.#queuedBytes >= this.#limits.maxBatchBytes) this.flush();
    else if (!this.#scheduled) this.#scheduled = setImmediate(() => this.flush());
  }

  #retryAlone(w: PendingWrite): void {
    try {
      this.#commitBatch([w]);
    } catch (e) {
      w.reject(writeFailed(e));
    }
  }

  #commitBatch(batch: PendingWrite[]): void {
    const touched: Touched = new Map();
    const results = this.#transaction(batch, touched);
    this.stats.transactions += 1;
    // Before the wake-ups below: the woken fetches read these from memory.
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!;
      if (w.kind === 'append') keepRecent(w.write, results[i]!);
    }
    for (const [topic, next] of touched) {
      for (let p = 0; p < next.length; p++) if (next[p]! >= 0) topic.advance(p, next[p]!);
      topic.waiters.wakeAll();
    }
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!;
      const positions = results[i] ?? [];
      if (w.kind === 'append') this.stats.messages += positions.length;
      w.resolve(positions);
    }
  }

  /** Runs inside the transaction. */
  #write(batch: PendingWrite[], touched: Touched): Array<Position[] | undefined> {
    const s = this.#stmts;
    const rows = this.#inserter;
    rows.reset(); // rows buffered by a transaction that threw are not part of this one
    const results = new Array<Position[] | undefined>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!;
      if (w.kind === 'commit') {
        for (const { partition, offset } of w.positions) s.commitOffset.run(w.topic.id, w.group, partition, offset);
        continue;
      }
      const { topic, messages, partitions, keys, timestamp } = w.write;
      let next = touched.get(topic);
      if (!next) {
        next = new Array<number>(topic.partitionCount).fill(-1);
        touched.set(topic, next);
      }
      const positions = new Array<Position>(messages.length);
      for (let j = 0; j < messages.length; j++) {
        const p = partitions[j]!;
        let offset = next[p]!;
        if (offset < 0) {
          const stored = s.nextOffset.get(topic.id, p);
          if (stored === undefined) throw new Error(`partition ${p} of ${topic.name} has no offsets row`);
          offset = stored;
        }
        const m = messages[j]!;
        rows.add(topic.id, p, offset, timestamp, keys[j]!, m.tag ?? null, m.value);
        next[p] = offset + 1;
        positions[j] = { partition: p, offset };
      }
      results[i] = positions;
    }
    rows.flush();
    for (const [topic, next] of touched)
      for (let p = 0; p < next.length; p++) if (next[p]! >= 0) s.setNextOffset.run(next[p]!, topic.id, p);
    return results;
  }
}

/** Hands a committed append to its topic's RecentMessages while a fetch of the topic waits; else leaves a gap there. */
function keepRecent({ topic, messages, keys, timestamp }: AppendWrite, positions: Position[]): void {
  const live = topic.waiters.size > 0;
  for (let j = 0; j < messages.length; j++) {
    const { partition, offset } = positions[j]!;
    if (!live) topic.recent.forget(partition);
    else topic.recent.add({ partition, offset, key: keys[j]!, tag: messages[j]!.tag ?? null, value: messages[j]!.value, timestamp });
  }
}

function isBusy(e: unknown): boolean {
  return e instanceof Database.SqliteError && e.code.startsWith('SQLITE_BUSY');
}

function writeFailed(e: unknown): Error {
  return storeUnavailable(`sqlite write failed: ${(e as Error).message}`, { cause: e, retriable: true });
}
