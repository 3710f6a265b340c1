// Which mixed end-to-end rows `npm run bench` runs on a store, and in how many rounds.
//
// Issue 5's end-to-end target (p99 < 20 ms at 1,000 msgs/s) is judged on the chunked batch=100 and WebSocket rows
// through the proxy on the sqlite and kafka stores. One 5 s run's p99 is set by ~50 messages, and on 2 shared CPUs by
// whether a single scheduling stall of ≥ 20 ms falls in it: those rows run in alternating rounds and are judged by the
// median p99. The rest run once, for their shape: memory's chunked and WebSocket rows (no target), and the batch=1
// long-polls (one proxied round trip per message; not judged), last, because at 2,000 proxied requests/s they
// saturate the machine and would leave their after-effects in the next run.
import type { SubscribeMode } from '../clients/mixed-subscriber.js';
import type { StoreKind } from './kateway-process.js';

export type MixedPath = 'direct' | 'proxy';

export interface MixedVariant {
  path: MixedPath;
  mode: SubscribeMode;
}

export interface MixedPlan {
  /** Measured in `rounds` alternating rounds (A B / B A / A B …). */
  rounds: number;
  repeated: MixedVariant[];
  /** Measured once each, after the repeated ones. */
  once: MixedVariant[];
}

/** The stores whose mixed rows issue 5 judges. */
export const JUDGED_STORES: readonly StoreKind[] = ['sqlite', 'kafka'];
/** The subscriber modes issue 5 judges. */
export const JUDGED_MODES: readonly SubscribeMode[] = ['chunked', 'ws'];

/**
 * `avail`: the store's fronts among direct and proxy, in that order; the rows go through the last (the proxy when
 * there is one). `rounds`: rounds of the judged rows (--quick: 1).
 */
export function mixedPlan(store: StoreKind, avail: readonly MixedPath[], rounds: number, quick: boolean): MixedPlan {
  const path = avail[avail.length - 1];
  if (!path) return { rounds: 0, repeated: [], once: [] };
  const push = JUDGED_MODES.map((mode) => ({ path, mode }));
  // Unjudged stores, and --quick (< 90 s), run the two push modes once.
  if (quick || !JUDGED_STORES.includes(store)) return { rounds: 1, repeated: [], once: push };
  return { rounds, repeated: push, once: [{ path, mode: 'longpoll' }] };
}
