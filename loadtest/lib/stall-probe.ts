// Diagnostic preload (`node --import=<dist>/loadtest/lib/stall-probe.js`, or through NODE_OPTIONS so that every child
// process loads it): records when this process's event loop stalled and when V8 paused for GC, with wall-clock times,
// so that latency outliers of a benchmark can be matched to the process that was not running at that moment.
// Writes `<STALL_PROBE_DIR>/<pid>.jsonl` at exit: {"pid","argv","stalls":[[atMs, gapMs, cpuMs]…],"gc":[[atMs, ms, kind]…]}.
// cpuMs is the CPU time the whole process (all its threads) used during the stall: about gapMs when the loop was
// busy (a long task, a GC), about 0 when it was not running at all (waiting for a CPU, or blocked in a system call).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const dir = process.env['STALL_PROBE_DIR'];
/** A timer tick later than this, ms, counts as a stall. */
const STALL_MS = Number(process.env['STALL_PROBE_MS'] ?? 5);
const TICK_MS = 1;

if (dir) {
  const stalls: [number, number, number][] = [];
  const cpuMs = (): number => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  let lastCpu = cpuMs();
  const gc: [number, number, string][] = [];
  const wall = (): number => performance.timeOrigin + performance.now();
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const gap = now - last - TICK_MS;
    const cpu = cpuMs();
    if (gap > STALL_MS) stalls.push([Math.round(wall() - gap), Math.round(gap), Math.round(cpu - lastCpu)]);
    last = now;
    lastCpu = cpu;
  }, TICK_MS);
  timer.unref();
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.duration < 1) continue;
      const kind = ((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind ?? -1;
      gc.push([Math.round(performance.timeOrigin + e.startTime), Number(e.duration.toFixed(1)), kinds[kind] ?? String(kind)]);
    }
  }).observe({ entryTypes: ['gc'] });
  const dump = (): void => {
    writeFileSync(join(dir, `${process.pid}.jsonl`), JSON.stringify({ pid: process.pid, argv: process.argv.slice(1, 4).join(' '), stalls, gc }) + '\n');
  };
  process.once('exit', dump);
  // Servers are stopped by signal, and may be killed before their graceful stop ends: write now; exit only if this
  // listener is the process's only one (otherwise the process's own handler decides).
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      dump();
      if (process.listenerCount(sig) === 0) process.exit(0);
    });
  }
}
