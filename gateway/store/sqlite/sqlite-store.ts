// The embedded durable Store: one SQLite file in WAL mode, shareable by several gateway processes on one host.
import { AppError, ErrorCode, badRequest, notFound, storeUnavailable } from '../../../shared/errors.js';
import { type Logger, silentLogger } from '../../../shared/log.js';
import { partitionForKey } from '../partitioner.js';
import type {
  GroupReader,
  OutgoingMessage,
  PartitionInfo,
  Position,
  ReaderOptions,
  Store,
  TopicSpec,
} from '../store.js';
import { GroupCursors } from '../local/group-cursors.js';
import { LocalGroupReader } from '../local/local-group-reader.js';
import { checkPositions } from '../local/check-positions.js';
import { ChangePoller } from './change-poller.js';
import { type ResolvedSqliteOptions, type SqliteStoreOptions, resolveSqliteOptions } from './sqlite-options.js';
import { SqliteRetention } from './sqlite-retention.js';
import { type SqliteDatabase, openDatabase } from './sqlite-schema.js';
import { type SqliteStatements, prepareStatements } from './sqlite-statements.js';
import { SqliteTopic } from './sqlite-topic.js';
import { SqliteWriter, type WriterStats } from './sqlite-writer.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/**
 * Messages, partition offsets and committed group offsets live in one SQLite database. Appends are
 * group-committed (see SqliteWriter) and resolve once their transaction committed, durable to the
 * `synchronous` level (see SqliteStoreOptions.synchronous). `acks` is ignored: there are no replicas.
 * Fetches long-poll: this process's appends wake them at once, other processes' within `pollIntervalMs`.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #opts: ResolvedSqliteOptions;
  readonly #log: Logger;
  readonly #db: SqliteDatabase;
  readonly #stmts: SqliteStatements;
  readonly #writer: SqliteWriter;
  readonly #poller: ChangePoller;
  readonly #retention: SqliteRetention;
  /** Undefined when SQLite auto-checkpoints on this connection (checkpointIntervalMs 0). */
  readonly #checkpointer: WalCheckpointer | undefined;
  readonly #topics = new Map<string, SqliteTopic>();
  readonly #cursors = new GroupCursors();
  readonly #readers = new Set<LocalGroupReader>();
  readonly #pruneTimer: NodeJS.Timeout | undefined;
  #pruning: Promise<number> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** Opens (creating if needed) the database; throws STORE_UNAVAILABLE when it cannot, TypeError on bad options. */
  constructor(options: SqliteStoreOptions) {
    this.#opts = resolveSqliteOptions(options);
    this.#log = options.log ?? silentLogger;
    this.#db = openDatabase(this.#opts);
    this.#stmts = prepareStatements(this.#db);
    this.#writer = new SqliteWriter(this.#db, this.#stmts, this.#opts, this.#log);
    this.#poller = new ChangePoller(this.#opts.pollIntervalMs, () => this.#stmts.dataVersion.get()!);
    this.#retention = new SqliteRetention(this.#db, this.#stmts, this.#opts);
    const { path, checkpointIntervalMs: intervalMs, busyTimeoutMs } = this.#opts;
    if (intervalMs > 0) this.#checkpointer = new WalCheckpointer(this.#db, { path, intervalMs, busyTimeoutMs }, this.#log);
    if (this.#retention.enabled) {
      this.#pruneTimer = setInterval(() => void this.#scheduledPrune(), this.#opts.pruneIntervalMs);
      this.#pruneTimer.unref();
    }
  }

  /** The WAL checkpointer thread (undefined with checkpointIntervalMs 0), for tests. */
  get checkpointer(): WalCheckpointer | undefined {
    return this.#checkpointer;
  }

  /** Group-commit counters (transactions, messages), for benchmarks and metrics. */
  get writeStats(): Readonly<WriterStats> {
    return this.#writer.stats;
  }

  createTopic(topic: string, spec: TopicSpec): Promise<boolean> {
    return this.#call(() => {
      const { partitions } = spec;
      const max = this.#opts.maxPartitions;
      if (!Number.isInteger(partitions) || partitions < 1 || partitions > max)
        throw badRequest(`partitions must be an integer in [1, ${max}]`);
      const s = this.#stmts;
      return this.#db
        .transaction(() => {
          const { changes, lastInsertRowid } = s.insertTopic.run(topic, partitions, this.#opts.now());
          if (changes === 0) return false;
          for (let p = 0; p < partitions; p++) s.insertPartition.run(Number(lastInsertRowid), p);
          return true;
        })
        .immediate();
    });
  }

  hasTopic(topic: string): Promise<boolean> {
    return this.#call(() => this.#topic(topic) !== undefined);
  }

  listTopics(): Promise<string[]> {
    return this.#call(() => this.#stmts.allTopics.all().map(([, name]) => name));
  }

  append(topic: string, messages: OutgoingMessage[]): Promise<Position[]> {
    if (this.#closed) return closedError();
    let t: SqliteTopic | undefined;
    try {
      t = this.#topic(topic);
    } catch (e) {
      return Promise.reject(e);
    }
    if (t === undefined) return Promise.reject(notFound(`topic ${topic} not found`));
    const n = t.partitionCount;
    const partitions = new Array<number>(messages.length);
    const keys = new Array<Buffer | null>(messages.length);
    let unkeyed = -1;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      if (!Buffer.isBuffer(m.value)) return Promise.reject(badRequest(`message ${i} has no Buffer value`));
      if (m.key === undefined) {
        keys[i] = null;
        if (unkeyed < 0) unkeyed = t.unkeyed.next(n);
        partitions[i] = unkeyed;
      } else if (typeof m.key === 'string') {
        const key = Buffer.from(m.key, 'utf8');
        keys[i] = key;
        partitions[i] = partitionForKey(key, n);
      } else {
        return Promise.reject(badRequest(`message ${i} has a non-string key`));
      }
    }
    if (messages.length === 0) return Promise.resolve([]);
    return this.#writer.append({ topic: t, messages, partitions, keys, timestamp: this.#opts.now() });
  }

  partitions(topic: string): Promise<PartitionInfo[]> {
    return this.#call(() => {
      const t = this.#requireTopic(topic);
      t.load(this.#stmts.dataVersion.get()!);
      return t.info();
    });
  }

  committed(topic: string, groupId: string): Promise<Position[]> {
    return this.#call(() => {
      const t = this.#requireTopic(topic);
      return this.#stmts.committedOffsets.all(t.id, groupId).map(([partition, offset]) => ({ partition, offset }));
    });
  }

  openReader(topic: string, groupId: string, opts: ReaderOptions): Promise<GroupReader> {
    return this.#call(() => {
      const t = this.#requireTopic(topic);
      const cursor = this.#cursors.acquire(topic, groupId, () => this.#startPositions(t, groupId, opts));
      const reader: LocalGroupReader = new LocalGroupReader(t, cursor, {
        commit: (positions) => this.#commit(t, groupId, positions),
        onClose: () => {
          this.#readers.delete(reader);
          this.#cursors.release(topic, groupId);
          if (--t.readers === 0) t.recent.forgetAll();
        },
      });
      this.#readers.add(reader);
      t.readers++;
      return reader;
    });
  }

  /** Runs one retention pass now (it also runs every `pruneIntervalMs`); resolves the messages deleted. */
  prune(): Promise<number> {
    if (this.#closed) return closedError();
    this.#pruning ??= this.#retention.prune(() => !this.#closed).finally(() => {
      this.#pruning = undefined;
    });
    return this.#pruning;
  }

  /** Idempotent: every call resolves when the file is closed. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#pruneTimer);
    this.#poller.stop();
    await Promise.all([...this.#readers].map((r) => r.close()));
    await this.#pruning?.catch(() => undefined);
    // Writes queued before close still commit; their promises settle before the file closes.
    this.#writer.flush();
    await this.#checkpointer?.close();
    this.#db.close();
  }

  async #scheduledPrune(): Promise<void> {
    try {
      const deleted = await this.prune();
      if (deleted > 0) this.#log.info('sqlite retention pass', { path: this.#opts.path, deleted });
    } catch (err) {
      if (!this.#closed) this.#log.warn('sqlite retention pass failed', { path: this.#opts.path, err });
    }
  }

  #commit(t: SqliteTopic, groupId: string, positions: Position[]): Promise<void> {
    if (this.#closed) return closedError();
    try {
      checkPositions(positions, t.partitionCount);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#writer.commit(t, groupId, positions);
  }

  #startPositions(t: SqliteTopic, groupId: string, opts: ReaderOptions): number[] {
    t.load(this.#stmts.dataVersion.get()!);
    const positions = Array.from({ length: t.partitionCount }, (_, p) =>
      opts.reset === 'oldest' ? t.oldest(p) : t.latest(p),
    );
    for (const [p, offset] of this.#stmts.committedOffsets.all(t.id, groupId)) if (p < positions.length) positions[p] = offset;
    return positions;
  }

  /** The cached topic, or the one another process created since; undefined when it does not exist. */
  #topic(name: string): SqliteTopic | undefined {
    const cached = this.#topics.get(name);
    if (cached) return cached;
    const row = this.#stmts.topicByName.get(name);
    if (!row) return undefined;
    const [id, , partitions] = row;
    const topic = new SqliteTopic(
      { id, name, partitions, rotationStart: Math.floor(this.#opts.random() * partitions) },
      this.#stmts,
      {
        // A fetch about to wait is woken by the poller within pollIntervalMs of another process's append anyway.
        refresh: (t, beforeWait) => {
          if (!this.#closed) this.#poller.refresh(t, beforeWait ? this.#opts.pollIntervalMs : 0);
        },
        onFirstWaiter: (t) => this.#poller.watch(t),
      },
    );
    topic.load(this.#stmts.dataVersion.get()!);
    this.#topics.set(name, topic);
    return topic;
  }

  #requireTopic(name: string): SqliteTopic {
    const t = this.#topic(name);
    if (!t) throw notFound(`topic ${name} not found`);
    return t;
  }

  /** Runs a synchronous database call as a promise: closed → SHUTTING_DOWN, SQLite errors → STORE_UNAVAILABLE. */
  #call<T>(fn: () => T): Promise<T> {
    if (this.#closed) return closedError();
    try {
      return Promise.resolve(fn());
    } catch (e) {
      if (e instanceof AppError) return Promise.reject(e);
      return Promise.reject(storeUnavailable(`sqlite: ${(e as Error).message}`, { cause: e }));
    }
  }
}

const closedError = <T>(): Promise<T> =>
  Promise.reject(new AppError(ErrorCode.SHUTTING_DOWN, 'store is closed'));
