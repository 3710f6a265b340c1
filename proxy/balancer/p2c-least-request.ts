// Power of two choices, least outstanding requests (Mitzenmacher 2001; Envoy's LEAST_REQUEST policy).
import type { Host } from '../upstream/host.js';
import type { HostSet } from '../upstream/host-set.js';
import type { Random } from '../util/random.js';
import { usable, type BalancerPolicy, type PickContext } from './policy.js';

/**
 * Draws two usable hosts at random (with replacement, as Envoy does) and keeps the one with the lower
 * (inflight + 1) / weight. Needs no shared state, so independent proxy processes do not herd onto the same idle
 * host as "least loaded everywhere" would. With three hosts and one busy, picks land near 44/44/11 %
 * (1/9 chance that both draws hit the busy one): the simulation test checks that figure.
 */
export class P2cLeastRequestPolicy implements BalancerPolicy {
  readonly name = 'p2c';
  readonly #random: Random;
  readonly #scratch: Host[] = [];

  constructor(random: Random) {
    this.#random = random;
  }

  pick(set: HostSet, ctx?: PickContext): Host | undefined {
    const cand = this.#scratch;
    cand.length = 0;
    for (const h of set.hosts) if (usable(h, ctx?.exclude)) cand.push(h);
    const n = cand.length;
    if (n <= 1) {
      const only = cand[0];
      cand.length = 0;
      return only;
    }
    const a = cand[Math.floor(this.#random() * n)]!;
    const b = cand[Math.floor(this.#random() * n)]!;
    cand.length = 0;
    // Cross-multiplied (ia+1)/wa <= (ib+1)/wb: no division, ties go to the first draw.
    return (a.inflight + 1) * b.weight <= (b.inflight + 1) * a.weight ? a : b;
  }
}
