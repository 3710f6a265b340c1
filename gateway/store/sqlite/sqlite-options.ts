// Options of the SQLite store, with their defaults and the checks that make a bad config fail at startup.
import type { Logger } from '../../../shared/log.js';

export type SqliteSynchronous = 'normal' | 'full';

export interface SqliteStoreOptions {
  /** Database file. Several gateway processes on one host may share it (WAL, BEGIN IMMEDIATE, busy timeout). */
  path: string;
  /**
   * SQLite's `synchronous` setting; the database always runs in WAL mode.
   *
   * - `'normal'` (default): at COMMIT, SQLite writes the transaction to the WAL file (write(2), no fsync)
   *   and only fsyncs at checkpoints. A resolved append therefore survives the crash of the gateway
   *   process, kill -9 included (the bytes are in the OS page cache), but the last transactions before
   *   a power loss or kernel crash can be lost. The database is never corrupted: it rolls back to a
   *   consistent earlier commit.
   * - `'full'`: the WAL is fsynced at every COMMIT before the append resolves, so a resolved append also
   *   survives power loss (given a disk that honours flushes). Costs one fsync per group-commit
   *   transaction, shared by every append in it (on the reference VM one fsync'd commit took ~127 µs, so
   *   about 7.9k transactions/s at most).
   */
  synchronous?: SqliteSynchronous;
  /** How long a write waits for another process's write lock before failing with STORE_UNAVAILABLE, ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * Group commit: appends and commits queued in one event-loop turn share one transaction, flushed on
   * setImmediate, or at once when this many messages are queued. Default 4000: under batch publish load
   * (64 connections × 100 messages) a cap of 1000 cut each turn's arrivals into a full transaction and a
   * small remainder; 4000 let one transaction take the whole turn and cost ~10–15 % less gateway CPU per
   * batch (interleaved A/B of two gateway builds under wrk -c64). A transaction of 4000 × 100 B rows holds
   * the event loop for ~10 ms (10–40 ms measured at load 6).
   */
  maxBatchMessages?: number;
  /**
   * Group commit, second cap: flush at once when the queued values reach this many bytes. Default 1 MiB. The
   * message cap alone let larger messages make long transactions: 4,000 × 1 KiB held the event loop ~110 ms
   * (cap 1000: ~24 ms; load 6), and no other request of the gateway runs meanwhile. 4,000 × 100 B (~0.5 MiB) stays one commit.
   */
  maxBatchBytes?: number;
  /**
   * While a fetch waits, how often to check (`PRAGMA data_version`) whether another process appended, ms.
   * Appends of this process wake fetches directly. Default 4.
   */
  pollIntervalMs?: number;
  /**
   * How often a worker thread checkpoints the WAL into the database file, ms (see WalCheckpointer: the store's own
   * connection then never checkpoints, so no append waits for a checkpoint's fsync). 0 leaves checkpoints to SQLite's
   * auto-checkpoint, inside the commit that crosses 1,000 WAL pages. Default 250.
   */
  checkpointIntervalMs?: number;
  /** Messages older than this are deleted, ms; 0 keeps them forever. Default 7 days (the original's topic default). */
  retentionMs?: number;
  /** Messages kept per partition beyond which the oldest are deleted; 0 means no cap. Default 0. */
  maxMessagesPerPartition?: number;
  /** How often retention runs, ms. Default 60_000. */
  pruneIntervalMs?: number;
  /** Largest partition count createTopic accepts. Default 256. */
  maxPartitions?: number;
  /** Clock for timestamps and retention, ms since the epoch. Default Date.now. */
  now?: () => number;
  /** Source of each topic's first round-robin partition, in [0, 1). Default Math.random. */
  random?: () => number;
  /** Where write failures and retention passes are logged. Default: nowhere. */
  log?: Logger;
}

export type ResolvedSqliteOptions = Readonly<Required<Omit<SqliteStoreOptions, 'log'>>>;

export const SQLITE_STORE_DEFAULTS = {
  synchronous: 'normal',
  busyTimeoutMs: 5000,
  maxBatchMessages: 4000,
  maxBatchBytes: 1024 * 1024,
  pollIntervalMs: 4,
  checkpointIntervalMs: 250,
  retentionMs: 7 * 24 * 3600 * 1000,
  maxMessagesPerPartition: 0,
  pruneIntervalMs: 60_000,
  maxPartitions: 256,
} as const;

/** Fills in defaults and throws a TypeError naming the first invalid option. */
export function resolveSqliteOptions(opts: SqliteStoreOptions): ResolvedSqliteOptions {
  if (typeof opts.path !== 'string' || opts.path === '') throw new TypeError('sqlite path must be a non-empty string');
  const synchronous = opts.synchronous ?? SQLITE_STORE_DEFAULTS.synchronous;
  if (synchronous !== 'normal' && synchronous !== 'full')
    throw new TypeError(`synchronous must be 'normal' or 'full', got ${String(synchronous)}`);
  const d = SQLITE_STORE_DEFAULTS;
  return Object.freeze({
    path: opts.path,
    synchronous,
    busyTimeoutMs: int('busyTimeoutMs', opts.busyTimeoutMs, d.busyTimeoutMs, 0),
    maxBatchMessages: int('maxBatchMessages', opts.maxBatchMessages, d.maxBatchMessages, 1),
    maxBatchBytes: int('maxBatchBytes', opts.maxBatchBytes, d.maxBatchBytes, 1),
    pollIntervalMs: int('pollIntervalMs', opts.pollIntervalMs, d.pollIntervalMs, 1),
    checkpointIntervalMs: int('checkpointIntervalMs', opts.checkpointIntervalMs, d.checkpointIntervalMs, 0),
    retentionMs: int('retentionMs', opts.retentionMs, d.retentionMs, 0),
    maxMessagesPerPartition: int('maxMessagesPerPartition', opts.maxMessagesPerPartition, d.maxMessagesPerPartition, 0),
    pruneIntervalMs: int('pruneIntervalMs', opts.pruneIntervalMs, d.pruneIntervalMs, 1),
    maxPartitions: int('maxPartitions', opts.maxPartitions, d.maxPartitions, 1),
    now: opts.now ?? Date.now,
    random: opts.random ?? Math.random,
  });
}

function int(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new TypeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}
