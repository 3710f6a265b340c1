// One consumer group's session on one gateway: shared by every HTTP/WebSocket client of the group,
// it hands each message to one client, redelivers what is not acknowledged in time, and commits safely.
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { GroupReader, Position, StoredMessage } from '../store/store.js';
import { OutstandingOffsets } from './outstanding-offsets.js';

/** Messages handed to one client in one response or one WebSocket send. */
export interface Delivery {
  readonly id: number;
  readonly messages: readonly StoredMessage[];
}

/** What happened to a delivery once the client had it (or not). */
export type DeliveryOutcome =
  /** Written to the client in auto-ack mode: counts as processed. */
  | 'ack'
  /** Written in ack=1 mode: stays in flight until acknowledged or its deadline passes. */
  | 'hold'
  /** Not written (client gone): deliver again at once. */
  | 'release';

export interface GroupSessionOptions {
  ackDeadlineMs: number;
  maxInflight: number;
  commitIntervalMs: number;
  /** Most messages asked from the store in one fetch. */
  fetchMax: number;
  /** Milliseconds now; injected for tests. */
  now: () => number;
  log: Logger;
}

interface InflightDelivery {
  id: number;
  messages: StoredMessage[];
  deadline: number;
}

interface Waiter {
  max: number;
  resolve: (d: Delivery | undefined) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
  cleanup: () => void;
}

const keyOf = (partition: number, offset: number): string => `${partition}:${offset}`;

/** How long one store fetch waits for data while clients wait. */
const FETCH_WAIT_MS = 5_000;

export class GroupSession {
  readonly #reader: GroupReader;
  readonly #opts: GroupSessionOptions;
  readonly #offsets = new OutstandingOffsets();
  #ready: StoredMessage[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #deliveries = new Map<number, InflightDelivery>();
  readonly #inflight = new Map<string, InflightDelivery>();
  #nextDeliveryId = 1;
  #pumping = false;
  /** Aborts the store fetch in flight; kept across fetches until an abort uses it up. */
  #pumpAbort: AbortController | undefined;
  #fetching = false;
  #committing: Promise<void> | undefined;
  #closed = false;
  /** Set when the gateway drains: pulls answer at once instead of long-polling. */
  #noWait = false;
  #broken = false;
  #emptyStreak = 0;
  readonly #commitTimer: NodeJS.Timeout;
  #sweepTimer: NodeJS.Timeout | undefined;
  /** Milliseconds of the last client request; the registry closes idle sessions. */
  lastUsed: number;

  constructor(
    readonly topic: string,
    readonly groupId: string,
    reader: GroupReader,
    opts: GroupSessionOptions,
  ) {
    this.#reader = reader;
    this.#opts = opts;
    this.lastUsed = opts.now();
    this.#commitTimer = setInterval(() => void this.commit().catch(() => undefined), opts.commitIntervalMs);
    this.#commitTimer.unref();
  }

  /** True once the reader failed: the registry replaces the session (uncommitted messages are delivered again). */
  get broken(): boolean {
    return this.#broken;
  }

  /** False once the session closed, drains or broke: a pull then answers at once, so streaming loops must stop. */
  get serving(): boolean {
    return !this.#closed && !this.#noWait && !this.#broken;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  get inflightCount(): number {
    return this.#inflight.size;
  }

