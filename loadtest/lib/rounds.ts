// Runs benchmark cells in alternating rounds (A B C … / … C B A / A B C …) so drift hits every cell alike.

export interface Cell<S> {
  readonly id: string;
  /** One measured run of `seconds`. */
  run(seconds: number): Promise<S>;
  /** Warm-up before the first round (JIT, connections, sessions); default: one unrecorded run(). */
  warm?(seconds: number): Promise<unknown>;
}

export interface RoundsOptions<S> {
  rounds: number;
  seconds: number;
  warmSeconds: number;
  /** No warm-up runs (quick modes). */
  skipWarm?: boolean;
  /** Called after every measured run, for progress output. */
  onSample?: (cell: string, round: number, sample: S) => void;
  /** Called when a run throws: the cell records nothing for that round and the others go on. */
  onError?: (cell: string, round: number, err: unknown) => void;
}

/** Samples per cell id, in round order. */
export async function alternatingRounds<S>(cells: readonly Cell<S>[], o: RoundsOptions<S>): Promise<Map<string, S[]>> {
  const out = new Map<string, S[]>(cells.map((c) => [c.id, []]));
  for (const c of o.skipWarm ? [] : cells) {
    try {
      await (c.warm ? c.warm(o.warmSeconds) : c.run(o.warmSeconds));
    } catch (e) {
      o.onError?.(c.id, 0, e);
    }
  }
  for (let r = 1; r <= o.rounds; r++) {
    const order = r % 2 === 0 ? [...cells].reverse() : cells;
    for (const c of order) {
      try {
        const s = await c.run(o.seconds);
        out.get(c.id)!.push(s);
        o.onSample?.(c.id, r, s);
      } catch (e) {
        o.onError?.(c.id, r, e);
      }
    }
  }
  return out;
}
