// Cross-process wake-up: while fetches wait, polls `PRAGMA data_version` and wakes them when another process appended.
import type { SqliteTopic } from './sqlite-topic.js';

/**
 * Appends of this process wake fetches directly; appends of other processes sharing the file are only
 * visible through the database. `PRAGMA data_version` changes when another connection commits and costs
 * about a microsecond, so polling it every few ms is cheap, and it only runs while some fetch waits.
 */
export class ChangePoller {
  readonly #intervalMs: number;
  readonly #dataVersion: () => number;
  readonly #watched = new Set<SqliteTopic>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(intervalMs: number, dataVersion: () => number) {
    this.#intervalMs = intervalMs;
    this.#dataVersion = dataVersion;
  }

  /** Starts watching `topic` until its waiters are gone. */
  watch(topic: SqliteTopic): void {
    if (this.#stopped) return;
    this.#watched.add(topic);
    if (!this.#timer) this.#schedule();
  }

  /**
   * Reloads `topic`'s offsets if another process committed since it last looked; true when it grew.
   * The version is read before the offsets, so a commit landing in between is caught by the next check.
   * `maxAgeMs`: skip the look (false) if the topic was looked at less than this long ago. A look is a read
   * transaction (~15 µs here), and a live reader's fetch looks once per delivery before it waits; a fetch that
   * waits is looked after within the poll interval anyway.
   */
  refresh(topic: SqliteTopic, maxAgeMs = 0): boolean {
    const now = performance.now();
    if (now - topic.lookedAt < maxAgeMs) return false;
    topic.lookedAt = now;
    const version = this.#dataVersion();
    if (version === topic.seenVersion) return false;
    return topic.load(version);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watched.clear();
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    for (const topic of this.#watched) {
      if (topic.waiters.size === 0) {
        this.#watched.delete(topic);
        continue;
      }
      this.refresh(topic); // a topic that grew wakes its waiters (SqliteTopic.load)
    }
    if (this.#watched.size > 0 && !this.#stopped) this.#schedule();
  };

  #schedule(): void {
    // Unref'd: the waiting fetches' own timers keep the process alive, the poller alone should not.
    this.#timer = setTimeout(this.#tick, this.#intervalMs);
    this.#timer.unref();
  }
}
