// Retention: deletes messages past the age or per-partition count limit, in small transactions, so `oldest` moves.
import type { SqliteDatabase } from './sqlite-schema.js';
import type { SqliteStatements } from './sqlite-statements.js';

export interface RetentionLimits {
  /** Messages older than this are deleted, ms; 0 disables. */
  retentionMs: number;
  /** Messages kept per partition; 0 disables. */
  maxMessagesPerPartition: number;
  now(): number;
}

/** Rows deleted per transaction, so a large prune never holds the write lock (or the event loop) for long. */
const CHUNK_ROWS = 5000;

/**
 * One pass over every partition of every topic in the file (not only those this process has opened).
 * Several processes may prune at once: the deletes are idempotent and `oldest` only moves forward.
 */
export class SqliteRetention {
  readonly #stmts: SqliteStatements;
  readonly #limits: RetentionLimits;
  readonly #prunePartition: (topicId: number, part: number) => ChunkResult;

  constructor(db: SqliteDatabase, stmts: SqliteStatements, limits: RetentionLimits) {
    this.#stmts = stmts;
    this.#limits = limits;
    this.#prunePartition = db.transaction((topicId: number, part: number) => this.#pruneChunk(topicId, part)).immediate;
  }

  get enabled(): boolean {
    return this.#limits.retentionMs > 0 || this.#limits.maxMessagesPerPartition > 0;
  }

  /**
   * Prunes everything that is due, yielding to the event loop between chunks; resolves the number of
   * deleted messages. `stillOpen` is checked between chunks so that close does not wait for a long pass.
   */
  async prune(stillOpen: () => boolean): Promise<number> {
    if (!this.enabled) return 0;
    let deleted = 0;
    for (const [topicId, , partitions] of this.#stmts.allTopics.all()) {
      for (let p = 0; p < partitions; p++) {
        for (;;) {
          if (!stillOpen()) return deleted;
          const { rows, advanced } = this.#prunePartition(topicId, p);
          deleted += rows;
          if (advanced < CHUNK_ROWS) break;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    }
    return deleted;
  }

  /** Runs inside a transaction: deletes at most CHUNK_ROWS offsets' worth of the partition's oldest due messages. */
  #pruneChunk(topicId: number, part: number): ChunkResult {
    const s = this.#stmts;
    const row = s.partitionsOf.all(topicId).find(([p]) => p === part);
    if (!row) return NOTHING;
    const [, next, oldest] = row;
    const end = Math.min(oldest + CHUNK_ROWS, next);
    let cutoff = oldest;
    const { retentionMs, maxMessagesPerPartition, now } = this.#limits;
    if (maxMessagesPerPartition > 0) cutoff = Math.max(cutoff, next - maxMessagesPerPartition);
    if (retentionMs > 0) {
      // The first message young enough to keep, looked for only within this chunk so that the scan (under
      // the write lock) stays short; offsets and timestamps rise together within a partition.
      const firstKept = s.firstOffsetSince.get(topicId, part, oldest, end, now() - retentionMs) ?? end;
      cutoff = Math.max(cutoff, firstKept);
    }
    cutoff = Math.min(cutoff, end);
    if (cutoff <= oldest) return NOTHING;
    const { changes } = s.deleteBefore.run(topicId, part, cutoff);
    s.setOldest.run(cutoff, topicId, part);
    return { rows: changes, advanced: cutoff - oldest };
  }
}

interface ChunkResult {
  /** Messages deleted. */
  rows: number;
  /** How far `oldest` moved. */
  advanced: number;
}

const NOTHING: ChunkResult = { rows: 0, advanced: 0 };
