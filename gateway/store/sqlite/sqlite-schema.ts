// Opens the shared database file: WAL, busy timeout, synchronous level, and the schema (created once, versioned).
import Database from 'better-sqlite3';
import { storeUnavailable } from '../../../shared/errors.js';
import type { ResolvedSqliteOptions } from './sqlite-options.js';

export type SqliteDatabase = Database.Database;

const SCHEMA_VERSION = 1;
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

// Offsets are assigned from partitions.next_offset inside the write transaction, never from MAX(off):
// that row survives retention deleting every message, so offsets never go back.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS topics (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  partitions INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS partitions (
  topic_id INTEGER NOT NULL,
  part INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  oldest INTEGER NOT NULL,
  PRIMARY KEY (topic_id, part)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  topic_id INTEGER NOT NULL,
  part INTEGER NOT NULL,
  off INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  key BLOB,
  tag TEXT,
  value BLOB NOT NULL,
  PRIMARY KEY (topic_id, part, off)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
  topic_id INTEGER NOT NULL,
  grp TEXT NOT NULL,
  part INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  PRIMARY KEY (topic_id, grp, part)
) WITHOUT ROWID;
`;

/** Opens (creating if needed) the database at `opts.path`; safe when several processes do it at once. */
export function openDatabase(opts: ResolvedSqliteOptions): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(opts.path, { timeout: opts.busyTimeoutMs });
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL is required`);
    db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // Without a limit the WAL file keeps its largest size forever after a burst; this truncates it at checkpoints.
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    const conn = db;
    conn.transaction(() => {
      const version = conn.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`database schema ${version} is newer than this gateway's ${SCHEMA_VERSION}`);
      if (version < SCHEMA_VERSION) {
        conn.exec(SCHEMA);
        conn.pragma(`user_version = ${SCHEMA_VERSION}`);
      }
    }).immediate();
    return conn;
  } catch (e) {
    db?.close();
    throw storeUnavailable(`cannot open sqlite database ${opts.path}: ${(e as Error).message}`, { cause: e });
  }
}