  /**
   * Up to `max` messages for one client: redeliveries first, then new ones. Waits up to `waitMs`;
   * resolves undefined on timeout, abort or shutdown. Every delivery must be `settle`d.
   */
  pull(max: number, waitMs: number, signal?: AbortSignal): Promise<Delivery | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    this.lastUsed = this.#opts.now();
    this.#requeueExpired();
    if (this.#ready.length > 0 && this.#capacity() > 0) return Promise.resolve(this.#take(max));
    if (waitMs <= 0 || signal?.aborted || this.#noWait) return Promise.resolve(undefined);
    return new Promise<Delivery | undefined>((resolve, reject) => {
      const onAbort = (): void => this.#dropWaiter(waiter, undefined);
      const waiter: Waiter = {
        max,
        resolve,
        reject,
        timer: setTimeout(() => this.#dropWaiter(waiter, undefined), waitMs),
        cleanup: () => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#ensurePump();
    });
  }

  /** Records what became of a delivery. */
  settle(delivery: Delivery, outcome: DeliveryOutcome): void {
    const rec = this.#deliveries.get(delivery.id);
    if (!rec || outcome === 'hold') return;
    this.#forget(rec);
    if (outcome === 'ack') for (const m of rec.messages) this.#offsets.acked(m.partition, m.offset);
    else this.#ready = [...rec.messages, ...this.#ready];
    this.#serveWaiters();
    this.#ensurePump();
  }

  /**
   * Drops from a delivery the messages a client's filter does not want (X-Tag): they count as processed at once in
   * either ack mode, so they are never redelivered and never hold back the group's commits. At most `limit` wanted
   * messages are kept; whatever follows the last of them goes back to the front of the queue, unexamined (a filtered
   * client pulls more than it asks for, to skip in bulk). Returns what is left of the delivery (to settle as usual;
   * undefined when nothing is) and how many messages were skipped.
   */
  skip(delivery: Delivery, keep: (m: StoredMessage) => boolean, limit = Infinity): { kept: Delivery | undefined; skipped: number } {
    const rec = this.#deliveries.get(delivery.id);
    if (!rec) return { kept: undefined, skipped: 0 }; // already requeued: it comes again
    const kept: StoredMessage[] = [];
    let skipped = 0;
    let i = 0;
    for (; i < rec.messages.length && kept.length < limit; i++) {
      const m = rec.messages[i]!;
      if (keep(m)) kept.push(m);
      else {
        skipped++;
        this.#inflight.delete(keyOf(m.partition, m.offset));
        this.#offsets.acked(m.partition, m.offset);
      }
    }
    if (kept.length === rec.messages.length) return { kept: rec, skipped: 0 };
    const unexamined = rec.messages.slice(i);
    for (const m of unexamined) this.#inflight.delete(keyOf(m.partition, m.offset));
    if (unexamined.length > 0) this.#ready = [...unexamined, ...this.#ready];
    rec.messages = kept;
    if (kept.length === 0) this.#deliveries.delete(rec.id);
    this.#serveWaiters();
    this.#ensurePump();
    return { kept: kept.length > 0 ? rec : undefined, skipped };
  }

  /**
   * The piggy-backed ack of ack=1 (X-Partition/X-Offset of the last processed message): acknowledges the
   * delivery that carried that message, so a client acks a whole batch with its last record.
   * Returns false when the message is not outstanding (already acked, or never delivered).
   */
  ack(partition: number, offset: number): boolean {
    const rec = this.#inflight.get(keyOf(partition, offset));
    if (rec) {
      this.settle(rec, 'ack');
      return true;
    }
    return this.#ackOne(partition, offset);
  }

  /** Explicit commit (PUT /v1/offsets): every outstanding message up to each offset counts as processed; commits now. */
  async ackUpTo(positions: readonly Position[]): Promise<void> {
    for (const { partition, offset } of positions) {
      for (const o of this.#offsets.upTo(partition, offset)) this.#ackOne(partition, o);
    }
    this.#serveWaiters();
    await this.commit();
  }

  /** Persists the safe commit point of every partition that moved. */
  commit(): Promise<void> {
    if (this.#committing) return this.#committing.then(() => this.commit());
    const positions = this.#offsets.pendingCommits();
    if (positions.length === 0) return Promise.resolve();
    this.#committing = this.#reader
      .commit(positions)
      .then(() => this.#offsets.markCommitted(positions))
      .catch((err: unknown) => {
        this.#opts.log.warn('commit failed; will retry', { group: this.groupId, topic: this.topic, err });
        throw err;
      })
      .finally(() => {
        this.#committing = undefined;
      });
    return this.#committing;
  }

  /** Answers every waiting client with "no message" and stops long-polling (shutdown: clients get 204). */
  releaseWaiters(): void {
    this.#noWait = true;
    for (const w of [...this.#waiters]) this.#dropWaiter(w, undefined);
  }

  /** Stops fetching, answers waiters, commits acknowledged positions, leaves the group. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#commitTimer);
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.releaseWaiters();
    this.#pumpAbort?.abort();
    try {
      await this.commit();
    } catch {
      // Logged in commit(); uncommitted messages are delivered again by the next session (at-least-once).
    }
    await this.#reader.close();
  }

  #capacity(): number {
    return this.#opts.maxInflight - this.#inflight.size;
  }

  #take(max: number): Delivery {
    const n = Math.min(max, this.#ready.length, this.#capacity());
    const messages = this.#ready.splice(0, n);
    const rec: InflightDelivery = { id: this.#nextDeliveryId++, messages, deadline: this.#opts.now() + this.#opts.ackDeadlineMs };
    this.#deliveries.set(rec.id, rec);
    for (const m of messages) this.#inflight.set(keyOf(m.partition, m.offset), rec);
    this.#armSweep();
    return rec;
  }

  #forget(rec: InflightDelivery): void {
    this.#deliveries.delete(rec.id);
    for (const m of rec.messages) this.#inflight.delete(keyOf(m.partition, m.offset));
  }

  #ackOne(partition: number, offset: number): boolean {
    const key = keyOf(partition, offset);
    const rec = this.#inflight.get(key);
    if (rec) {
      this.#inflight.delete(key);
      rec.messages = rec.messages.filter((m) => m.partition !== partition || m.offset !== offset);
      if (rec.messages.length === 0) this.#deliveries.delete(rec.id);
    } else {
      const i = this.#ready.findIndex((m) => m.partition === partition && m.offset === offset);
      if (i >= 0) this.#ready.splice(i, 1);
    }
    return this.#offsets.acked(partition, offset);
  }

  #dropWaiter(w: Waiter, d: Delivery | undefined): void {
    const i = this.#waiters.indexOf(w);
    if (i < 0) return;
    this.#waiters.splice(i, 1);
    w.cleanup();
    w.resolve(d);
    // Only a fetch in flight is worth aborting (an abort builds a DOMException, and uses the controller up).
    if (this.#waiters.length === 0 && this.#fetching) this.#pumpAbort?.abort();
  }

  #serveWaiters(): void {
    while (this.#waiters.length > 0 && this.#ready.length > 0 && this.#capacity() > 0) {
      const w = this.#waiters[0]!;
      this.#dropWaiter(w, this.#take(w.max));
    }
  }

  /** One fetch loop per session, running only while clients wait: the store is read by one caller at a time. */
  #ensurePump(): void {
    if (this.#pumping || this.#closed || this.#waiters.length === 0) return;
    this.#pumping = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      await this.#pumpLoop();
    } catch (err) {
      this.#pumping = false;
      this.#opts.log.error('session pump failed', { group: this.groupId, err });
    }
  }

  /** Clears #pumping synchronously on every exit, so a waiter arriving right after starts a new pump. */
  async #pumpLoop(): Promise<void> {
    for (;;) {
      if (this.#closed || this.#waiters.length === 0) {
        this.#pumping = false;
        return;
      }
      this.#serveWaiters();
      if (this.#waiters.length === 0 || this.#capacity() <= 0) {
        this.#pumping = false; // settle() or the sweep restarts us
        return;
      }
      const want = Math.min(this.#opts.fetchMax, this.#waiters.reduce((s, w) => s + w.max, 0));
      // One controller serves fetch after fetch until an abort uses it up: a new one per fetch showed in sub profiles.
      if (!this.#pumpAbort || this.#pumpAbort.signal.aborted) this.#pumpAbort = new AbortController();
      const ac = this.#pumpAbort;
      let batch: StoredMessage[];
      const fetchStarted = performance.now();
      this.#fetching = true;
      try {
        batch = await this.#reader.fetch(want, FETCH_WAIT_MS, ac.signal);
      } catch (err) {
        this.#broken = true;
        const e = err instanceof AppError ? err : new AppError(ErrorCode.STORE_UNAVAILABLE, 'store fetch failed', { cause: err });
        for (const w of this.#waiters.splice(0)) {
          w.cleanup();
          w.reject(e);
        }
        this.#pumping = false;
        return;
      } finally {
        this.#fetching = false;
      }
      for (const m of batch) {
        this.#offsets.fetched(m.partition, m.offset);
        this.#ready.push(m);
      }
      // A reader that answers "nothing" long before its wait (closed underneath us, or misbehaving) must not turn
      // this loop into a microtask spin that starves the event loop: back off, doubling up to 1 s.
      if (batch.length === 0 && !ac.signal.aborted && performance.now() - fetchStarted < FETCH_WAIT_MS / 2) {
        this.#emptyStreak = Math.min(this.#emptyStreak + 1, 7);
        await new Promise((r) => setTimeout(r, 8 * 2 ** this.#emptyStreak).unref());
      } else this.#emptyStreak = 0;
    }
  }

  #armSweep(): void {
    if (this.#sweepTimer) return;
    const every = Math.max(10, Math.min(1_000, Math.floor(this.#opts.ackDeadlineMs / 4)));
    this.#sweepTimer = setInterval(() => {
      this.#requeueExpired();
      if (this.#deliveries.size === 0 && this.#sweepTimer) {
        clearInterval(this.#sweepTimer);
        this.#sweepTimer = undefined;
      }
    }, every);
    this.#sweepTimer.unref();
  }

  /** Deliveries past their ack deadline go back to the front of the queue (at-least-once within a session). */
  #requeueExpired(): void {
    const now = this.#opts.now();
    const expired: StoredMessage[] = [];
    for (const rec of this.#deliveries.values()) {
      if (rec.deadline <= now) {
        this.#forget(rec);
        expired.push(...rec.messages);
      }
    }
    if (expired.length === 0) return;
    expired.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    this.#ready = [...expired, ...this.#ready];
    this.#serveWaiters();
    this.#ensurePump();
  }
}
