// Reads the stall probes' files (loadtest/lib/stall-probe.ts) and matches a run's slow publishes and deliveries to the
// processes whose event loop stalled, or whose V8 paused for GC, while each slow message was on its way.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProbeFile {
  pid: number;
  argv: string;
  /** [wall-clock ms, gap ms, CPU ms the process used meanwhile] (files of older probes lack the CPU). */
  stalls: [number, number, number?][];
  gc: [number, number, string][];
}

export interface ProcessStalls {
  /** Script and role, e.g. "kateway.js gateway", "mixed-process.js pub", with the pid. */
  name: string;
  /** Stalls inside the window: count, total and largest ms, and the CPU ms the process used during them. */
  stalls: { count: number; totalMs: number; maxMs: number; cpuMs: number };
  gc: { count: number; totalMs: number; maxMs: number };
  /** Share of the slow messages whose flight overlapped a stall or GC pause of this process. */
  overlapPct: number;
}

export function readProbes(dir: string): ProbeFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ProbeFile);
}

const label = (p: ProbeFile): string => {
  const [script = '', role = ''] = p.argv.split(' ');
  const r = role.startsWith('-') || role.startsWith('{') ? '' : ` ${role}`;
  return `${basename(script)}${r} [${p.pid}]`;
};

/**
 * Per process: its stalls and GC pauses within [from, to] (wall-clock ms), and how many of `slow` ([send ms, flight ms])
 * overlapped one. Processes without any stall in the window are left out.
 */
export function stallsInWindow(probes: readonly ProbeFile[], from: number, to: number, slow: readonly [number, number][]): ProcessStalls[] {
  const out: ProcessStalls[] = [];
  for (const p of probes) {
    const stalls = p.stalls.filter(([at]) => at >= from && at <= to);
    const pauses: [number, number][] = [
      ...stalls.map(([at, ms]): [number, number] => [at, ms]),
      ...p.gc.filter(([at]) => at >= from && at <= to).map(([at, ms]): [number, number] => [at, ms]),
    ];
    if (pauses.length === 0) continue;
    const sum = (xs: [number, number][]): { count: number; totalMs: number; maxMs: number } => ({
      count: xs.length,
      totalMs: Math.round(xs.reduce((s, x) => s + x[1], 0)),
      maxMs: Math.round(Math.max(0, ...xs.map((x) => x[1]))),
    });
    const overlapping = slow.filter(([t, d]) => pauses.some(([at, ms]) => at < t + d && at + ms > t)).length;
    out.push({
      name: label(p),
      stalls: { ...sum(stalls.map(([at, ms]): [number, number] => [at, ms])), cpuMs: Math.round(stalls.reduce((t, x) => t + (x[2] ?? NaN), 0)) },
      gc: sum(p.gc.filter(([at]) => at >= from && at <= to).map(([at, ms]): [number, number] => [at, ms])),
      overlapPct: slow.length ? Math.round((overlapping / slow.length) * 100) : 0,
    });
  }
  return out.sort((a, b) => b.overlapPct - a.overlapPct);
}
