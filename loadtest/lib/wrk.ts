// Runs wrk (the reference generator, see ../shared/reference/limits.md) once and parses its report.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface WrkOptions {
  url: string;
  /** Open connections (wrk -c). Default 64. */
  connections?: number;
  /** Generator threads (wrk -t). Default 1. */
  threads?: number;
  /** Run length in seconds (wrk -d). */
  seconds: number;
  /** Lua script (wrk -s), for a method, body or per-request logic. */
  script?: string;
  /** Extra request headers (wrk -H "Name: value"). */
  headers?: Record<string, string>;
  /** Pin wrk to this CPU with taskset; undefined = no affinity. */
  core?: number;
  /** wrk --timeout in seconds; a response slower than this counts as a timeout error. Default 5. */
  timeoutSeconds?: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: { connect: number; read: number; write: number; timeout: number };
  /** CPU the generator used (user+system), µs per request; NaN when /usr/bin/time is absent. */
  genCpuUsPerReq: number;
  raw: string;
}

const TIME = '/usr/bin/time';

/** Parses "1.23ms", "850.00us", "1.05s" into milliseconds. */
export function parseDurationMs(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

/** Parses wrk's text report (with --latency). Throws when the summary lines are missing. */
export function parseWrk(out: string): Omit<WrkResult, 'genCpuUsPerReq' | 'raw'> {
  const req = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  if (!req) throw new Error(`wrk output not understood:\n${out}`);
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? parseDurationMs(m[1]!) : NaN;
  };
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const requests = Number(req[1]);
  const seconds = parseDurationMs(`${req[2]}${req[3]}`) / 1000;
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    non2xx: non ? Number(non[1]) : 0,
    errors: se
      ? { connect: Number(se[1]), read: Number(se[2]), write: Number(se[3]), timeout: Number(se[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
  };
}

/** The wrk binary, or undefined when it is not installed. */
export function wrkPath(): string | undefined {
  for (const p of ['/usr/bin/wrk', '/usr/local/bin/wrk']) if (existsSync(p)) return p;
  return undefined;
}

export function runWrk(o: WrkOptions): Promise<WrkResult> {
  const wrk = wrkPath();
  if (!wrk) return Promise.reject(new Error('wrk not found (Debian: apt-get install wrk)'));
  const args = [`-t${o.threads ?? 1}`, `-c${o.connections ?? 64}`, `-d${o.seconds}s`, '--latency', `--timeout`, `${o.timeoutSeconds ?? 5}s`];
  if (o.script) args.push('-s', o.script);
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(o.url);
  let cmd = [wrk, ...args];
  if (o.core !== undefined) cmd = ['taskset', '-c', String(o.core), ...cmd];
  const timed = existsSync(TIME);
  if (timed) cmd = [TIME, '-f', '__TIME__ %U %S %e', ...cmd];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${err || out}`));
      try {
        const r = parseWrk(out);
        const t = /__TIME__ ([\d.]+) ([\d.]+)/.exec(err);
        const genCpuUsPerReq = t && r.requests ? ((Number(t[1]) + Number(t[2])) * 1e6) / r.requests : NaN;
        resolve({ ...r, genCpuUsPerReq, raw: out });
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
