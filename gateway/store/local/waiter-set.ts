// Long-poll waiting for single-host stores: fetches park here until an append wakes them, a timeout, or an abort.

// setTimeout fires at once for delays above 2^31-1 ms.
const MAX_TIMER_MS = 0x7fffffff;

/**
 * The fetches waiting on one topic. `wakeAll` is called after every append (and, for SQLite, when another
 * process is seen to have appended); each woken fetch re-checks its own partitions, so a spurious wake costs
 * one look and nothing else.
 */
export class WaiterSet {
  #waiting = new Set<() => void>();
  readonly #onFirstWaiter: (() => void) | undefined;

  /** @param onFirstWaiter called when the set goes from empty to one waiter (SQLite starts polling then). */
  constructor(onFirstWaiter?: () => void) {
    this.#onFirstWaiter = onFirstWaiter;
  }

  get size(): number {
    return this.#waiting.size;
  }

  /** Resolves true when woken, false on timeout or abort. Never rejects. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const finish = (woken: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiting.delete(wake);
        resolve(woken);
      };
      const wake = (): void => finish(true);
      const onAbort = (): void => finish(false);
      const timer = setTimeout(finish, Math.min(timeoutMs, MAX_TIMER_MS), false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.add(wake);
      if (this.#waiting.size === 1) this.#onFirstWaiter?.();
    });
  }

  /** Wakes every waiting fetch. */
  wakeAll(): void {
    if (this.#waiting.size === 0) return;
    const woken = this.#waiting;
    this.#waiting = new Set();
    for (const wake of woken) wake();
  }
}
