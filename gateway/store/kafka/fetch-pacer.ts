// Holds a busy consumer's next fetch a few ms after one that brought records, so that a fetch carries several messages.

/** setTimeout's shape, injected so that tests can drive time. */
export type Timer = (fn: () => void, ms: number) => unknown;

/**
 * Why: with `minBytes` 1 the broker answers a waiting fetch as soon as any record lands, so at 1,000 msgs/s a
 * consumer sends one fetch per message or two, and each costs the broker and the client about as much as a
 * produce request. Holding the next fetch `paceMs` after one that returned records lets the records of that
 * window travel together (at most 1,000 / `paceMs` fetches per second), for at most `paceMs` of added latency.
 * An idle consumer is not held: its fetch waits on the broker (fetchMaxWaitMs) and comes back empty, so many
 * idle groups still poll once per wait, not once per `paceMs`.
 *
 * One pacer per consumer: every batch of a fetch awaits the same hold, which starts at the first batch that
 * brought records (the batches of one fetch are handled concurrently, so none waits behind another's hold).
 */
export class FetchPacer {
  readonly #paceMs: number;
  readonly #timer: Timer;
  #hold: Promise<void> | null = null;

  /** @param paceMs the hold in ms (0: none). */
  constructor(paceMs: number, timer: Timer = setTimeout) {
    if (!Number.isFinite(paceMs) || paceMs < 0) throw new TypeError(`kafka: fetch pacing must be >= 0 ms, got ${paceMs}`);
    this.#paceMs = paceMs;
    this.#timer = timer;
  }

  /** False when the pacing is 0 (no hold). */
  get paces(): boolean {
    return this.#paceMs > 0;
  }

  /** Called after a batch's records were handed on; resolves when the next fetch may leave. */
  hold(): Promise<void> | undefined {
    if (this.#paceMs === 0) return undefined;
    this.#hold ??= new Promise<void>((resolve) => {
      this.#timer(() => {
        this.#hold = null;
        resolve();
      }, this.#paceMs);
    });
    return this.#hold;
  }
}
