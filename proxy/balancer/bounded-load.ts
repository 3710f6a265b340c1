// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2016): a wrapper over any hash policy.
import type { Host } from '../upstream/host.js';
import type { HostSet } from '../upstream/host-set.js';
import { isRingPolicy, usable, type HashPolicy, type PickContext } from './policy.js';

/**
 * Walks the inner policy's preference order and takes the first usable host whose load is under its capacity
 * ceil(factor × (L + 1) × w / W), where L is the in-flight total and W the weight of the usable hosts. This is
 * HAProxy's `hash-balance-factor` (factor 1.25 = 125) and Envoy's `hash_balance_factor`. Since the capacities add
 * up to at least L + 1, some usable host always has room. The price: a hot key spills to its ring neighbour.
 */
export class BoundedLoadPolicy implements HashPolicy {
  readonly name: string;
  readonly #inner: HashPolicy;
  readonly #factor: number;

  constructor(inner: HashPolicy, factor: number) {
    if (!(factor >= 1) || !Number.isFinite(factor)) throw new RangeError(`invalid balance factor ${factor}: must be >= 1`);
    this.#inner = inner;
    this.#factor = factor;
    this.name = `${inner.name}+bounded-load`;
  }

  pick(set: HostSet, ctx?: PickContext): Host | undefined {
    let load = 1;
    let weight = 0;
    for (const h of set.hosts) {
      if (!usable(h, ctx?.exclude)) continue;
      load += h.inflight;
      weight += h.weight;
    }
    if (weight === 0) return undefined;
    let fallback: Host | undefined;
    for (const h of this.#inner.rank(set, ctx?.key ?? '')) {
      if (!usable(h, ctx?.exclude)) continue;
      fallback ??= h;
      if (h.inflight < Math.ceil((this.#factor * load * h.weight) / weight)) return h;
    }
    return fallback;
  }

  rank(set: HostSet, key: string): Iterable<Host> {
    return this.#inner.rank(set, key);
  }

  /** The inner ring's shares (the bound moves individual requests, not ownership). */
  shares(set: HostSet): Map<Host, number> {
    return isRingPolicy(this.#inner) ? this.#inner.shares(set) : new Map();
  }
}
