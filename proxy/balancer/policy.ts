// The balancer seam: a policy picks one host of a snapshot for a request; it never touches health or discovery.
import type { Host } from '../upstream/host.js';
import type { HostSet } from '../upstream/host-set.js';

/** What a policy may know about the request it places. */
export interface PickContext {
  /** Affinity key (hashing policies): same key, same host while the set does not change. */
  key?: string;
  /** Hosts already tried for this request (a retry must go elsewhere). */
  exclude?: readonly Host[];
}

/**
 * Chooses the host for one request.
 * Contract (checked by conformance.case.test.ts for every implementation):
 * - returns a member of `set` that is `available` and not in `ctx.exclude`, or `undefined` when there is none;
 * - never mutates hosts (the forwarder owns `inflight`); may keep its own rotation state;
 * - O(set size) at worst per call, no I/O, no clock, randomness only through an injected source.
 */
export interface BalancerPolicy {
  readonly name: string;
  pick(set: HostSet, ctx?: PickContext): Host | undefined;
}

/** A policy that orders hosts by preference for a key; wrappers such as bounded load walk that order. */
export interface HashPolicy extends BalancerPolicy {
  /** Every member of `set` exactly once, most preferred first, available or not. Deterministic in (set, key). */
  rank(set: HostSet, key: string): Iterable<Host>;
}

/** The one question a policy asks: may this host take the request? */
export function usable(h: Host, exclude: readonly Host[] | undefined): boolean {
  return h.available && (exclude === undefined || exclude.length === 0 || !exclude.includes(h));
}

/** A policy that can say how much of the key space each member owns (status page: ring owners). */
export interface RingPolicy {
  shares(set: HostSet): Map<Host, number>;
}

export const isRingPolicy = (p: BalancerPolicy): p is BalancerPolicy & RingPolicy =>
  typeof (p as Partial<RingPolicy>).shares === 'function';
