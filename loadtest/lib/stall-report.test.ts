// Tests how probe records are matched to a run's slow messages, and how the CPU used during stalls adds up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stallsInWindow } from './stall-report.js';

describe('stall-report > stallsInWindow', () => {
  const probe = {
    pid: 7,
    argv: 'dist/cli/kateway.js gateway --store sqlite',
    // Two stalls in the window: one busy (CPU ≈ gap), one descheduled (no CPU); one outside it.
    stalls: [[1_000, 30, 29], [2_000, 20, 0], [9_000, 50, 50]] as [number, number, number][],
    gc: [[1_500, 4, 'minor']] as [number, number, string][],
  };

  it('sums the stalls, their CPU and the GC pauses inside the window, and the slow messages they overlap', () => {
    const [s] = stallsInWindow([probe], 500, 5_000, [[990, 20], [3_000, 25]]);
    assert.equal(s!.name, 'kateway.js gateway [7]');
    assert.deepEqual(s!.stalls, { count: 2, totalMs: 50, maxMs: 30, cpuMs: 29 });
    assert.deepEqual(s!.gc, { count: 1, totalMs: 4, maxMs: 4 });
    assert.equal(s!.overlapPct, 50);
  });

  it('leaves out a process without a pause in the window', () => {
    assert.deepEqual(stallsInWindow([probe], 20_000, 30_000, []), []);
  });
});
