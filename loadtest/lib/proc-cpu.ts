// CPU time (utime+stime, µs) of a process and all its descendants, read from /proc.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond: number | undefined;

/** Kernel clock ticks per second (CLK_TCK, usually 100): /proc/PID/stat counts CPU time in these. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface StatLine {
  ppid: number;
  ticks: number;
}

function readStat(pid: string): StatLine | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state ppid … utime(14) stime(15).
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU µs used so far by `pid` and every live descendant (cluster workers, haproxy threads are one process).
 * Clock ticks are 10 ms here, so compare readings over whole runs of seconds, not single requests.
 */
export function treeCpuUs(pid: number): number {
  const stats = new Map<number, StatLine>();
  for (const e of readdirSync('/proc')) {
    if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
    const s = readStat(e);
    if (s) stats.set(Number(e), s);
  }
  const children = new Map<number, number[]>();
  for (const [p, s] of stats) {
    const list = children.get(s.ppid) ?? [];
    list.push(p);
    children.set(s.ppid, list);
  }
  let ticks = 0;
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    ticks += stats.get(p)?.ticks ?? 0;
    todo.push(...(children.get(p) ?? []));
  }
  return (ticks * 1e6) / clockTicks();
}

/** Resident set size in bytes of `pid` alone (VmRSS), or undefined when it is gone. */
/**
 * Proportional set size: resident pages, each shared page divided by the number of processes mapping it. Summed over
 * a process tree it counts the Node binary and copy-on-write pages once, where an RSS sum counts them per process.
 */
export function pssBytes(pid: number): number | undefined {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
