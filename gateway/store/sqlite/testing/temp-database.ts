// For SQLite store tests: a fresh database folder per test, and everything the test opened closed afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { SqliteStore } from '../sqlite-store.js';
import type { SqliteStoreOptions } from '../sqlite-options.js';

export interface TempDatabase {
  /** The database file of the running test. */
  readonly path: string;
  /** A store on `path` (retention off unless `opts` says otherwise), closed after the test. */
  open(opts?: Partial<SqliteStoreOptions>): SqliteStore;
  /** Closes `closable` after the test (in reverse order of tracking, before the folder is removed). */
  track<T extends { close(): unknown }>(closable: T): T;
}

/** Registers the per-test hooks of the calling test file (call it once, at its top level). */
export function useTempDatabase(prefix: string): TempDatabase {
  let dir = '';
  const opened: Array<{ close(): unknown }> = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), `kateway-${prefix}-`));
  });
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.close();
    await rm(dir, { recursive: true, force: true });
  });
  const db: TempDatabase = {
    get path() {
      return join(dir, 'store.db');
    },
    open: (opts = {}) => db.track(new SqliteStore({ path: db.path, retentionMs: 0, ...opts })),
    track: (closable) => {
      opened.push(closable);
      return closable;
    },
  };
  return db;
}
