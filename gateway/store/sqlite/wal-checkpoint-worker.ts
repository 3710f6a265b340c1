// The worker thread of WalCheckpointer: its own connection to the database, a PASSIVE checkpoint every interval.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** What the store passes to the worker. */
export interface CheckpointWorkerData {
  path: string;
  intervalMs: number;
  busyTimeoutMs: number;
}

/** Posted after each checkpoint that copied frames, or once when the worker fails. */
export type CheckpointWorkerMessage =
  | { kind: 'checkpoint'; walFrames: number; checkpointed: number }
  | { kind: 'error'; message: string };

const { path, intervalMs, busyTimeoutMs } = workerData as CheckpointWorkerData;
const port = parentPort!;
try {
  const db = new Database(path, { timeout: busyTimeoutMs });
  const timer = setInterval(() => {
    try {
      // PASSIVE: copies what no reader still needs, never waits for readers or blocks writers; the fsyncs it
      // does happen on this thread.
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      if (r && r.checkpointed > 0) port.postMessage({ kind: 'checkpoint', walFrames: r.log, checkpointed: r.checkpointed } satisfies CheckpointWorkerMessage);
    } catch (e) {
      // Busy or locked (another process's checkpoint, a schema change): the next interval tries again.
      if (e instanceof Database.SqliteError && (e.code.startsWith('SQLITE_BUSY') || e.code.startsWith('SQLITE_LOCKED'))) return;
      clearInterval(timer);
      db.close();
      port.postMessage({ kind: 'error', message: (e as Error).message } satisfies CheckpointWorkerMessage);
    }
  }, intervalMs);
  port.on('message', () => {
    clearInterval(timer);
    db.close();
    port.close();
  });
} catch (e) {
  port.postMessage({ kind: 'error', message: (e as Error).message } satisfies CheckpointWorkerMessage);
  port.close();
}
