// Unit tests of FetchPacer with a scripted timer: one hold per window, its length, no hold at 0, bad values refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FetchPacer } from './fetch-pacer.js';

/** A timer the test fires by hand; records the delays asked for. */
function scriptedTimer(): { delays: number[]; fire(): void; timer: (fn: () => void, ms: number) => unknown } {
  const due: Array<() => void> = [];
  const delays: number[] = [];
  return {
    delays,
    fire: () => due.splice(0).forEach((fn) => fn()),
    timer: (fn, ms) => {
      delays.push(ms);
      due.push(fn);
      return undefined;
    },
  };
}

describe('FetchPacer', () => {
  it('the batches of one fetch share one hold of paceMs; the next fetch\'s batches start a new one', async () => {
    const t = scriptedTimer();
    const pacer = new FetchPacer(5, t.timer);
    const first = pacer.hold();
    const second = pacer.hold();
    assert.ok(first && first === second, 'one hold for the batches of a fetch');
    assert.deepEqual(t.delays, [5]);
    let released = false;
    void first.then(() => (released = true));
    await Promise.resolve();
    assert.equal(released, false, 'held until the timer fires');
    t.fire();
    await first;
    const next = pacer.hold();
    assert.ok(next && next !== first, 'a later fetch holds again');
    assert.deepEqual(t.delays, [5, 5]);
    t.fire();
    await next;
  });

  it('paceMs 0 never holds and keeps kafkajs\'s one batch at a time', () => {
    const t = scriptedTimer();
    const pacer = new FetchPacer(0, t.timer);
    assert.equal(pacer.hold(), undefined);
    assert.equal(pacer.paces, false);
    assert.deepEqual(t.delays, []);
  });

  it('refuses a negative or non-finite pacing', () => {
    assert.throws(() => new FetchPacer(-1), TypeError);
    assert.throws(() => new FetchPacer(Number.NaN), TypeError);
  });
});
