// Smooth weighted round robin (nginx's algorithm): weights honoured, picks interleaved rather than bursty.
import type { Host } from '../upstream/host.js';
import type { HostSet } from '../upstream/host-set.js';
import { usable, type BalancerPolicy, type PickContext } from './policy.js';

/**
 * Each pick adds every usable host's weight to its running score, takes the highest score and subtracts the
 * total from it (nginx ngx_http_upstream_get_peer). With weights 5,1,1 the order is a a b a c a a: spread, exact.
 * Unusable hosts are skipped without disturbing the others' scores.
 */
export class RoundRobinPolicy implements BalancerPolicy {
  readonly name = 'round-robin';
  readonly #score = new WeakMap<Host, number>();

  pick(set: HostSet, ctx?: PickContext): Host | undefined {
    let best: Host | undefined;
    let bestScore = -Infinity;
    let total = 0;
    for (const h of set.hosts) {
      if (!usable(h, ctx?.exclude)) continue;
      const s = (this.#score.get(h) ?? 0) + h.weight;
      this.#score.set(h, s);
      total += h.weight;
      if (s > bestScore) {
        best = h;
        bestScore = s;
      }
    }
    if (best) this.#score.set(best, bestScore - total);
    return best;
  }
}
