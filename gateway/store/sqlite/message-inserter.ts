// Inserts message rows several per INSERT statement: the group commit's per-row cost.
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './sqlite-schema.js';

/** Rows per INSERT (7 parameters each, far below SQLite's 32,766-parameter limit). */
export const ROWS_PER_INSERT = 64;

const COLUMNS = 7;
const ROW = '(?, ?, ?, ?, ?, ?, ?)';

/**
 * Why: one `INSERT … VALUES (…)` per row costs a native call, a VDBE program run and a statement reset per row;
 * one statement of up to 64 rows amortises those (about 1.3–1.5× the rows/s of single-row inserts inside the
 * same transaction, measured with loadtest/store-append-bench.ts). Rows are buffered by `add` and written by
 * `flush`, which the caller runs before the transaction ends.
 *
 * The arguments go to `run` spread, not as one array: better-sqlite3 reads an array's elements through
 * `v8::Object::Get`, which was most of its binding cost (~8 % of a batch publish's gateway CPU). `OR ROLLBACK`
 * spares SQLite the statement journal (a copy of every page a multi-row statement touches, kept to undo just
 * that statement on a conflict): a conflict (which offsets assigned under the write lock never cause) rolls
 * back the whole transaction instead, and the writer treats the throw like any failed group commit.
 */
export class MessageInserter {
  readonly #db: SqliteDatabase;
  /** Prepared statement for n rows, at index n (prepared on first use; at most ROWS_PER_INSERT of them). */
  readonly #byRows: Array<Statement<unknown[]> | undefined> = [];
  readonly #args: unknown[] = new Array<unknown>(ROWS_PER_INSERT * COLUMNS);
  #rows = 0;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  add(topicId: number, part: number, offset: number, ts: number, key: Buffer | null, tag: string | null, value: Buffer): void {
    const a = this.#args;
    const at = this.#rows * COLUMNS;
    a[at] = topicId;
    a[at + 1] = part;
    a[at + 2] = offset;
    a[at + 3] = ts;
    a[at + 4] = key;
    a[at + 5] = tag;
    a[at + 6] = value;
    if (++this.#rows === ROWS_PER_INSERT) this.flush();
  }

  /** Writes the buffered rows (call before the transaction commits). */
  flush(): void {
    const n = this.#rows;
    if (n === 0) return;
    this.#rows = 0;
    const args = n === ROWS_PER_INSERT ? this.#args : this.#args.slice(0, n * COLUMNS);
    this.#statement(n).run(...args);
    // Do not keep up to 64 message bodies alive until the next transaction.
    this.#args.fill(null, 0, n * COLUMNS);
  }

  /** Forgets buffered rows (the transaction failed). */
  reset(): void {
    this.#rows = 0;
  }

  #statement(n: number): Statement<unknown[]> {
    let s = this.#byRows[n];
    if (!s) {
      s = this.#db.prepare<unknown[]>(
        `INSERT OR ROLLBACK INTO messages (topic_id, part, off, ts, key, tag, value) VALUES ${Array<string>(n).fill(ROW).join(', ')}`,
      );
      this.#byRows[n] = s;
    }
    return s;
  }
}
