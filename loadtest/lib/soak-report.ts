// The soak's markdown: one heap table and one load line, shared by `bench-soak` (its own section) and `npm run bench
// -- --soak` (a sub-section of the bench's).
import type { SoakResult } from './soak.js';
import { fmt } from './stats.js';

/** The heap table (live heap after the snapshot's full GC, per process) and the gateway heapUsed + load line. */
export function soakLines(r: SoakResult): string[] {
  const L = ['| process | live heap at start MB | at end MB | growth | largest growth by constructor |', '|---|---|---|---|---|'];
  for (const p of r.processes) {
    const top = p.topGrowth
      .slice(0, 3)
      .map((g) => `${g.name} ${g.bytesDelta >= 0 ? '+' : ''}${fmt(g.bytesDelta / 1024)} KiB (${g.countDelta >= 0 ? '+' : ''}${g.countDelta})`)
      .join('; ');
    L.push(`| ${p.name} | ${fmt(p.startMB, 1)} | ${fmt(p.endMB, 1)} | ${fmt(p.growthPct, 1)} % | ${top} |`);
  }
  const l = r.load;
  L.push(
    '',
    `Gateway heapUsed from /metrics (no forced GC): ${fmt(r.heapUsedMB.first, 1)} MB (first fifth of ${r.heapUsedMB.samples} samples) → ` +
      `${fmt(r.heapUsedMB.last, 1)} MB (last fifth).` +
      (l ? ` Load: ${fmt(l.published)} published (${l.pubErrors} errors), ${fmt(l.received)} delivered, lost ${l.lost}; end-to-end p50 ${fmt(l.e2e.p50, 2)} / p99 ${fmt(l.e2e.p99, 2)} ms.` : ''),
  );
  return L;
}
