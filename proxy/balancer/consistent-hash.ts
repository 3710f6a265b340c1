// Weighted consistent hashing on a ring whose points derive from gateway ids, so every proxy builds the same ring.
import { murmur2 } from '../../shared/hash/murmur2.js';
import type { Host } from '../upstream/host.js';
import type { HostSet } from '../upstream/host-set.js';
import { usable, type HashPolicy, type PickContext } from './policy.js';

/** 32-bit unsigned hash of a string; the ring's only source of positions (no randomness: instances must agree). */
export const hash32 = (s: string): number => murmur2(s) >>> 0;

interface Ring {
  /** Sorted point positions. */
  points: Uint32Array;
  /** owner[i] = index in set.hosts of the host owning points[i]. */
  owner: Uint16Array;
}

export interface ConsistentHashOptions {
  /** Ring points per unit of weight (default 100): more points, smoother spread, slower rebuilds. */
  pointsPerWeight?: number;
}

/**
 * Ketama-style ring (Karger et al. 1997; libketama): host h gets round(weight × pointsPerWeight) points at
 * hash32(`${gatewayId}#${i}`). A key goes to the first point clockwise of hash32(key); unusable hosts are passed
 * over to the next distinct host on the ring. Because a host's points depend only on its own id and weight,
 * adding a host moves only the keys that land on its new arcs (≈ w_new / W of them) and never moves a key between
 * two hosts that stay; two proxies with the same set agree on every key. Equal positions are ordered by gateway id.
 */
export class ConsistentHashPolicy implements HashPolicy {
  readonly name = 'consistent-hash';
  readonly #pointsPerWeight: number;
  readonly #rings = new WeakMap<HostSet, Ring>();

  constructor(opts: ConsistentHashOptions = {}) {
    const p = opts.pointsPerWeight ?? 100;
    if (!Number.isInteger(p) || p < 1 || p > 10_000) throw new RangeError(`invalid pointsPerWeight ${p}`);
    this.#pointsPerWeight = p;
  }

  pick(set: HostSet, ctx?: PickContext): Host | undefined {
    const hosts = set.hosts;
    if (hosts.length === 0) return undefined;
    const ring = this.#ring(set);
    const n = ring.points.length;
    const start = lowerBound(ring.points, hash32(ctx?.key ?? ''));
    const first = hosts[ring.owner[start % n]!]!;
    if (usable(first, ctx?.exclude)) return first;
    for (const h of this.#walk(set, ring, start)) if (usable(h, ctx?.exclude)) return h;
    return undefined;
  }

  rank(set: HostSet, key: string): Iterable<Host> {
    if (set.hosts.length === 0) return [];
    const ring = this.#ring(set);
    return this.#walk(set, ring, lowerBound(ring.points, hash32(key)));
  }

  /** Share of the hash space each member owns (status page: "ring owners"); sums to 1. */
  shares(set: HostSet): Map<Host, number> {
    const out = new Map<Host, number>();
    if (set.hosts.length === 0) return out;
    const { points, owner } = this.#ring(set);
    const n = points.length;
    for (let i = 0; i < n; i++) {
      // The arc (previous point, this point] belongs to this point's owner; the first arc wraps around zero.
      const arc = i === 0 ? points[0]! + (2 ** 32 - points[n - 1]!) : points[i]! - points[i - 1]!;
      const h = set.hosts[owner[i]!]!;
      out.set(h, (out.get(h) ?? 0) + arc / 2 ** 32);
    }
    return out;
  }

  *#walk(set: HostSet, ring: Ring, start: number): Generator<Host> {
    const n = ring.points.length;
    const seen = new Uint8Array(set.hosts.length);
    let left = set.hosts.length;
    for (let step = 0; step < n && left > 0; step++) {
      const idx = ring.owner[(start + step) % n]!;
      if (seen[idx]) continue;
      seen[idx] = 1;
      left--;
      yield set.hosts[idx]!;
    }
  }

  #ring(set: HostSet): Ring {
    let ring = this.#rings.get(set);
    if (!ring) {
      ring = buildRing(set, this.#pointsPerWeight);
      this.#rings.set(set, ring);
    }
    return ring;
  }
}

function buildRing(set: HostSet, pointsPerWeight: number): Ring {
  const hosts = set.hosts;
  if (hosts.length > 0xffff) throw new RangeError('too many hosts for one ring');
  const counts = hosts.map((h) => Math.max(1, Math.round(h.weight * pointsPerWeight)));
  const total = counts.reduce((a, b) => a + b, 0);
  // position × 2^16 + host index stays below 2^48, exact in a double: one numeric sort orders by position, then by
  // host index, which follows gateway id because the set is sorted by id.
  const packed = new Float64Array(total);
  let k = 0;
  hosts.forEach((h, idx) => {
    for (let i = 0; i < counts[idx]!; i++) packed[k++] = hash32(`${h.gatewayId}#${i}`) * 65536 + idx;
  });
  packed.sort();
  const points = new Uint32Array(total);
  const owner = new Uint16Array(total);
  for (let i = 0; i < total; i++) {
    const v = packed[i]!;
    owner[i] = v % 65536;
    points[i] = (v - owner[i]!) / 65536;
  }
  return { points, owner };
}

/** First index whose point is >= h; points.length when h is past the last point (the caller wraps). */
function lowerBound(points: Uint32Array, h: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === points.length ? 0 : lo;
}
