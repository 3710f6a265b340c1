// Injected randomness: a function returning a float in [0, 1). Balancers never call Math.random themselves.

export type Random = () => number;

/** The default source for production wiring. */
export const systemRandom: Random = Math.random;

/**
 * A small deterministic PRNG for tests and simulations (mulberry32 by Tommy Ettinger, public domain):
 * same seed, same sequence, on every machine.
 */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
