// Summarises a V8 .cpuprofile (node --cpu-prof): top functions by self and total time, and time by code area.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface FunctionTime {
  name: string;
  /** Where: file:line relative to the repository, or node:… */
  where: string;
  selfPct: number;
  totalPct: number;
}

export interface ProfileSummary {
  /** Profiled wall time (ms) and sample count. */
  durationMs: number;
  samples: number;
  /** Excluding (idle): share of busy samples. */
  top: FunctionTime[];
  /** Self time by area (gateway/…, shared/…, node internals, node_modules/<pkg>, GC, native), % of busy samples. */
  areas: { area: string; pct: number }[];
  idlePct: number;
}

const shortUrl = (url: string): string => {
  const u = url.replace(/^file:\/\//, '');
  const i = u.indexOf('/dist/');
  if (i >= 0) return u.slice(i + 6);
  const nm = u.lastIndexOf('/node_modules/');
  return nm >= 0 ? u.slice(nm + 1) : u;
};

function areaOf(n: ProfileNode): string {
  const { functionName: f, url } = n.callFrame;
  if (!url) return f.startsWith('(') ? f : '(native/builtin)';
  if (url.startsWith('node:')) return 'node internals (node:*)';
  const s = shortUrl(url);
  if (s.startsWith('node_modules/')) return s.split('/').slice(0, s.split('/')[1]!.startsWith('@') ? 3 : 2).join('/');
  return s.split('/').slice(0, 2).join('/');
}

export function summariseProfile(file: string, topN = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  for (const s of p.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const key = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'}|${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  let idle = 0;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, h] of hits) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') {
      idle += h;
      continue;
    }
    self.set(key(n), (self.get(key(n)) ?? 0) + h);
    areas.set(areaOf(n), (areas.get(areaOf(n)) ?? 0) + h);
    // Total: charge each distinct function on the stack once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + h);
    }
  }
  const busy = p.samples.length - idle || 1;
  const pct = (x: number): number => (100 * x) / busy;
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([k, v]) => {
      const [name, where] = k.split('|') as [string, string];
      return { name, where, selfPct: pct(v), totalPct: pct(total.get(k) ?? v) };
    });
  return {
    durationMs: (p.endTime - p.startTime) / 1000,
    samples: p.samples.length,
    top,
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, v]) => ({ area, pct: pct(v) })),
    idlePct: (100 * idle) / (p.samples.length || 1),
  };
}

/** Top functions by total (inclusive) time, for "which request step costs what". */
export function topByTotal(file: string, topN = 25, match?: RegExp): FunctionTime[] {
  const s = summariseProfile(file, 100_000);
  return s.top
    .filter((f) => !match || match.test(f.where))
    .sort((a, b) => b.totalPct - a.totalPct)
    .slice(0, topN);
}
