// Partition counts of the cluster's topics, cached so that the pub path's hasTopic costs a Map lookup.
import type { Clock } from './circuit-breaker.js';

export interface TopicCacheOptions {
  /** A known topic's entry is refreshed in the background when older than this, ms (default 30,000). */
  maxAgeMs?: number;
  /** An unknown topic triggers a metadata refresh at most this often, ms (default 500). */
  minRefreshMs?: number;
  now?: Clock;
}

/**
 * Loads all topics' partition counts in one call and keeps them. A miss refreshes (coalesced, rate
 * limited), so a topic created by another gateway is seen within `minRefreshMs`; a hit never waits.
 */
export class TopicCache {
  readonly #load: () => Promise<Map<string, number>>;
  readonly #maxAgeMs: number;
  readonly #minRefreshMs: number;
  readonly #now: Clock;
  #topics = new Map<string, number>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | null = null;
  /** Topics `set` since the current load started: a load that began earlier must not drop them. */
  #setDuringLoad = new Map<string, number>();

  constructor(load: () => Promise<Map<string, number>>, opts: TopicCacheOptions = {}) {
    this.#load = load;
    this.#maxAgeMs = opts.maxAgeMs ?? 30_000;
    this.#minRefreshMs = opts.minRefreshMs ?? 500;
    this.#now = opts.now ?? Date.now;
  }

  /** The topic's partition count, or undefined when the cluster does not have it. Rejects only if a needed refresh fails. */
  async partitions(topic: string): Promise<number | undefined> {
    const hit = this.cached(topic); // stale but usable: refreshed behind
    if (hit !== undefined) return hit;
    if (this.#now() - this.#loadedAt < this.#minRefreshMs && this.#inflight === null) return undefined;
    await this.refresh();
    return this.#topics.get(topic);
  }

  /**
   * The topic's partition count when it is cached, without waiting (undefined: ask `partitions`). A stale entry
   * is still returned and refreshed behind, as `partitions` does.
   */
  cached(topic: string): number | undefined {
    const hit = this.#topics.get(topic);
    if (hit !== undefined && this.#now() - this.#loadedAt >= this.#maxAgeMs) this.refresh().catch(() => undefined);
    return hit;
  }

  /** Every topic name, freshly loaded. */
  async list(): Promise<string[]> {
    await this.refresh();
    return [...this.#topics.keys()].sort();
  }

  /** Reloads from the cluster; concurrent callers share one load. */
  refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    this.#setDuringLoad.clear();
    this.#inflight = this.#load()
      .then((m) => {
        for (const [t, n] of this.#setDuringLoad) if (!m.has(t)) m.set(t, n);
        this.#topics = m;
        this.#loadedAt = this.#now();
      })
      .finally(() => {
        this.#inflight = null;
        this.#setDuringLoad.clear();
      });
    return this.#inflight;
  }

  /** Records a topic this process just created (or saw in a produce answer). */
  set(topic: string, partitions: number): void {
    this.#topics.set(topic, partitions);
    if (this.#inflight) this.#setDuringLoad.set(topic, partitions);
  }

  /** Drops a topic the cluster said it does not know (deleted behind our back). */
  forget(topic: string): void {
    this.#topics.delete(topic);
  }
}
