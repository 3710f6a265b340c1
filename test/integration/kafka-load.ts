// Shared by the Kafka failure tests: a constant publish load through a Store that records every outcome, and a tally.
import assert from 'node:assert/strict';
import type { GroupReader, Position, Store, StoredMessage } from '../../gateway/store/store.js';

/** One append attempt: its unique id, when it settled, and where the store said it went (if it resolved). */
export interface Attempt {
  id: string;
  startedAt: number;
  ms: number;
  position?: Position;
  error?: { code: string; message: string };
}

export interface LoadOptions {
  /** Concurrent publishers (default 8). */
  workers?: number;
  /** Every n-th append of a worker is a batch of `batchSize` (default: never). */
  batchEvery?: number;
  batchSize?: number;
  /** Pause after a rejected append, ms (default 50), so a worker does not spin on an open breaker. */
  backoffMs?: number;
}

/**
 * Appends messages with unique ids (`w<worker>-<seq>`, keyed by the same id) until `stop()`; a rejected
 * attempt is recorded and the worker moves on with a new id, as a client that gave up would.
 */
export class PublishLoad {
  readonly attempts: Attempt[] = [];
  #running = true;
  readonly #done: Promise<void>;

  constructor(store: Store, topic: string, opts: LoadOptions = {}) {
    const workers = opts.workers ?? 8;
    this.#done = Promise.all(
      Array.from({ length: workers }, (_, w) => this.#worker(store, topic, w, opts)),
    ).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }

  resolved(): Attempt[] {
    return this.attempts.filter((a) => a.position);
  }

  rejected(): Attempt[] {
    return this.attempts.filter((a) => a.error);
  }

  async #worker(store: Store, topic: string, w: number, opts: LoadOptions): Promise<void> {
    for (let seq = 0; this.#running; seq++) {
      const batch = opts.batchEvery && seq % opts.batchEvery === opts.batchEvery - 1 ? (opts.batchSize ?? 10) : 1;
      const ids = Array.from({ length: batch }, (_, i) => `w${w}-${seq}${batch > 1 ? `.${i}` : ''}`);
      const startedAt = performance.now();
      try {
        const pos = await store.append(topic, ids.map((id) => ({ key: id, value: Buffer.from(id) })));
        const ms = performance.now() - startedAt;
        ids.forEach((id, i) => this.attempts.push({ id, startedAt, ms, position: pos[i]! }));
      } catch (e) {
        const ms = performance.now() - startedAt;
        const err = e as { code?: string; message?: string };
        for (const id of ids) this.attempts.push({ id, startedAt, ms, error: { code: err.code ?? 'UNKNOWN', message: err.message ?? String(e) } });
        await new Promise((r) => setTimeout(r, opts.backoffMs ?? 50));
      }
    }
  }
}

export interface Tally {
  resolved: number;
  rejected: number;
  read: number;
  distinctRead: number;
  lost: string[];
  duplicates: number;
  rejectedButStored: number;
  positionMismatches: number;
}

/** Compares what the load saw resolve with what a reader reads back. */
export function tally(load: PublishLoad, read: StoredMessage[]): Tally {
  const seen = new Map<string, StoredMessage[]>();
  for (const m of read) {
    const id = m.value.toString();
    seen.set(id, [...(seen.get(id) ?? []), m]);
  }
  const resolved = load.resolved();
  const rejected = load.rejected();
  let positionMismatches = 0;
  for (const a of resolved) {
    const copies = seen.get(a.id) ?? [];
    if (copies.length && !copies.some((m) => m.partition === a.position!.partition && m.offset === a.position!.offset)) positionMismatches++;
  }
  return {
    resolved: resolved.length,
    rejected: rejected.length,
    read: read.length,
    distinctRead: seen.size,
    lost: resolved.filter((a) => !seen.has(a.id)).map((a) => a.id),
    duplicates: [...seen.values()].reduce((n, copies) => n + copies.length - 1, 0),
    rejectedButStored: rejected.filter((a) => seen.has(a.id)).length,
    positionMismatches,
  };
}

/** Reads until every id in `want` has been seen and the reader stays empty for `quietMs`, or fails at the deadline. */
export async function readAll(reader: GroupReader, want: Set<string>, deadlineMs: number, quietMs = 2000): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  const missing = new Set(want);
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) assert.fail(`read back ${want.size - missing.size} of ${want.size} resolved messages before the deadline`);
    const got = await reader.fetch(1000, Math.min(missing.size ? 1000 : quietMs, Math.ceil(left)));
    for (const m of got) missing.delete(m.value.toString());
    out.push(...got);
    if (missing.size === 0 && got.length === 0) return out;
  }
}

export const percentile = (xs: number[], p: number): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
