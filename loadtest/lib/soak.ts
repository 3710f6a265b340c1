// `npm run bench -- --soak 300`: constant mixed load through the proxy for N seconds; heap snapshots of the gateway
// and the proxy before and after (each snapshot runs a full GC first), plus the gateway's heapUsed over time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMixed, type MixedResult } from '../clients/e2e-latency.js';
import { APP } from './bench-scenarios.js';
import { startStack } from './bench-stack.js';
import { heapGrowth, summariseHeapSnapshot, takeHeapSnapshot } from './heap-snapshot.js';
import type { StoreKind } from './kateway-process.js';

export interface SoakProcess {
  name: string;
  startMB: number;
  endMB: number;
  growthPct: number;
  topGrowth: { name: string; countDelta: number; bytesDelta: number }[];
}

export interface SoakResult {
  seconds: number;
  rate: number;
  store: StoreKind;
  path: 'proxy' | 'direct';
  processes: SoakProcess[];
  /** The gateway's kateway_heap_used_bytes, MB: mean of the first and of the last 20 % of samples. */
  heapUsedMB: { first: number; last: number; samples: number };
  load?: MixedResult;
  /** True when every process's post-GC heap grew less than 10 % (or 5 MB). */
  ok: boolean;
}

async function heapUsed(manUrl: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${manUrl}/metrics`)).text();
    const m = /^kateway_heap_used_bytes(?:\{[^}]*\})? ([\d.e+]+)/m.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function runSoak(o: {
  seconds: number;
  rate: number;
  store: StoreKind;
  sqlitePath?: string;
  kafka?: string;
  proxyWorkers: number;
  log: (s: string) => void;
}): Promise<SoakResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kateway-soak-'));
  const flags = ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];
  const stack = await startStack({
    store: o.store,
    sqlitePath: o.sqlitePath,
    kafka: o.kafka,
    paths: ['direct', 'proxy'],
    proxyWorkers: o.proxyWorkers,
    gatewayNodeFlags: flags,
    proxyNodeFlags: flags,
  });
  try {
    const front = stack.fronts.proxy ?? stack.fronts.direct!;
    const path = stack.fronts.proxy ? 'proxy' : 'direct';
    const mixed = (seconds: number): Promise<MixedResult> =>
      runMixed({
        pubUrl: front.pubUrl,
        subUrl: front.subUrl,
        appid: APP.appid,
        pubkey: APP.key,
        subkey: APP.key,
        topic: 'soak',
        ver: 'v1',
        group: 'soak',
        rate: o.rate,
        seconds,
        size: 100,
        subscribers: 64,
        mode: 'longpoll',
      });
    // The proxy's workers are the processes that hold state: snapshot each one (the primary only hands out sockets).
    const proxyPids = front.pids[1] ? workerPids(front.pids[1]) : [];
    const targets = [{ name: 'gateway', pid: stack.gateway.pid }, ...proxyPids.map((pid, i) => ({ name: `proxy process ${i + 1}`, pid }))];
    o.log(`soak: warm-up 20 s at ${o.rate} msgs/s through the ${path}, then snapshots...`);
    await mixed(20);
    const start = [];
    for (const t of targets) start.push(summariseHeapSnapshot(await takeHeapSnapshot(t.pid, dir)));
    o.log(`soak: ${o.seconds} s at ${o.rate} msgs/s...`);
    const samples: number[] = [];
    const sampler = setInterval(() => void heapUsed(stack.gateway.manUrl).then((v) => v !== undefined && samples.push(v)), 5000);
    const load = await mixed(o.seconds);
    clearInterval(sampler);
    const processes: SoakProcess[] = [];
    for (const [i, t] of targets.entries()) {
      const end = summariseHeapSnapshot(await takeHeapSnapshot(t.pid, dir));
      const a = start[i]!.totalBytes;
      const b = end.totalBytes;
      processes.push({ name: t.name, startMB: a / 2 ** 20, endMB: b / 2 ** 20, growthPct: (100 * (b - a)) / a, topGrowth: heapGrowth(start[i]!, end) });
    }
    const k = Math.max(1, Math.floor(samples.length / 5));
    const mean = (xs: number[]): number => xs.reduce((p, q) => p + q, 0) / (xs.length || 1) / 2 ** 20;
    return {
      seconds: o.seconds,
      rate: o.rate,
      store: o.store,
      path,
      processes,
      heapUsedMB: { first: mean(samples.slice(0, k)), last: mean(samples.slice(-k)), samples: samples.length },
      load,
      ok: processes.every((p) => p.growthPct < 10 || p.endMB - p.startMB < 5),
    };
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The cluster workers of a proxy primary, or the process itself when it serves alone. */
function workerPids(pid: number): number[] {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return kids.length ? kids : [pid];
  } catch {
    return [pid];
  }
}
