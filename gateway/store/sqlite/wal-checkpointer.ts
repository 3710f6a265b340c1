// Moves SQLite's WAL checkpoints off the event loop: a worker thread checkpoints, the store's connection never does.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../../shared/log.js';
import type { CheckpointWorkerData, CheckpointWorkerMessage } from './wal-checkpoint-worker.js';
import type { SqliteDatabase } from './sqlite-schema.js';

const WORKER = new URL('./wal-checkpoint-worker.js', import.meta.url);
/** SQLite's own default, restored on the store's connection if the worker fails. */
const AUTO_CHECKPOINT_PAGES = 1000;

export interface CheckpointResult {
  /** Frames in the WAL when the checkpoint ran, and how many of them it copied into the database. */
  walFrames: number;
  checkpointed: number;
}

/**
 * Why: SQLite's auto-checkpoint runs inside the COMMIT that crosses 1,000 WAL pages, on the committing connection's
 * thread, and fsyncs the database file there. At 1,000 single-message appends/s the WAL crosses that about twice a
 * second, and each such commit held the gateway's event loop 15–20 ms on this machine (against 0.08 ms for a plain
 * commit): every request in flight waited, which put those checkpoints into the end-to-end p99. Here the store's
 * connection has `wal_autocheckpoint = 0` and a worker thread with its own connection runs a PASSIVE checkpoint every
 * `intervalMs` (readers and writers go on meanwhile; the next commit after a complete checkpoint restarts the WAL).
 * If the worker fails, the connection's auto-checkpoint is switched back on, so the WAL never grows without bound.
 */
export class WalCheckpointer {
  readonly #db: SqliteDatabase;
  readonly #worker: Worker;
  readonly #log: Logger;
  readonly #waiting: Array<{ resolve(r: CheckpointResult): void; reject(e: Error): void }> = [];
  readonly #exited: Promise<void>;
  #checkpoints = 0;
  #failed = false;
  #closing = false;

  constructor(db: SqliteDatabase, data: CheckpointWorkerData, log: Logger) {
    this.#db = db;
    this.#log = log;
    db.pragma('wal_autocheckpoint = 0');
    this.#worker = new Worker(WORKER, { workerData: data });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    this.#holdProcess();
    this.#worker.on('message', (m: CheckpointWorkerMessage) => {
      if (m.kind === 'error') return this.#fallBack(new Error(m.message));
      this.#checkpoints++;
      for (const w of this.#waiting.splice(0)) w.resolve({ walFrames: m.walFrames, checkpointed: m.checkpointed });
      this.#holdProcess();
    });
    this.#worker.on('error', (e) => this.#fallBack(e));
  }

  /** Checkpoints the worker has completed (that copied at least one frame). */
  get checkpoints(): number {
    return this.#checkpoints;
  }

  /** Resolves with the next checkpoint that copies frames (the worker keeps the process alive meanwhile); rejects if the worker failed. */
  nextCheckpoint(): Promise<CheckpointResult> {
    if (this.#failed) return Promise.reject(new Error('the checkpoint worker failed'));
    const next = new Promise<CheckpointResult>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    this.#holdProcess();
    return next;
  }

  /** Stops the worker and closes its connection; idempotent. The store's own close then checkpoints what is left. */
  close(): Promise<void> {
    if (!this.#closing && !this.#failed) this.#worker.postMessage('close');
    this.#closing = true;
    this.#holdProcess();
    return this.#exited;
  }

  /**
   * The worker must not keep a gateway (or a test) alive on its own, except while someone waits for it: a closing
   * store (its connection must close before the store's) or a nextCheckpoint caller.
   */
  #holdProcess(): void {
    if (this.#closing || this.#waiting.length > 0) this.#worker.ref();
    else this.#worker.unref();
  }

  #fallBack(err: Error): void {
    if (this.#failed || this.#closing) return;
    this.#failed = true;
    this.#log.warn('sqlite checkpoint worker failed; checkpointing on the main thread again', { err });
    for (const w of this.#waiting.splice(0)) w.reject(err);
    if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    void this.#worker.terminate();
  }
}
