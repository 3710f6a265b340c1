// Takes heap snapshots of running Node processes (--heapsnapshot-signal) and compares two of them by constructor.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface HeapSummary {
  /** Sum of self sizes: the live heap after the full GC that a snapshot performs. */
  totalBytes: number;
  nodes: number;
  byName: Map<string, { count: number; bytes: number }>;
}

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function summariseHeapSnapshot(file: string): HeapSummary {
  const s = JSON.parse(readFileSync(file, 'utf8')) as SnapshotJson;
  const f = s.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const byName = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const size = s.nodes[i + iSize]!;
    total += size;
    const type = types[s.nodes[i + iType]!]!;
    const name = type === 'object' || type === 'closure' ? `${type} ${s.strings[s.nodes[i + iName]!]}` : `(${type})`;
    const e = byName.get(name) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += size;
    byName.set(name, e);
  }
  return { totalBytes: total, nodes: s.nodes.length / width, byName };
}

/** The constructors whose retained self size grew most from `a` to `b`. */
export function heapGrowth(a: HeapSummary, b: HeapSummary, top = 8): { name: string; countDelta: number; bytesDelta: number }[] {
  const names = new Set([...a.byName.keys(), ...b.byName.keys()]);
  return [...names]
    .map((name) => {
      const x = a.byName.get(name) ?? { count: 0, bytes: 0 };
      const y = b.byName.get(name) ?? { count: 0, bytes: 0 };
      return { name, countDelta: y.count - x.count, bytesDelta: y.bytes - x.bytes };
    })
    .sort((p, q) => q.bytesDelta - p.bytesDelta)
    .slice(0, top);
}

/**
 * Sends SIGUSR2 to `pid` (started with --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=dir) and waits for the new
 * .heapsnapshot file in `dir` to stop growing. Returns its path.
 */
export async function takeHeapSnapshot(pid: number, dir: string, timeoutMs = 120_000): Promise<string> {
  const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  let file: string | undefined;
  let size = -1;
  let stableSince = 0;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    file ??= readdirSync(dir).find((n) => n.endsWith('.heapsnapshot') && !before.has(n) && n.includes(`.${pid}.`));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now === size && now > 0) {
      if (Date.now() - stableSince > 1000) return join(dir, file);
    } else {
      size = now;
      stableSince = Date.now();
    }
  }
  throw new Error(`heap snapshot of ${pid} not written in ${timeoutMs} ms`);
}
