// The sessions this gateway holds, one per consumer group (subscriber appid + group), opened on first use.
import { badRequest } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { ResetPolicy, Store } from '../store/store.js';
import { GroupSession, type GroupSessionOptions } from './group-session.js';

export interface SessionRegistryOptions extends Omit<GroupSessionOptions, 'log'> {
  /** A session without a request for this long is closed (offsets committed). */
  sessionIdleMs: number;
}

/** The store-level group id of a subscriber's group: `<subscriber appid>.<group>`, as in the original. */
export const storeGroupId = (subAppid: string, group: string): string => `${subAppid}.${group}`;

export class SessionRegistry {
  readonly #sessions = new Map<string, Promise<GroupSession>>();
  readonly #idleTimer: NodeJS.Timeout;
  #closed = false;
  #draining = false;

  constructor(
    readonly store: Store,
    readonly opts: SessionRegistryOptions,
    readonly log: Logger,
  ) {
    this.#idleTimer = setInterval(() => void this.#closeIdle(), Math.max(50, Math.min(opts.sessionIdleMs / 2, 10_000)));
    this.#idleTimer.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * The group's session, opening it (and joining the store's group) on first use.
   * A group consumes one topic: asking for another while the session lives is a 400, as in the original.
   */
  async acquire(subAppid: string, group: string, topic: string, reset: ResetPolicy): Promise<GroupSession> {
    if (this.#closed) throw badRequest('server is shutting down');
    const groupId = storeGroupId(subAppid, group);
    let pending = this.#sessions.get(groupId);
    const existing = pending && (await pending.catch(() => undefined));
    if (existing?.broken && this.#sessions.get(groupId) === pending) {
      this.#sessions.delete(groupId);
      void existing.close().catch(() => undefined);
      pending = undefined;
    }
    pending ??= this.#sessions.get(groupId);
    if (!pending) {
      pending = this.store.openReader(topic, groupId, { reset }).then(
        (reader) => new GroupSession(topic, groupId, reader, { ...this.opts, log: this.log }),
      );
      this.#sessions.set(groupId, pending);
      pending.catch(() => this.#sessions.delete(groupId));
    }
    const session = await pending;
    if (this.#draining) session.releaseWaiters();
    if (session.topic !== topic) throw badRequest(`one group can only consume one topic: ${group} consumes ${session.topic}`);
    session.lastUsed = this.opts.now();
    return session;
  }

  /** Answers every long-poll with "no message" (graceful shutdown step 1). */
  async releaseWaiters(): Promise<void> {
    this.#draining = true;
    for (const s of await this.#all()) s.releaseWaiters();
  }

  /** Closes every session (commits). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#idleTimer);
    const all = await this.#all();
    this.#sessions.clear();
    await Promise.allSettled(all.map((s) => s.close()));
  }

  async #all(): Promise<GroupSession[]> {
    const settled = await Promise.allSettled(this.#sessions.values());
    return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  async #closeIdle(): Promise<void> {
    const cutoff = this.opts.now() - this.opts.sessionIdleMs;
    for (const [groupId, pending] of this.#sessions) {
      const s = await pending.catch(() => undefined);
      if (!s || s.waiting > 0 || s.lastUsed > cutoff) continue;
      this.#sessions.delete(groupId);
      this.log.info('closing idle session', { group: groupId, topic: s.topic });
      await s.close().catch((err: unknown) => this.log.warn('session close failed', { group: groupId, err }));
    }
  }
}
