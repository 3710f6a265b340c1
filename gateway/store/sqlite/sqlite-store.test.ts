// Runs the Store conformance suite on SqliteStore, each run on a fresh database file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '../store.case.test.js';
import { SqliteStore } from './sqlite-store.js';

runStoreConformance(
  'sqlite',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kateway-sqlite-'));
    const store = new SqliteStore({ path: join(dir, 'store.db') });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { promptMs: 1000, deadlineMs: 5000 },
);
